"""Network faults on a live topology: real processes, real proxy server, real SSH.

One topology for the module: eight routers and the flow, every link through
the embedded proxy (the one that implements every toxic, reset_peer included,
on live connections). The drill clock starts at 08:00, so the flow is
connected but has nothing to send for the first drill minute.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from faults.registry import build
from harness.backends.local import LocalBackend
from harness.backends.local_context import LocalFaultContext
from harness.runstate import RunState
from harness.topology import TopologySettings, router_names
from services.deploy import DeployReport, HostSpec, deploy, fleet_status
from services.protocol import (
    Execution,
    FrameDecoder,
    Logon,
    NewChild,
    Side,
    TimeInForce,
    encode,
)
from services.router.registry import BuildRegistry
from services.sshkeys import load_keys

pytestmark = pytest.mark.slow
SETTINGS = TopologySettings(routers=8, drill_start="08:00", netproxy="embedded")
ROUTERS = router_names(SETTINGS)


@dataclass
class Topology:
    """The module's running topology and its fault context."""

    backend: LocalBackend
    state: RunState
    ctx: LocalFaultContext


@pytest.fixture(scope="module")
def topo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GAMEDAY_HOME", str(tmp_path_factory.mktemp("home")))
        backend = LocalBackend()
        state = backend.up(SETTINGS)
        try:
            yield Topology(backend, state, backend.fault_context(state))
        finally:
            backend.down(state)


