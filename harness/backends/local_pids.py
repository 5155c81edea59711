"""Processes of a local run, by pid: whether they live, whether they are ours, signalling them.

A run outlives the process that brought it up, so ``down`` and the fault
context often hold only a pid read from the run state. Pids are reused after
a crash, so every signal is preceded by a check that the pid still runs a
command of this run (``owned``).
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path


def cmdline(pid: int) -> list[str]:
    """The process's argv, or an empty list if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def state_letter(pid: int) -> str:
    """The kernel's one-letter state (``R``, ``S``, ``T`` stopped, ``Z`` zombie), or ``""``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[0] if ")" in stat else ""


def pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return state_letter(pid) not in ("", "Z")


def signal_group(pid: int, sig: signal.Signals) -> bool:
    """Send ``sig`` to the process group led by ``pid``; False if it is gone."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def terminate_group(
    pid: int,
    owned: Callable[[], bool],
    timeout: float = 5.0,
    reap: Callable[[], object] | None = None,
) -> None:
    """SIGTERM the group (and SIGCONT it, as a stopped process ignores SIGTERM until
    continued), wait up to ``timeout``, then SIGKILL. Nothing is sent to a pid that
    ``owned`` no longer recognises."""
    if not (pid_alive(pid) and owned()):
        return
    signal_group(pid, signal.SIGTERM)
    signal_group(pid, signal.SIGCONT)
    deadline = time.monotonic() + timeout
    while pid_alive(pid) and time.monotonic() < deadline:
        if reap is not None:
            reap()
        time.sleep(0.02)
    if pid_alive(pid) and owned():
        signal_group(pid, signal.SIGKILL)
    if reap is not None:
        reap()
