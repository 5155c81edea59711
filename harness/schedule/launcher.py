"""``DrillLauncher``: each scheduled drill in its own ``gameday run`` subprocess.

A drill that crashes takes only its own process down. Each child starts in a
new session, so a Ctrl-C at the scheduler's terminal reaches the scheduler
alone; stopping the scheduler then sends every running child one SIGTERM,
which ``gameday run`` turns into an interruption that reverts every fault and
tears its topology down in ``finally``. A child still running after
``stop_grace_s`` is killed with its whole process group.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Final

from harness.schedule.models import ScheduleSpec

STOP_GRACE_S: Final = 60.0


class LauncherStopped(Exception):
    """The scheduler is stopping: no new drill is started."""


def run_command(spec: ScheduleSpec, report_dir: Path) -> list[str]:
    """The ``gameday run`` command line of one scheduled game day."""
    argv = [sys.executable, "-m", "harness.cli.main", "run", spec.drill]
    argv += ["--backend", spec.backend, "--responder", spec.responder, "--team", spec.team]
    if spec.controls is not None:
        argv += ["--controls", spec.controls]
    return [*argv, "--report-dir", str(report_dir), "--source", "schedule"]


class DrillLauncher:
    """Starts drill processes, waits for them, and stops the ones still running."""

    def __init__(self, stop_grace_s: float = STOP_GRACE_S) -> None:
        self.stop_grace_s = stop_grace_s
        self._lock = threading.Lock()
        self._running: dict[int, subprocess.Popen[bytes]] = {}
        self._stopping = False

    def run(self, argv: list[str], log_path: Path) -> int:
        """Run ``argv`` to its end, its output in ``log_path``; returns its exit code."""
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("wb") as log, self._lock:
            if self._stopping:
                raise LauncherStopped
            child = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self._running[child.pid] = child
        try:
            return child.wait()
        finally:
            with self._lock:
                self._running.pop(child.pid, None)

    def running(self) -> list[int]:
        with self._lock:
            return sorted(self._running)

    def stop_all(self) -> None:
        """Start no more; SIGTERM every running child, wait, then kill what is left."""
        with self._lock:
            self._stopping = True
            children = list(self._running.values())
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=self.stop_grace_s)
            except subprocess.TimeoutExpired:
                _kill_group(child)


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        child.kill()
    child.wait()
