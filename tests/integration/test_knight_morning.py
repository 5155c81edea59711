"""The Knight morning on the whole local topology: real processes, TCP and SSH.

The drill clock starts a minute before the 09:30 open at 5 drill seconds per
wall second, with a quarter of Knight's order flow, so the RLP parents planned
since 08:01 arrive at once, "before the open", and the open comes 12 s later.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.backends.local import LocalBackend
from harness.runstate import RunState
from harness.topology import TopologySettings, router_names
from services.clock import MARKET_OPEN_US, ScaledClock, parse_hhmm
from services.deploy import DeployReport, HostSpec, deploy, rollback
from services.net.admin_client import call
from services.protocol import (
    Execution,
    Flags,
    FrameDecoder,
    Logon,
    NewParent,
    Side,
    TimeInForce,
    encode,
)
from services.router.registry import BuildRegistry
from services.sshkeys import load_keys

pytestmark = pytest.mark.slow
HOST = "127.0.0.1"


class Morning:
    """A running topology and the calls the tests make on it."""

    def __init__(self, backend: LocalBackend, state: RunState, settings: TopologySettings) -> None:
        self.backend = backend
        self.state = state
        self.settings = settings
        self.run = Path(state.run_dir)
        self.clock = ScaledClock(parse_hhmm(settings.drill_start), settings.speed, state.epoch)

    def admin(self, service: str, path: str, method: str = "GET", **body: Any) -> dict[str, Any]:
        port = self.state.services[service].ports["admin"]
        return call(HOST, port, method, path, body or None)

    def hosts(self, names: list[str], refused: str | None = None) -> list[HostSpec]:
        specs = []
        for name in names:
            port = self.state.services[name].ports["ssh"]
            if name == refused:
                port = closed_port()
            specs.append(HostSpec(name=name, host=HOST, port=port))
        return specs

    def deploy(self, version: str, mode: str, refused: str | None = None) -> DeployReport:
        hosts = self.hosts(router_names(self.settings), refused)
        registry = BuildRegistry(self.run / "registry")
        keys = load_keys(self.run / "keys")
        return asyncio.run(deploy(registry, version, hosts, keys, mode))  # type: ignore[arg-type]

    def rollback(self, names: list[str]) -> DeployReport:
        registry = BuildRegistry(self.run / "registry")
        keys = load_keys(self.run / "keys")
        return asyncio.run(rollback(registry, self.hosts(names), keys, "legacy"))

    def wait_for_drill(self, hhmmss_us: int) -> None:
        delay = (hhmmss_us - self.clock.now()) / 1e6 / self.settings.speed
        if delay > 0:
            time.sleep(delay)

    def stats(self, router: str) -> dict[str, Any]:
        return self.admin(router, "/stats")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
    return port


def eventually(check: Callable[[], bool], timeout: float = 20.0, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(every)


@pytest.fixture
def morning(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Morning]:
    monkeypatch.setenv("GAMEDAY_HOME", str(tmp_path))
    profile = getattr(request, "param", "knight-2012")
    settings = TopologySettings(
        routers=8, profile=profile, drill_start="09:29:00", speed=5.0, scale=0.25, flow=False
    )
    backend = LocalBackend()
    state = backend.up(settings)
    try:
        yield Morning(backend, state, settings)
    finally:
        backend.down(state)


def start_flow_after_legacy_deploy(m: Morning) -> DeployReport:
    report = m.deploy("2012.07", "legacy", refused="router-8")
    m.backend.start(m.state, ["flow"])
    return report


def parents_of(m: Morning, router: str) -> list[dict[str, Any]]:
    answer = m.admin(router, "/parents")
    parents: list[dict[str, Any]] = answer["parents"]
    return parents


def test_legacy_deploy_skips_router_8_and_only_router_8_runs_away(morning: Morning) -> None:
    m = morning
    report = start_flow_after_legacy_deploy(m)
    assert report.ok, report.message
    builds = {name: m.admin(name, "/build")["version"] for name in router_names(m.settings)}
    assert builds == {**{f"router-{i}": "2012.07" for i in range(1, 8)}, "router-8": "2003.1"}

    # Before the open: router 8's "Power Peg disabled" e-mails, nobody else's.
    eventually(lambda: len(m.admin("alerts", "/channels/email")["alerts"]) > 0)
    emails = m.admin("alerts", "/channels/email")["alerts"]
    assert {e["source"] for e in emails} == {"router-8"}
    assert all(e["ts"] < MARKET_OPEN_US for e in emails)
    assert all("Power Peg disabled" in e["text"] for e in emails)

    m.wait_for_drill(MARKET_OPEN_US + 10_000_000)
    # The seven good routers fill every RLP parent exactly once.
    for name in router_names(m.settings)[:7]:
        eventually(lambda n=name: all(p["filled"] == p["qty"] for p in parents_of(m, n)))
        assert all(p["filled"] == p["qty"] for p in parents_of(m, name))
    # Router 8 runs Power Peg: far past each parent's quantity, and still growing.
    first = m.stats("router-8")
    assert first["filled_qty"] > 5 * first["parent_qty"] > 0
    time.sleep(2)
    assert m.stats("router-8")["filled_qty"] > first["filled_qty"]
    # knight-2012: nothing automatic happened.
    assert m.admin("gate", "/stats")["kills"] == 0

    # Until the kill switch: after it, nothing more fills.
    m.admin("gate", "/kill", "POST", reason="runaway on router-8", by="test")
    time.sleep(1)
    stopped = m.stats("router-8")["filled_qty"]
    time.sleep(2)
    assert m.stats("router-8")["filled_qty"] == stopped


def test_verified_deploy_fails_naming_router_8(morning: Morning) -> None:
    report = morning.deploy("2012.07", "verified", refused="router-8")
    assert not report.ok
    assert "router-8" in report.message
    assert morning.admin("router-8", "/build")["version"] == "2003.1"


def test_rolling_back_the_seven_puts_all_eight_on_power_peg(morning: Morning) -> None:
    m = morning
    start_flow_after_legacy_deploy(m)
    report = m.rollback(router_names(m.settings)[:7])
    assert report.ok, report.message
    builds = {m.admin(name, "/build")["version"] for name in router_names(m.settings)}
    assert builds == {"2003.1"}
    m.wait_for_drill(MARKET_OPEN_US + 2_000_000)
    # A new retail (RLP-flagged) parent on a rolled-back router now runs Power Peg.
    filled = send_rlp_parent(m, "router-1", qty=100, seconds=4.0)
    assert filled > 5 * 100


def send_rlp_parent(m: Morning, router: str, qty: int, seconds: float) -> int:
    symbols = m.admin("exchange", "/symbols")["symbols"]
    wze = next(s for s in symbols if s["symbol"] == "WZE")
    port = m.state.services[router].ports["orders"]
    decoder = FrameDecoder()
    filled = 0
    with socket.create_connection((HOST, port), timeout=5) as sock:
        sock.sendall(encode(Logon("retail-test")))
        limit = round(wze["price"] * 1.05 * 10_000)
        order = NewParent(1, "WZE", Side.BUY, TimeInForce.DAY, qty, limit, "RLP", "RLP", Flags.RLP)
        sock.sendall(encode(order))
        deadline = time.monotonic() + seconds
        sock.settimeout(0.2)
        while time.monotonic() < deadline:
            try:
                data = sock.recv(65536)
            except TimeoutError:
                continue
            if not data:
                break
            filled += sum(msg.qty for msg in decoder.feed(data) if isinstance(msg, Execution))
    return filled


@pytest.mark.parametrize("morning", ["modern"], indirect=True)
def test_modern_controls_kill_the_runaway_within_seconds(morning: Morning) -> None:
    m = morning
    start_flow_after_legacy_deploy(m)
    m.wait_for_drill(MARKET_OPEN_US + 15_000_000)
    gate = m.admin("gate", "/stats")
    assert gate["kills"] >= 1
    thrown = gate["kill_switch"]["history"][0]
    assert thrown["action"] == "kill" and thrown["by"] != "test"
    assert MARKET_OPEN_US < thrown["ts"] <= MARKET_OPEN_US + 10_000_000
    stopped = m.stats("router-8")["filled_qty"]
    time.sleep(2)
    assert m.stats("router-8")["filled_qty"] == stopped