def eventually(check: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def run_deploy(t: Topology, version: str, mode: str) -> DeployReport:
    run = Path(t.state.run_dir)
    hosts = [HostSpec(name=n, host=h, port=p)
             for n in ROUTERS for h, p in [t.state.link_address(f"{n}:ssh")]]  # fmt: skip
    keys = load_keys(run / "keys")
    coro = deploy(BuildRegistry(run / "registry"), version, hosts, keys, mode)  # type: ignore[arg-type]
    return asyncio.run(coro)


def builds(t: Topology) -> dict[str, str]:
    return {name: t.ctx.admin(name, "GET", "/build")["version"] for name in ROUTERS}


@pytest.mark.parametrize("mode", ["refuse", "reset"])
def test_drop_ssh_makes_the_legacy_deploy_skip_router_8_silently(topo: Topology, mode: str) -> None:
    fault = build("drop_ssh", {"router": "router-8", "mode": mode})
    handle = fault.inject(topo.ctx)
    try:
        report = run_deploy(topo, "2012.07", "legacy")
    finally:
        fault.revert(topo.ctx, handle)
    assert report.ok and report.failed == [], report.message
    assert "router-8" not in report.message
    assert report.host("router-8").status == "skipped"
    assert builds(topo) == {**dict.fromkeys(ROUTERS[:7], "2012.07"), "router-8": "2003.1"}
    # Reverted: SSH to router 8 works again through the same link.
    run = Path(topo.state.run_dir)
    host, port = topo.state.link_address("router-8:ssh")
    status = asyncio.run(fleet_status([HostSpec(name="router-8", host=host, port=port)],
                                      load_keys(run / "keys")))  # fmt: skip
    assert status.ok and status.version == "2003.1", status.message


@pytest.mark.parametrize("mode", ["refuse", "reset"])
def test_drop_ssh_makes_the_verified_deploy_fail_naming_router_8(topo: Topology, mode: str) -> None:
    fault = build("drop_ssh", {"router": "router-8", "mode": mode})
    handle = fault.inject(topo.ctx)
    try:
        report = run_deploy(topo, "2012.07", "verified")
    finally:
        fault.revert(topo.ctx, handle)
        fault.revert(topo.ctx, handle)  # idempotent
    assert not report.ok and report.failed == ["router-8"]
    assert "FAILED on router-8" in report.message
    assert builds(topo)["router-8"] == "2003.1"


def fill_and_time_until_the_monitor_sees_it(t: Topology, account: str) -> float:
    """Seconds from our execution report to the monitor's positions showing the fill."""
    symbol = t.ctx.admin("exchange", "GET", "/symbols")["symbols"][0]
    limit = round(symbol["price"] * 1.05 * 10_000)
    decoder = FrameDecoder()
    with socket.create_connection(("127.0.0.1", t.state.services["exchange"].ports["orders"]),
                                  timeout=5) as sock:  # fmt: skip
        sock.sendall(encode(Logon(account)))
        child = NewChild(
            1, 1, symbol["symbol"], Side.BUY, TimeInForce.DAY, 100, limit, account, 100
        )
        sock.sendall(encode(child))
        while not any(isinstance(m, Execution) for m in decoder.feed(sock.recv(65536))):
            pass
        executed = time.monotonic()

    def seen() -> bool:
        rows = t.ctx.admin("monitor", "GET", "/positions")["positions"]
        return any(row["account"] == account for row in rows)

    eventually(seen, timeout=10.0)
    return time.monotonic() - executed


def test_latency_on_the_drop_copy_delays_what_the_monitor_sees(topo: Topology) -> None:
    baseline = fill_and_time_until_the_monitor_sees_it(topo, "probe-1")
    fault = build("latency", {"link": "exchange->monitor:dropcopy", "latency_ms": 500})
    handle = fault.inject(topo.ctx)
    try:
        delayed = fill_and_time_until_the_monitor_sees_it(topo, "probe-2")
    finally:
        fault.revert(topo.ctx, handle)
    assert delayed - baseline >= 0.4, (baseline, delayed)
    assert delayed < 5.0, delayed
    assert topo.ctx.network.toxics("exchange->monitor:dropcopy") == []  # type: ignore[attr-defined]


@dataclass
class Probe:
    """One HTTP request to the gate's admin endpoint through the monitor's link."""

    data: bytes
    took: float
    error: str

    @property
    def ok(self) -> bool:
        return not self.error and self.data.startswith(b"HTTP/1.1 200") and b'"ok"' in self.data


def probe(t: Topology, timeout: float = 2.0) -> Probe:
    address = t.state.link_address("monitor->gate:admin")
    started = time.monotonic()
    data, error = b"", ""
    try:
        with socket.create_connection(address, timeout=timeout) as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: gate\r\nConnection: close\r\n\r\n")
            while chunk := sock.recv(65536):
                data += chunk
    except ConnectionRefusedError:
        error = "refused"
    except ConnectionResetError:
        error = "reset"
    except TimeoutError:
        error = "timeout"
    return Probe(data, time.monotonic() - started, error)


LINK = {"link": "monitor->gate:admin"}
CASES: list[tuple[str, dict[str, Any], Callable[[Probe], bool]]] = [
    ("latency", {**LINK, "latency_ms": 400}, lambda p: p.ok and p.took >= 0.35),
    ("bandwidth", {**LINK, "rate_kbps": 1}, lambda p: p.ok and p.took >= 0.8 * len(p.data) / 1000),
    ("down", LINK, lambda p: p.error == "refused"),
    ("timeout", {**LINK, "timeout_ms": 0, "stream": "upstream"},
     lambda p: p.error == "timeout" and not p.data),
    ("reset_peer", {**LINK, "timeout_ms": 0}, lambda p: p.error == "reset" and not p.data),
    ("slicer", {**LINK, "average_size": 8, "delay_us": 10_000}, lambda p: p.ok and p.took >= 0.1),
    ("limit_data", {**LINK, "bytes": 20}, lambda p: not p.error and len(p.data) == 20),
    ("partition", {"links": [LINK["link"], "exchange->monitor:dropcopy"]},
     lambda p: p.error == "refused"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "params", "effect"), CASES, ids=[c[0] for c in CASES])
def test_every_network_fault_acts_on_a_live_link_and_reverts(
    topo: Topology, name: str, params: dict[str, Any], effect: Callable[[Probe], bool]
) -> None:
    assert probe(topo).ok
    fault = build(name, params)
    handle = fault.inject(topo.ctx)
    try:
        during = probe(topo, timeout=1.0)
    finally:
        fault.revert(topo.ctx, handle)
    assert effect(during), during
    fault.revert(topo.ctx, handle)  # a second revert changes nothing and raises nothing
    after = probe(topo)
    assert after.ok, after
    network: Any = topo.ctx.network
    for link in params.get("links", [params.get("link")]):
        assert network.toxics(link) == []
        assert network.address(link) == topo.state.link_address(link)


def test_a_partition_isolates_one_router_and_heals(topo: Topology) -> None:
    def router_on_gate(name: str) -> bool:
        return bool(topo.ctx.admin(name, "GET", "/stats")["gate"]["connected"])

    def flow_on_router(index: int) -> bool:
        return bool(topo.ctx.admin("flow", "GET", "/stats")["routers"][index]["connected"])

    eventually(lambda: router_on_gate("router-3") and flow_on_router(2))
    fault = build("partition", {"links": ["router-3->gate", "flow->router-3"]})
    handle = fault.inject(topo.ctx)
    try:
        eventually(lambda: not router_on_gate("router-3") and not flow_on_router(2))
        for link in ("router-3->gate", "flow->router-3"):
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection(topo.state.link_address(link), timeout=1).close()
        assert router_on_gate("router-2") and flow_on_router(1)
    finally:
        fault.revert(topo.ctx, handle)
    eventually(lambda: router_on_gate("router-3") and flow_on_router(2))
