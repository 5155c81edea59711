"""Finding and starting a Toxiproxy-compatible server, and stopping it without leftovers.

Three kinds of server answer the same API: ``toxiproxy-server`` (Go), ``noxious-server``
(Rust) and this project's embedded one (``python -m services.toxiproxy``), which also runs
in a thread of the calling process. External servers are looked for on PATH, then where
``go install`` and ``cargo install`` put binaries.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib.util
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

from .client import ToxiproxyClient
from .errors import LaunchError, NetProxyError, ServerNotInstalled

__all__ = [
    "ServerBinary",
    "ServerHandle",
    "ServerKind",
    "ServerMode",
    "ServerProcess",
    "ThreadServer",
    "choose_binary",
    "embedded_command",
    "find_server_binaries",
    "free_port",
    "launch_binary",
    "launch_server",
    "server_env",
]

ServerMode = Literal["embedded", "external", "auto"]
ServerKind = Literal["embedded", "toxiproxy", "noxious"]

_BINARIES: tuple[tuple[ServerKind, str, Path], ...] = (
    ("toxiproxy", "toxiproxy-server", Path.home() / "go" / "bin"),
    ("noxious", "noxious-server", Path.home() / ".cargo" / "bin"),
)
_running: weakref.WeakSet[ServerProcess] = weakref.WeakSet()


class ServerHandle(Protocol):
    """A started server: where it answers, and how to stop it."""

    kind: ServerKind
    host: str
    port: int

    @property
    def url(self) -> str: ...

    def stop(self) -> None: ...


@dataclass(frozen=True, slots=True)
class ServerBinary:
    """An installed external server and how to pass it an address."""

    kind: ServerKind
    path: Path

    def command(self, host: str, port: int, seed: int | None) -> list[str]:
        if self.kind == "toxiproxy":
            args = [str(self.path), "-host", host, "-port", str(port)]
            return args + (["-seed", str(seed)] if seed is not None else [])
        args = [str(self.path), "--host", host, "--port", str(port)]
        return args + (["--seed", str(seed)] if seed is not None else [])


def find_server_binaries() -> list[ServerBinary]:
    """Installed external servers, Go's Toxiproxy first."""
    found: list[ServerBinary] = []
    for kind, name, fallback_dir in _BINARIES:
        path = shutil.which(name) or shutil.which(name, path=str(fallback_dir))
        if path:
            found.append(ServerBinary(kind, Path(path)))
    return found


def _ephemeral_floor() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


_PICK = random.Random()


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago, for a listener that binds it a little later.

    Picked below the kernel's ephemeral range: a port the kernel hands out (port 0, or
    the local end of any outgoing connection, of any process) can be taken between our
    check and the bind, which several drills or test workers on one machine do hit.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    floor = _ephemeral_floor()
    low = max(1024, floor - 12_000)
    for _ in range(50):
        port = _PICK.randrange(low, floor) if floor > low else 0
        with socket.socket(family) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return int(sock.getsockname()[1])
    with socket.socket(family) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _wait_until_up(client: ToxiproxyClient, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LaunchError(f"exited with code {proc.returncode} before answering")
        with contextlib.suppress(NetProxyError):
            client.version()
            return
        time.sleep(0.05)
    raise LaunchError(f"no answer on {client.base_url}/version within {timeout:g} s")


class ServerProcess:
    """A server in a child process (own session), stopped with SIGTERM, then SIGKILL."""

    def __init__(self, kind: ServerKind, command: list[str], host: str, port: int) -> None:
        self.kind: ServerKind = kind
        self.host = host
        self.port = port
        self.command = command
        # Closed in stop(): the child writes to it for as long as it runs.
        self._log = tempfile.NamedTemporaryFile(prefix=f"{kind}-", suffix=".log")  # noqa: SIM115
        self.popen = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=server_env(kind),
        )
        _running.add(self)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log_tail(self, limit: int = 2000) -> str:
        with contextlib.suppress(OSError), open(self._log.name, "rb") as log:
            return log.read()[-limit:].decode(errors="replace").strip()
        return ""

    def stop(self, timeout: float = 5.0) -> None:
        proc = self.popen
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if proc.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout)
        if proc.poll() is None:
            raise LaunchError(f"{self.kind} server (pid {proc.pid}) did not stop")
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # anything the server left in its group
        _running.discard(self)
        self._log.close()


