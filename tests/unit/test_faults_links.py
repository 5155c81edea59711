"""The topology's links, and how the local fault context names them in errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from faults.base import FaultError
from harness.backends.local import LocalBackend
from harness.backends.local_context import LocalFaultContext, LocalNetwork
from harness.errors import UsageError
from harness.netproxy import launch as launch_module
from harness.runstate import LinkRecord, ProxyServerRecord, RunState, ServiceRecord
from harness.topology import (
    TopologySettings,
    clock_args,
    plan_links,
    plan_topology,
    resolve_args,
)


def expected_links(routers: int) -> set[str]:
    names = {
        "gate->exchange",
        "exchange->gate:marketdata",
        "exchange->monitor:dropcopy",
        "exchange->monitor:marketdata",
        "monitor->gate:admin",
    }
    for i in range(1, routers + 1):
        names |= {f"router-{i}->gate", f"flow->router-{i}", f"router-{i}:ssh"}
    return names


def test_the_topology_names_every_link_once() -> None:
    links = plan_links(TopologySettings(routers=3))
    assert [link.name for link in links] == list(dict.fromkeys(link.name for link in links))
    assert {link.name for link in links} == expected_links(3)
    ssh = {link.name: link for link in links}["router-2:ssh"]
    assert (ssh.client, ssh.server, ssh.target) == ("deploy", "router-2", "router-2.ssh")


def test_a_link_is_served_by_an_earlier_tier_than_its_client() -> None:
    plans = {p.name: p for p in plan_topology(TopologySettings(routers=2))}
    for plan in plans.values():
        used = {key for kind, key in plan.placeholders() if kind == "link"}
        assert used == {link.name for link in plan.links}, plan.name
        for link in plan.links:
            assert link.client == plan.name
            assert plans[link.server].tier < plan.tier, (plan.name, link.name)
            assert link.port in plans[link.server].ports


def test_links_resolve_to_proxies_when_given_and_directly_otherwise() -> None:
    settings = TopologySettings(routers=1)
    monitor = next(p for p in plan_topology(settings) if p.name == "monitor")
    address = {"exchange.dropcopy": "127.0.0.1:1", "exchange.marketdata": "127.0.0.1:2",
               "gate.admin": "127.0.0.1:3", "alerts.admin": "127.0.0.1:4"}  # fmt: skip
    clock = clock_args(settings, 1.0)
    direct = resolve_args(monitor, clock, {"admin": 0}, address, {})
    assert direct[direct.index("--dropcopy") + 1] == "127.0.0.1:1"
    proxied = resolve_args(
        monitor, clock, {"admin": 0}, address, {}, {"exchange->monitor:dropcopy": "127.0.0.1:9"}
    )
    assert proxied[proxied.index("--dropcopy") + 1] == "127.0.0.1:9"
    assert proxied[proxied.index("--gate-admin") + 1] == "127.0.0.1:3"
    assert not [a for a in proxied if re.search(r"\{\w+:", a)]


def run_state(tmp_path: Path, proxied: bool = True) -> RunState:
    state = RunState(
        run_id="gd-00000000", backend="local", created=0.0, epoch=0.0,
        settings={"netproxy": "embedded" if proxied else "off"}, run_dir=str(tmp_path),
        services={"exchange": ServiceRecord(ports={"admin": 1}, pid=1, module="exchange")},
    )  # fmt: skip
    if proxied:
        state.netproxy = ProxyServerRecord(kind="embedded", port=9, pid=1)
    for name in sorted(expected_links(2)):
        state.links[name] = LinkRecord(
            client="x", server="y", upstream="127.0.0.1:1", listen="127.0.0.1:2",
            proxy=f"gd-00000000.{name}" if proxied else None,
        )  # fmt: skip
    return state


def test_an_unknown_link_is_named_with_a_hint_and_the_known_links(tmp_path: Path) -> None:
    network = LocalNetwork(run_state(tmp_path))
    with pytest.raises(FaultError) as caught:
        network.add_toxic("router-9->gate", "latency", "downstream", 1.0, {"latency": 5})
    message = str(caught.value)
    assert message.startswith("unknown link 'router-9->gate'; did you mean 'router-2->gate'?")
    assert "known links: " in message and "exchange->monitor:dropcopy" in message
    assert "\n" not in message
    with pytest.raises(FaultError, match="unknown link 'gate'"):
        network.set_enabled("gate", False)


def test_without_a_proxy_network_faults_say_why(tmp_path: Path) -> None:
    network = LocalNetwork(run_state(tmp_path, proxied=False))
    assert network.links() == []
    with pytest.raises(FaultError, match=r"'gate->exchange'.*--netproxy off"):
        network.set_enabled("gate->exchange", False)


def test_unknown_services_are_named(tmp_path: Path) -> None:
    ctx = LocalFaultContext(run_state(tmp_path), LocalBackend())
    with pytest.raises(FaultError, match="unknown service 'exchnage'; did you mean 'exchange'"):
        ctx.processes.kill("exchnage")
    with pytest.raises(FaultError, match="unknown service 'router-9'"):
        ctx.admin("router-9", "GET", "/health")


def test_an_external_proxy_that_is_not_installed_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GAMEDAY_HOME", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    nowhere = (("toxiproxy", "toxiproxy-server", tmp_path), ("noxious", "noxious-server", tmp_path))
    monkeypatch.setattr(launch_module, "_BINARIES", nowhere)
    with pytest.raises(UsageError, match=r"^--netproxy external: no toxiproxy-server"):
        LocalBackend().up(TopologySettings(routers=1, netproxy="external"))
    assert not list((tmp_path / "runs").iterdir())
