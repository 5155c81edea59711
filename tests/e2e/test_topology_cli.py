"""``gameday up/status/down`` in a subprocess against real processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.net.admin_client import call


def gameday(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli.main", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "GAMEDAY_HOME": str(home)},
        check=check,
        timeout=90,
    )


def pid_alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def listening_ports() -> set[int]:
    """Local ports in LISTEN state (0A) on IPv4 and IPv6."""
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "0A":
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    # Whatever a failing test left up is stopped here.
    gameday(tmp_path, "down", "--all", check=False)


def test_up_status_down_leaves_nothing_behind(home: Path) -> None:
    done = gameday(home, "up", "--routers", "3", "--profile", "modern", "--json")
    topo = json.loads(done.stdout)
    services = topo["services"]
    assert {"exchange", "gate", "monitor", "alerts", "flow"} <= set(services)
    assert {f"router-{i}" for i in (1, 2, 3)} <= set(services)
    for name, svc in services.items():
        assert svc["host"] == "127.0.0.1" and svc["pid"] > 0, name
        assert call("127.0.0.1", svc["ports"]["admin"], "GET", "/health")["ok"] is True

    status = json.loads(gameday(home, "status", "--json").stdout)
    assert [r["run_id"] for r in status] == [topo["run_id"]]
    assert all(s["alive"] for s in status[0]["services"].values())

    gameday(home, "down", topo["run_id"])
    assert not any(pid_alive(s["pid"]) for s in services.values())
    ports = {p for s in services.values() for p in s["ports"].values()}
    assert not ports & listening_ports()
    assert json.loads(gameday(home, "status", "--json").stdout) == []


def test_down_of_an_unknown_run_is_a_usage_error(home: Path) -> None:
    done = gameday(home, "down", "gd-nothing", check=False)
    assert done.returncode == 4
    assert "gd-nothing" in done.stderr and "Traceback" not in done.stderr


def test_bad_option_is_one_line_and_exit_4(home: Path) -> None:
    done = gameday(home, "up", "--routers", "0", check=False)
    assert done.returncode == 4
    assert done.stderr.count("\n") == 1 and "--routers" in done.stderr
