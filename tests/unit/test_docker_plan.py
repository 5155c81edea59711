"""The Docker topology as planned from ``harness.topology``, the compose file written from
it, and the ``partition`` of one service (no engine needed here: ``tests/docker`` has it)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from faults.registry import BadFaultParams, build
from harness.backends.compose_file import COMPOSE_NAME, PROXIES_NAME, render, stale
from harness.backends.docker_plan import (
    FILES,
    PORTS,
    PROXY,
    DockerPlan,
    plan_containers,
    run_layout,
)
from harness.paths import bundled
from harness.topology import TopologySettings, clock_args, plan_links, plan_topology

SETTINGS = TopologySettings(routers=3)


def run_plan(settings: TopologySettings = SETTINGS) -> DockerPlan:
    clock = clock_args(settings, 1000.5, f"{FILES}/clock")
    return plan_containers(settings, run_layout(Path("/runs/gd-1"), clock), seed=7)


def test_every_service_is_one_container_and_the_proxy_server_comes_first() -> None:
    plan = run_plan()
    services = [c.service for c in plan.containers]
    assert services == [PROXY, *(p.name for p in plan_topology(SETTINGS))]
    assert plan.containers[0].tier == 0
    for container in plan.containers[1:]:
        assert container.command[:3] == ("python", "-m", f"services.{container.command[2][9:]}")
        assert container.command[-2:] == ("--host", "0.0.0.0")
        assert container.health == ("admin", "/health")
        assert all(PORTS[name] == port for name, port in container.ports.items())


def test_links_go_through_the_proxy_container_on_ports_that_never_move() -> None:
    plan = run_plan()
    proxies = {p["name"]: p for p in plan.proxies}
    assert len(proxies) == len(plan_links(SETTINGS))
    gate = plan.container("gate")
    route = next(r for r in plan.routes if r.link.name == "gate->exchange")
    assert route.listen == f"{PROXY}:{route.port}" and route.upstream == "exchange:9001"
    assert proxies["gate~exchange"]["listen"] == f"0.0.0.0:{route.port}"
    assert gate.command[gate.command.index("--exchange") + 1] == route.listen
    assert gate.command[gate.command.index("--alerts") + 1] == "alerts:8080"  # not a link
    # A link's port is the same with or without the flow.
    without = run_plan(SETTINGS.model_copy(update={"flow": False}))
    ports = {r.link.name: r.port for r in plan.routes}
    assert {r.link.name: r.port for r in without.routes}.items() <= ports.items()
    # Only the links the host dials (SSH) and the API are published by the proxy server.
    assert set(plan.containers[0].ports) == {"api", "router-1:ssh", "router-2:ssh", "router-3:ssh"}


def test_without_a_proxy_services_dial_each_other_directly() -> None:
    plan = run_plan(SETTINGS.model_copy(update={"netproxy": "off"}))
    assert PROXY not in [c.service for c in plan.containers] and plan.proxies == []
    router = plan.container("router-2")
    assert router.command[router.command.index("--gate") + 1] == "gate:9001"


def test_a_router_sees_the_shared_clock_read_only_the_keys_and_only_its_own_builds() -> None:
    router = run_plan().container("router-2")
    mounts = {m.target: m for m in router.mounts}
    assert set(mounts) == {f"{FILES}/clock", f"{FILES}/keys", f"{FILES}/builds/router-2"}
    assert mounts[f"{FILES}/clock"].read_only and not mounts[f"{FILES}/keys"].read_only
    assert mounts[f"{FILES}/builds/router-2"].source == "/runs/gd-1/builds/router-2"
    args = router.command
    assert args[args.index("--clock-file") + 1] == f"{FILES}/clock"
    assert args[args.index("--epoch") + 1] == "1000.5"


def test_the_committed_compose_files_are_what_the_plan_makes_now() -> None:
    assert stale(bundled("compose")) == [], "run: python -m harness.backends.compose_file"


def test_the_compose_file_publishes_on_loopback_only_and_labels_everything() -> None:
    files = render()
    doc = yaml.safe_load(files[COMPOSE_NAME])
    proxies = json.loads(files[PROXIES_NAME])
    assert {p["name"] for p in proxies} >= {"gate~exchange", "router-8.ssh", "flow~router-8"}
    for name, service in doc["services"].items():
        assert service["labels"] == {"gameday.run": "compose-knight", "gameday.service": name}
        assert all(port.startswith("127.0.0.1::") for port in service["ports"])
        assert "--clock-file" not in service["command"]
    assert doc["services"]["flow"]["depends_on"].keys() >= {"monitor", "router-8"}
    assert doc["networks"]["default"]["labels"] == {"gameday.run": "compose-knight"}


# partition of one service ------------------------------------------------------------


@dataclass
class Links:
    """``NetworkControl`` over the names of ``plan_links``: which links are down."""

    names: list[str]
    down: set[str] = field(default_factory=set)

    def links(self) -> list[str]:
        return list(self.names)

    def add_toxic(
        self, link: str, toxic_type: str, stream: Any, toxicity: float, attributes: Any
    ) -> str:
        raise AssertionError("no toxics here")

    def remove_toxic(self, link: str, name: str) -> None:
        raise AssertionError("no toxics here")

    def set_enabled(self, link: str, enabled: bool) -> None:
        (self.down.discard if enabled else self.down.add)(link)


@dataclass
class Processes:
    names: list[str]

    def services(self) -> list[str]:
        return list(self.names)

    def kill(self, service: str) -> None: ...

    def pause(self, service: str) -> None: ...

    def resume(self, service: str) -> None: ...

    def restart(self, service: str) -> None: ...


@dataclass
class Containers(Processes):
    """A ``ProcessControl`` with ``ServiceIsolation``, as the docker backend's."""

    isolated: set[str] = field(default_factory=set)

    def isolate(self, service: str) -> None:
        self.isolated.add(service)

    def rejoin(self, service: str) -> None:
        self.isolated.discard(service)


@dataclass
class Context:
    network: Links
    processes: Processes
    run_id: str = "gd-test"
    scenario: Any = None

    def admin(
        self, service: str, method: str, path: str, body: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        raise AssertionError("no admin here")


def test_a_partition_of_a_service_cuts_every_link_it_dials_or_is_dialled_on() -> None:
    ctx = Context(Links([link.name for link in plan_links(SETTINGS)]), Processes([]))
    fault = build("partition", {"service": "router-3"})
    handle = fault.inject(ctx)
    assert ctx.network.down == {"router-3->gate", "flow->router-3", "router-3:ssh"}
    fault.revert(ctx, handle)
    fault.revert(ctx, handle)
    assert ctx.network.down == set()
    with pytest.raises(Exception, match="no link of the run reaches 'router-9'"):
        build("partition", {"service": "router-9"}).inject(ctx)


def test_where_the_backend_can_isolate_a_service_the_partition_does_that() -> None:
    containers = Containers(["router-3"])
    ctx = Context(Links(["router-3->gate"]), containers)
    fault = build("partition", {"service": "router-3"})
    handle = fault.inject(ctx)
    assert containers.isolated == {"router-3"} and ctx.network.down == set()
    fault.revert(ctx, handle)
    assert containers.isolated == set()


@pytest.mark.parametrize(
    "params", [{}, {"links": ["gate->exchange"], "service": "gate"}, {"service": "Gate!"}]
)
def test_a_partition_names_either_links_or_one_service(params: dict[str, Any]) -> None:
    with pytest.raises(BadFaultParams, match=r"^fault partition: (params|service)"):
        build("partition", params)
