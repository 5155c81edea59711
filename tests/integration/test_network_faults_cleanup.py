"""Nothing leaks: no process, proxy server, proxy or toxic outlives ``down``, even after
the harness itself was killed with SIGKILL in the middle of a run."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from faults.registry import build
from harness.backends.local import LocalBackend
from harness.backends.local_pids import cmdline, pid_alive
from harness.netproxy import ToxiproxyClient, find_server_binaries
from harness.topology import TopologySettings

pytestmark = pytest.mark.slow

# A harness process: brings a small topology up, injects faults, then waits to be killed.
HARNESS = """
import json, sys, time
from faults.registry import build
from harness.backends.local import LocalBackend
from harness.topology import TopologySettings
backend = LocalBackend()
state = backend.up(TopologySettings(routers=1, flow=False, netproxy=sys.argv[1]))
ctx = backend.fault_context(state)
build("latency", {"link": "gate->exchange", "latency_ms": 100}).inject(ctx)
build("down", {"link": "router-1:ssh"}).inject(ctx)
print(json.dumps({**state.summary(), "epoch": state.epoch}), flush=True)
time.sleep(600)
"""


def listening_ports() -> set[int]:
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def processes_of(epoch: float) -> list[int]:
    """Every live process whose command line carries this run's clock epoch."""
    pids = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()]
    return [pid for pid in pids if repr(epoch) in cmdline(pid) and pid_alive(pid)]


def gameday(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli.main", *args],
        capture_output=True, text=True, timeout=60, check=True,
        env={**os.environ, "GAMEDAY_HOME": str(home)},
    )  # fmt: skip


def spawn_harness(home: Path, netproxy: str = "embedded") -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", HARNESS, netproxy],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "GAMEDAY_HOME": str(home)},
    )  # fmt: skip


def stop(harness: subprocess.Popen[str]) -> None:
    """SIGKILL, as a crash would: nothing of the harness's own cleanup runs."""
    harness.kill()
    harness.wait()
    if harness.stdout is not None:
        harness.stdout.close()


def read_line(proc: subprocess.Popen[str], timeout: float = 30.0) -> str:
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        assert sel.select(timeout), "the harness printed nothing"
    return proc.stdout.readline()


def assert_nothing_left(summary: dict[str, Any], epoch: float) -> None:
    server = summary["netproxy"]
    assert not pid_alive(server["pid"]), "proxy server still running"
    assert not processes_of(epoch), "service processes still running"
    ports = {server["port"]}
    ports |= {int(link["listen"].rsplit(":", 1)[1]) for link in summary["links"].values()}
    ports |= {p for svc in summary["services"].values() for p in svc["ports"].values()}
    assert not ports & listening_ports(), "ports still listening"


def test_down_all_after_a_sigkilled_harness_leaves_nothing(tmp_path: Path) -> None:
    harness = spawn_harness(tmp_path)
    try:
        summary = json.loads(read_line(harness))
        server = summary["netproxy"]
        proxies = ToxiproxyClient(server["host"], server["port"]).proxies()
        assert sum(len(p.toxics) for p in proxies.values()) == 1
        assert sum(not p.enabled for p in proxies.values()) == 1
        assert summary["links"]["router-1:ssh"]["proxied"] is True
    finally:
        stop(harness)
    assert pid_alive(server["pid"]) and processes_of(summary["epoch"])  # orphans, for now

    gameday(tmp_path, "down", "--all")
    assert_nothing_left(summary, summary["epoch"])
    assert json.loads(gameday(tmp_path, "status", "--json").stdout) == []


def test_down_all_after_an_up_killed_half_way_leaves_nothing(tmp_path: Path) -> None:
    harness = spawn_harness(tmp_path)
    runs = tmp_path / "runs"
    deadline = time.monotonic() + 30
    state: dict[str, Any] = {}
    try:
        # Killed once the proxy server and the first tier exist, before the rest does.
        while not (state.get("netproxy") and "exchange" in state.get("services", {})):
            assert time.monotonic() < deadline, "the run never started"
            time.sleep(0.01)
            files = list(runs.glob("*/state.json")) if runs.is_dir() else []
            if files:
                try:
                    state = json.loads(files[0].read_text())
                except ValueError:
                    continue
    finally:
        stop(harness)
    gameday(tmp_path, "down", "--all")
    assert not pid_alive(state["netproxy"]["pid"])
    assert not processes_of(state["epoch"])
    assert state["netproxy"]["port"] not in listening_ports()


@pytest.mark.parametrize("netproxy", ["embedded", "external"])
def test_down_stops_the_proxy_server_with_faults_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, netproxy: str
) -> None:
    if netproxy == "external" and not find_server_binaries():
        pytest.skip("no toxiproxy-server or noxious-server installed (.ci/netproxy.sh)")
    monkeypatch.setenv("GAMEDAY_HOME", str(tmp_path))
    backend = LocalBackend()
    state = backend.up(TopologySettings(routers=1, flow=False, netproxy=netproxy))  # type: ignore[arg-type]
    try:
        assert state.netproxy is not None
        assert (state.netproxy.kind == "embedded") == (netproxy == "embedded")
        ctx = backend.fault_context(state)
        build("down", {"link": "router-1->gate"}).inject(ctx)
        build("latency", {"link": "exchange->monitor:dropcopy"}).inject(ctx)
        summary = state.summary()
    finally:
        backend.down(state)
    assert_nothing_left(summary, state.epoch)
    assert not Path(state.run_dir).exists()
