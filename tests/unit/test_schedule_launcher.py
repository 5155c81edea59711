"""Stopping the scheduler stops its drill processes: SIGTERM first, so their ``finally`` runs."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

import pytest

from harness.schedule.launcher import DrillLauncher, LauncherStopped, run_command
from harness.schedule.models import ScheduleSpec

# A stand-in for ``gameday run``: SIGTERM becomes an exception, and ``finally``
# leaves a mark, as a drill's revert would.
CHILD = """
import pathlib, signal, sys, time
def stop(signum, frame):
    raise SystemExit(2)
signal.signal(signal.SIGTERM, stop if sys.argv[3] == "polite" else signal.SIG_IGN)
try:
    pathlib.Path(sys.argv[1]).write_text("up")
    time.sleep(60)
finally:
    pathlib.Path(sys.argv[2]).write_text("reverted")
"""


def start(
    launcher: DrillLauncher, tmp_path: Path, manner: str
) -> tuple[threading.Thread, list[int]]:
    codes: list[int] = []
    up, mark = tmp_path / "up", tmp_path / "reverted"
    argv = [sys.executable, "-c", CHILD, str(up), str(mark), manner]
    thread = threading.Thread(target=lambda: codes.append(launcher.run(argv, tmp_path / "log")))
    thread.start()
    deadline = time.monotonic() + 20
    while not up.exists():
        assert time.monotonic() < deadline, "the child never started"
        time.sleep(0.02)
    return thread, codes


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_stop_sends_sigterm_and_the_child_reverts(tmp_path: Path) -> None:
    launcher = DrillLauncher(stop_grace_s=20)
    thread, codes = start(launcher, tmp_path, "polite")
    [pid] = launcher.running()
    launcher.stop_all()
    thread.join(20)
    assert codes == [2]
    assert (tmp_path / "reverted").read_text() == "reverted"
    assert launcher.running() == [] and not alive(pid)
    with pytest.raises(LauncherStopped):
        launcher.run([sys.executable, "-c", "pass"], tmp_path / "log2")


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    launcher = DrillLauncher(stop_grace_s=0.5)
    thread, codes = start(launcher, tmp_path, "stubborn")
    [pid] = launcher.running()
    launcher.stop_all()
    thread.join(20)
    assert codes == [-9]
    assert not (tmp_path / "reverted").exists()
    assert not alive(pid)


def test_the_command_is_gameday_run_recorded_as_a_schedule(tmp_path: Path) -> None:
    spec = ScheduleSpec(
        id="flag-reuse-0001",
        drill="flag-reuse",
        drill_name="flag-reuse",
        team="blue",
        controls="modern",
        backend="sim",
        cron="0 16 * * FRI",
        created_at="2026-01-01T00:00:00+00:00",
    )
    argv = run_command(spec, tmp_path / "out")
    assert argv[1:] == [
        "-m",
        "harness.cli.main",
        "run",
        "flag-reuse",
        "--backend",
        "sim",
        "--responder",
        "by-the-book",
        "--team",
        "blue",
        "--controls",
        "modern",
        "--report-dir",
        str(tmp_path / "out"),
        "--source",
        "schedule",
    ]
