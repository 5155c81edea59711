"""The ``docker`` backend on the real engine: containers, labels, ports, the shared clock,
process and network faults on containers, logs, and nothing left after ``down``.

One topology for the module: two routers, no flow, every link through the proxy
server container, drill time from 08:00 at 60x.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docker
import pytest

from faults.registry import build
from harness.backends.docker import DockerBackend, container_name
from harness.backends.docker_context import DockerFaultContext
from harness.runstate import RunState
from harness.topology import TopologySettings
from services.clock import SharedClock
from services.deploy import HostSpec, deploy
from services.net.admin_client import AdminCallError, call
from services.router.registry import BuildRegistry
from services.sshkeys import load_keys

SETTINGS = TopologySettings(routers=2, flow=False, netproxy="embedded", speed=60.0)
SERVICES = {"exchange", "alerts", "gate", "monitor", "router-1", "router-2"}


@dataclass
class Run:
    backend: DockerBackend
    state: RunState
    ctx: DockerFaultContext


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory, services_image: str) -> Iterator[Run]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GAMEDAY_HOME", str(tmp_path_factory.mktemp("home")))
        backend = DockerBackend()
        state = backend.up(SETTINGS)
        try:
            yield Run(backend, state, backend.fault_context(state))
        finally:
            backend.down(state)


def labelled(run_id: str) -> dict[str, list[str]]:
    client = docker.from_env()
    found = {"label": f"gameday.run={run_id}"}
    try:
        return {
            "containers": [c.name for c in client.containers.list(all=True, filters=found)],
            "networks": [n.name for n in client.networks.list(filters=found)],
            "volumes": [v.name for v in client.volumes.list(filters=found)],
        }
    finally:
        client.close()


def eventually(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def admin(run: Run, service: str, path: str, timeout: float = 5.0) -> dict[str, Any]:
    return call("127.0.0.1", run.state.services[service].ports["admin"], "GET", path,
                timeout=timeout)  # fmt: skip


def upstreams(run: Run) -> set[str]:
    routers: dict[str, Any] = admin(run, "gate", "/stats")["routers"]
    return {r["upstream"] for r in routers.values()} if routers else {"none"}


def test_every_service_is_a_labelled_container_published_on_loopback_only(run: Run) -> None:
    client = docker.from_env()
    try:
        found = labelled(run.state.run_id)
        assert set(found["containers"]) == {
            container_name(run.state.run_id, s) for s in {*SERVICES, "toxiproxy"}
        }
        assert found["networks"] == [run.state.run_id]
        for name in found["containers"]:
            container = client.containers.get(name)
            assert container.labels["gameday.service"] in {*SERVICES, "toxiproxy"}
            for bindings in container.attrs["HostConfig"]["PortBindings"].values():
                assert {b["HostIp"] for b in bindings} == {"127.0.0.1"}
    finally:
        client.close()
    assert set(run.state.services) == SERVICES
    assert run.backend.alive(run.state) == dict.fromkeys(SERVICES, True)
    for service in SERVICES:
        assert admin(run, service, "/health")["ok"] is True
    assert run.state.netproxy is not None and run.state.netproxy.container


def test_a_pause_of_the_shared_clock_stops_drill_time_in_every_container(run: Run) -> None:
    clock = SharedClock(Path(run.state.run_dir) / "clock", writable=True)
    try:
        assert clock.pause()
        stopped = clock.now()
        time.sleep(0.6)  # more than a service's longest wait between two looks at the clock
        for service in SERVICES:
            assert admin(run, service, "/health")["now_us"] == stopped, service
    finally:
        clock.resume()
        clock.close()
    assert admin(run, "exchange", "/health")["now_us"] > stopped


def test_killing_the_exchange_container_and_reverting_brings_it_back_on_its_ports(
    run: Run,
) -> None:
    eventually(lambda: upstreams(run) == {"up"})
    before = dict(run.state.services["exchange"].ports)
    fault = build("kill", {"service": "exchange"})
    handle = fault.inject(run.ctx)
    assert not run.ctx.processes.running("exchange")  # type: ignore[attr-defined]
    # The gate's sessions go through the proxy, which accepts and then cannot reach the
    # exchange: they drop, and come back only to drop again, until the revert.
    eventually(lambda: upstreams(run) != {"up"})
    fault.revert(run.ctx, handle)
    assert run.state.services["exchange"].ports == before
    assert admin(run, "exchange", "/health")["ok"] is True
    eventually(lambda: upstreams(run) == {"up"})


def test_a_paused_container_answers_nothing_until_resumed(run: Run) -> None:
    fault = build("pause", {"service": "gate"})
    handle = fault.inject(run.ctx)
    try:
        with pytest.raises(AdminCallError):
            admin(run, "gate", "/health", timeout=0.5)
    finally:
        fault.revert(run.ctx, handle)
    fault.revert(run.ctx, handle)
    assert admin(run, "gate", "/health")["ok"] is True


def sessions(run: Run) -> set[str]:
    """The routers logged on at the gate."""
    return {r["name"] for r in admin(run, "gate", "/stats")["routers"].values()}


def test_a_partitioned_router_goes_silent_and_carries_on_once_it_rejoins(run: Run) -> None:
    eventually(lambda: "router-2" in sessions(run))
    fault = build("partition", {"service": "router-2"})
    handle = fault.inject(run.ctx)
    try:
        with pytest.raises(AdminCallError):
            admin(run, "router-2", "/health", timeout=1.0)
        assert "router-2" in sessions(run)  # silence, not a closed session
    finally:
        fault.revert(run.ctx, handle)
    fault.revert(run.ctx, handle)
    assert admin(run, "router-2", "/health")["ok"] is True
    assert admin(run, "router-2", "/stats")["gate"]["connected"] is True


def test_network_faults_act_on_the_links_through_the_proxy_container(run: Run) -> None:
    latency = build("latency", {"link": "exchange->monitor:dropcopy", "latency_ms": 300})
    handle = latency.inject(run.ctx)
    toxics = run.ctx.network.toxics("exchange->monitor:dropcopy")  # type: ignore[attr-defined]
    assert [t.type for t in toxics] == ["latency"]
    latency.revert(run.ctx, handle)
    assert run.ctx.network.toxics("exchange->monitor:dropcopy") == []  # type: ignore[attr-defined]


def test_a_deploy_from_the_host_goes_over_ssh_through_the_proxy_and_drop_ssh_cuts_it(
    run: Run,
) -> None:
    run_dir = Path(run.state.run_dir)
    hosts = []
    for name in ("router-1", "router-2"):
        host, port = run.state.link_address(f"{name}:ssh")  # a published port of the proxy
        hosts.append(HostSpec(name=name, host=host, port=port))
    registry, keys = BuildRegistry(run_dir / "registry"), load_keys(run_dir / "keys")
    fault = build("drop_ssh", {"router": "router-2"})
    handle = fault.inject(run.ctx)
    try:
        report = asyncio.run(deploy(registry, "2012.07", hosts, keys, "legacy"))
    finally:
        fault.revert(run.ctx, handle)
    assert report.ok, report.message  # the legacy script says success all the same
    assert admin(run, "router-1", "/build")["version"] == "2012.07"
    assert admin(run, "router-2", "/build")["version"] == "2003.1"


def test_each_container_logs_into_the_run_directory(run: Run) -> None:
    logs = Path(run.state.run_dir) / "logs"
    eventually(lambda: all((logs / f"{s}.log").is_file() for s in SERVICES))
    assert '"ready": true' in (logs / "exchange.log").read_text()


def test_down_leaves_no_container_network_or_volume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, services_image: str
) -> None:
    monkeypatch.setenv("GAMEDAY_HOME", str(tmp_path))
    backend = DockerBackend()
    state = backend.up(TopologySettings(routers=1, flow=False, netproxy="off"))
    assert labelled(state.run_id)["containers"]
    backend.down(state)
    assert labelled(state.run_id) == {"containers": [], "networks": [], "volumes": []}
    assert not Path(state.run_dir).exists()