def server_env(kind: ServerKind) -> dict[str, str]:
    """The environment of a server process: the embedded one must find ``services``."""
    env = dict(os.environ)
    if kind == "embedded":
        paths = [_project_root(), env.get("PYTHONPATH", "")]
        env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    return env


def embedded_command(host: str, port: int, seed: int | None = None) -> list[str]:
    """The command line of the embedded server as a child process."""
    command = [sys.executable, "-m", "services.toxiproxy", "--host", host, "--port", str(port)]
    return command + (["--seed", str(seed)] if seed is not None else [])


def choose_binary(mode: ServerMode) -> ServerBinary | None:
    """The external server ``mode`` asks for, or None for the embedded one."""
    if mode not in ("embedded", "external", "auto"):
        raise LaunchError(f"unknown server mode {mode!r}: expected embedded, external or auto")
    binaries = find_server_binaries() if mode != "embedded" else []
    if binaries:
        return binaries[0]
    if mode == "external":
        raise ServerNotInstalled(
            "no toxiproxy-server or noxious-server on PATH, ~/go/bin or ~/.cargo/bin"
            " (hint: bash .ci/netproxy.sh builds noxious-server, or use mode 'embedded')"
        )
    return None


def _project_root() -> str:
    spec = importlib.util.find_spec("services")
    if spec is None or not spec.submodule_search_locations:
        return ""
    return str(Path(next(iter(spec.submodule_search_locations))).parent)


@atexit.register
def _stop_leftovers() -> None:
    for server in list(_running):
        with contextlib.suppress(Exception):
            server.stop(timeout=2.0)


class ThreadServer:
    """The embedded server on an event loop in a thread of this process."""

    kind: ServerKind = "embedded"

    def __init__(self, host: str = "127.0.0.1", seed: int | None = None) -> None:
        from services.toxiproxy import EmbeddedServer

        self.host = host
        self.port = 0
        self._server = EmbeddedServer(host, 0, seed=seed)
        self._lock = threading.Lock()

    def start(self, timeout: float = 10.0) -> ThreadServer:
        try:
            self._server.start(timeout)
        except Exception as exc:
            raise LaunchError(f"embedded server (in-thread): {exc}") from exc
        self.port = self._server.port
        return self

    @property
    def url(self) -> str:
        return self._server.url

    def stop(self) -> None:
        with self._lock:
            self._server.stop()


def _launch_process(
    kind: ServerKind, build: Callable[[int], list[str]], host: str, timeout: float
) -> ServerProcess:
    error: LaunchError | None = None
    for _attempt in range(3):  # the free port may be taken between probing and binding it
        port = free_port(host)
        server = ServerProcess(kind, build(port), host, port)
        try:
            _wait_until_up(ToxiproxyClient(host, port, timeout=1.0), server.popen, timeout)
            return server
        except LaunchError as exc:
            tail = server.log_tail()
            server.stop()
            error = LaunchError(f"{kind} server `{' '.join(server.command)}`: {exc}\n{tail}")
    assert error is not None
    raise error


def launch_binary(
    binary: ServerBinary, *, seed: int | None = None, host: str = "127.0.0.1", timeout: float = 10.0
) -> ServerProcess:
    """Start one particular external server on a free port of ``host``."""
    return _launch_process(
        binary.kind, lambda port: binary.command(host, port, seed), host, timeout
    )


def launch_server(
    mode: ServerMode = "auto",
    *,
    seed: int | None = None,
    in_thread: bool = False,
    host: str = "127.0.0.1",
    timeout: float = 10.0,
) -> ServerHandle:
    """Start a server on a free port of ``host`` and return once its API answers.

    ``external`` needs ``toxiproxy-server`` or ``noxious-server``; ``auto`` prefers them and
    falls back to the embedded server, which runs as ``python -m services.toxiproxy`` or,
    with ``in_thread``, in this process.
    """
    binary = choose_binary(mode)
    if binary is not None:
        return launch_binary(binary, seed=seed, host=host, timeout=timeout)
    if in_thread:
        return ThreadServer(host, seed).start(timeout)
    return _launch_process(
        "embedded", lambda port: embedded_command(host, port, seed), host, timeout
    )
