"""The proxy server of a local run: spawned early, owned by the run, stopped by pid.

The server belongs to the run rather than to the Python process that spawned
it: ``gameday up`` exits and leaves it running, and ``gameday down`` (from any
process, also after a crashed ``up``) stops it by the pid and port recorded in
the run state. Spawning does not wait for the API to answer, so the server
starts while tier 0's services do, and ``up`` pays nothing for it.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from harness.backends.local_pids import cmdline, pid_alive, terminate_group
from harness.netproxy import (
    LaunchError,
    ServerBinary,
    ServerKind,
    ServerMode,
    ToxiproxyClient,
    choose_binary,
    embedded_command,
    find_server_binaries,
    free_port,
    server_env,
)
from harness.runstate import ProxyServerRecord

HOST = "127.0.0.1"
_ATTEMPTS = 3
# What "auto" may pick besides the embedded server. noxious-server 1.0.4 is left to an
# explicit "external": its toxics miss connections already open (a feed's, a session's) and
# it drops the data a toxic holds when the server side closes (an admin answer), so most
# faults of a drill would silently not happen (docs/toxiproxy.md, N22 and N23).
AUTO_KINDS: tuple[ServerKind, ...] = ("toxiproxy",)


def choose_server(mode: ServerMode) -> ServerBinary | None:
    """The external server a run uses, or None for the embedded one."""
    if mode == "auto":
        return next((b for b in find_server_binaries() if b.kind in AUTO_KINDS), None)
    return choose_binary(mode)


class ProxyServer:
    """A Toxiproxy-compatible server in a child process with its own session."""

    def __init__(
        self, mode: ServerMode, log_path: Path, *, seed: int | None = None, host: str = HOST
    ) -> None:
        self.binary: ServerBinary | None = choose_server(mode)
        self.kind: ServerKind = self.binary.kind if self.binary else "embedded"
        self.host = host
        self.seed = seed
        self.log_path = log_path
        self.port = 0
        self.popen: subprocess.Popen[bytes] | None = None
        self._ready = False
        self._spawn()

    def _spawn(self) -> None:
        # The port is probed, then bound by the child: a rare race another process can win,
        # which wait_ready() notices (the child exits) and answers with a fresh port.
        self.port = free_port(self.host)
        if self.binary is not None:
            command = self.binary.command(self.host, self.port, self.seed)
        else:
            command = embedded_command(self.host, self.port, self.seed)
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.popen = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=server_env(self.kind),
            )

    @property
    def pid(self) -> int:
        assert self.popen is not None
        return self.popen.pid

    def record(self) -> ProxyServerRecord:
        return ProxyServerRecord(
            kind=self.kind, host=self.host, port=self.port, pid=self.pid, log=str(self.log_path)
        )

    def client(self) -> ToxiproxyClient:
        return ToxiproxyClient(self.host, self.port)

    def wait_ready(self, timeout: float = 10.0) -> None:
        """Return once the API answers; respawn on a fresh port if the child died early."""
        if self._ready:
            return
        problem = ""
        for _attempt in range(_ATTEMPTS):
            problem = self._await_api(timeout)
            if not problem:
                self._ready = True
                return
            self.stop()
            self._spawn()
        self.stop()
        raise LaunchError(f"{self.kind} proxy server: {problem} (log: {self.log_path})")

    def _await_api(self, timeout: float) -> str:
        assert self.popen is not None
        probe = ToxiproxyClient(self.host, self.port, timeout=1.0)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                return f"exited with code {self.popen.returncode} before answering"
            if probe.is_running():
                return ""
            time.sleep(0.02)
        return f"no answer on {probe.base_url} within {timeout:g} s"

    def stop(self) -> None:
        if self.popen is not None:
            stop_server(self.record(), self.popen)


def _owned(record: ProxyServerRecord) -> bool:
    """Still our server: the pid runs a proxy server given this port on its command line."""
    argv = cmdline(record.pid)
    program = " ".join(argv[:3])
    return str(record.port) in argv and any(
        name in program for name in ("services.toxiproxy", "toxiproxy-server", "noxious-server")
    )


def server_alive(record: ProxyServerRecord) -> bool:
    return pid_alive(record.pid) and _owned(record)


def stop_server(
    record: ProxyServerRecord,
    popen: subprocess.Popen[bytes] | None = None,
    timeout: float = 3.0,
) -> None:
    """Stop the run's server (SIGTERM, then SIGKILL) whichever process started it.

    With ``popen`` (this process spawned it) the pid is known to be ours and is reaped.
    """
    if popen is None:
        terminate_group(record.pid, lambda: _owned(record), timeout)
        return
    terminate_group(popen.pid, lambda: popen.poll() is None, timeout, popen.poll)
    popen.wait(timeout)
