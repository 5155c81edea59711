"""Service processes: start one, learn its ports, stop it without leaving anything.

A service is started as ``python -m services.<module> ...`` in its own process
group (so a stop reaches any child it made), with stdout piped until it prints
its ready line (``services/net/runtime.py``) and stderr to a log file. Stopping
sends SIGTERM, waits, then SIGKILLs the group.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any


class ServiceStartError(Exception):
    """A service process exited or stayed silent instead of announcing readiness."""


@dataclass
class ServiceProcess:
    """A running service process and what it announced."""

    name: str
    popen: subprocess.Popen[bytes]
    ports: dict[str, int]
    log_path: Path | None
    ready: dict[str, Any] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM the process group, then SIGKILL; reap the process."""
        stop_process_group(self.popen, timeout)


def stop_process_group(popen: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    if popen.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(popen.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            popen.wait(timeout)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(popen.pid, signal.SIGKILL)
    if popen.poll() is None:
        popen.wait(timeout)
    if popen.stdout is not None:
        popen.stdout.close()


def _read_ready_line(stream: IO[bytes], popen: subprocess.Popen[bytes], deadline: float) -> str:
    sel = selectors.DefaultSelector()
    sel.register(stream, selectors.EVENT_READ)
    buf = b""
    try:
        while b"\n" not in buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            if not sel.select(min(remaining, 0.2)):
                if popen.poll() is not None:
                    break
                continue
            chunk = os.read(stream.fileno(), 4096)
            if not chunk:
                break
            buf += chunk
    finally:
        sel.close()
    return buf.split(b"\n", 1)[0].decode(errors="replace")


def spawn_service(
    module: str, args: list[str], log_path: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start ``python -m services.<module> args`` in its own process group."""
    log: IO[bytes] | int = subprocess.DEVNULL
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log = log_path.open("ab")
    try:
        return subprocess.Popen(
            [sys.executable, "-m", f"services.{module}", *args],
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )
    finally:
        if not isinstance(log, int):
            log.close()


def await_ready(
    name: str, popen: subprocess.Popen[bytes], log_path: Path | None = None, timeout: float = 15.0
) -> ServiceProcess:
    """Wait for the ready line; on failure the process is stopped and the error names it."""
    assert popen.stdout is not None
    try:
        line = _read_ready_line(popen.stdout, popen, time.monotonic() + timeout)
    except TimeoutError:
        stop_process_group(popen)
        raise ServiceStartError(
            f"{name}: not ready after {timeout:.0f} s (log: {log_path or 'not kept'})"
        ) from None
    try:
        ready = json.loads(line)
        ports = {str(k): int(v) for k, v in ready["ports"].items()}
    except (ValueError, KeyError, TypeError, AttributeError):
        code = popen.poll()
        stop_process_group(popen)
        hint = f"exit code {code}" if code is not None else f"printed {line[:120]!r}"
        raise ServiceStartError(
            f"{name}: did not announce readiness ({hint}; log: {log_path or 'not kept'})"
        ) from None
    # The pipe is not read again; close it so a chatty service cannot block on it.
    popen.stdout.close()
    return ServiceProcess(name, popen, ports, log_path, ready)


def start_service(
    name: str,
    module: str,
    args: list[str],
    log_path: Path | None = None,
    timeout: float = 15.0,
    env: dict[str, str] | None = None,
) -> ServiceProcess:
    """Start ``python -m services.<module> args`` and wait for its ready line."""
    return await_ready(name, spawn_service(module, args, log_path, env), log_path, timeout)
