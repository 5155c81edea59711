"""Router management over SSH: upload a build, activate it, report the active one.

A real asyncssh server inside the router process, on the ``ssh`` port. It
presents the topology's host key and lets in only the keys in the topology's
``authorized_keys`` (no passwords, no keyboard-interactive, no forwarding,
no shell). Commands are SSH ``exec`` requests::

    status                  -> {"host", "version", "sha256", "features", "flag_bit_3", "installed"}
    builds                  -> {"host", "installed": [...]}
    upload VERSION < tar    -> installs the archive on stdin (checked against its manifest)
    activate VERSION        -> switches the active build, answers like ``status``
    help

Every answer is one JSON line on stdout with exit status 0; a failure is one
line on stderr and a non-zero status (1: the command failed, 2: unknown
command or bad arguments).
"""

from __future__ import annotations

import asyncio
import json
import logging
import shlex
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

import asyncssh

from services.router.artifacts import MAX_ARCHIVE, from_tar
from services.router.builds import Artifact, BuildBehaviour, BuildError, Manifest
from services.router.store import BuildStore
from services.sshkeys import TopologyKeys

_USAGE = "commands: status, builds, upload VERSION (tar on stdin), activate VERSION, help"
_READ_CHUNK = 1 << 16
_STDIN_IDLE_S = 30

logging.getLogger("asyncssh").setLevel(logging.WARNING)


@dataclass(frozen=True, slots=True)
class CommandResult:
    """Exit status and output of one management command."""

    status: int
    stdout: bytes = b""
    stderr: bytes = b""

    @classmethod
    def ok(cls, body: dict[str, object]) -> CommandResult:
        return cls(0, (json.dumps(body, sort_keys=True) + "\n").encode())

    @classmethod
    def fail(cls, status: int, text: str) -> CommandResult:
        return cls(status, b"", (text + "\n").encode())


class BuildControl(Protocol):
    """What the management commands need from the router process."""

    @property
    def host_name(self) -> str: ...

    @property
    def store(self) -> BuildStore: ...

    def active_build(self) -> Manifest: ...

    def activate_build(self, artifact: Artifact) -> None: ...


class ManagementCommands:
    """Parses and runs one command; knows nothing about SSH itself."""

    def __init__(self, control: BuildControl) -> None:
        self.control = control
        self.counts: dict[str, int] = {}

    def status(self) -> dict[str, object]:
        build = self.control.active_build()
        return {
            "host": self.control.host_name,
            "version": build.version,
            "sha256": build.sha256,
            "features": list(build.features),
            "flag_bit_3": BuildBehaviour.from_features(build.features).bit3.value,
            "installed": self.control.store.installed(),
        }

    async def execute(
        self, command: str | None, read_stdin: Callable[[], Awaitable[bytes]]
    ) -> CommandResult:
        if not command or not command.strip():
            return self._count("none", CommandResult.fail(2, f"no shell here; {_USAGE}"))
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            return self._count("invalid", CommandResult.fail(2, f"cannot parse command: {exc}"))
        name, args = argv[0], argv[1:]
        if name in ("status", "builds", "help") and args:
            return self._count(name, CommandResult.fail(2, f"{name} takes no arguments"))
        if name in ("upload", "activate") and len(args) != 1:
            return self._count(name, CommandResult.fail(2, f"usage: {name} VERSION"))
        try:
            if name == "status":
                result = CommandResult.ok(self.status())
            elif name == "builds":
                store = self.control.store
                result = CommandResult.ok(
                    {"host": self.control.host_name, "installed": store.installed()}
                )
            elif name == "help":
                result = CommandResult(0, (_USAGE + "\n").encode())
            elif name == "upload":
                result = await self._upload(args[0], read_stdin)
            elif name == "activate":
                artifact = self.control.store.load(args[0])
                self.control.activate_build(artifact)
                result = CommandResult.ok(self.status())
            else:
                shown = name if len(name) <= 40 else name[:40] + "..."
                return self._count(
                    "unknown", CommandResult.fail(2, f"unknown command {shown!r}; {_USAGE}")
                )
        except (BuildError, OSError) as exc:
            result = CommandResult.fail(1, f"{name}: {exc}")
        return self._count(name, result)

    async def _upload(
        self, version: str, read_stdin: Callable[[], Awaitable[bytes]]
    ) -> CommandResult:
        data = await read_stdin()
        if not data:
            return CommandResult.fail(1, "upload: no archive on stdin")
        artifact = from_tar(data)
        if artifact.version != version:
            return CommandResult.fail(
                1, f"upload: archive holds build {artifact.version}, not {version}"
            )
        manifest = self.control.store.install(artifact)
        body = {"host": self.control.host_name, "installed": manifest.version}
        return CommandResult.ok({**body, "sha256": manifest.sha256})

    def _count(self, name: str, result: CommandResult) -> CommandResult:
        key = f"{name}:{'ok' if result.status == 0 else 'failed'}"
        self.counts[key] = self.counts.get(key, 0) + 1
        return result


async def _read_all(process: asyncssh.SSHServerProcess[bytes]) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        try:
            chunk = await asyncio.wait_for(process.stdin.read(_READ_CHUNK), _STDIN_IDLE_S)
        except TimeoutError:
            raise BuildError(f"stdin idle for {_STDIN_IDLE_S} s (close it when done)") from None
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_ARCHIVE:
            raise BuildError(f"archive over the {MAX_ARCHIVE} byte limit")
        chunks.append(chunk)


async def start_ssh_server(
    host: str, port: int, keys: TopologyKeys, commands: ManagementCommands
) -> asyncssh.SSHAcceptor:
    """Listen for management connections; returns the acceptor (``get_port()``)."""

    async def handle(process: asyncssh.SSHServerProcess[bytes]) -> None:
        async def read_stdin() -> bytes:
            return await _read_all(process)

        try:
            result = await commands.execute(process.command, read_stdin)
        except BuildError as exc:
            result = CommandResult.fail(1, str(exc))
        except Exception as exc:  # a command must never take the router down
            result = CommandResult.fail(1, f"internal error: {type(exc).__name__}: {exc}")
        try:
            if result.stdout:
                process.stdout.write(result.stdout)
            if result.stderr:
                process.stderr.write(result.stderr)
            process.exit(result.status)
        except (OSError, asyncssh.Error):
            process.close()

    return await asyncssh.create_server(
        asyncssh.SSHServer,
        host,
        port,
        server_host_keys=[str(keys.host_key)],
        authorized_client_keys=str(keys.authorized_keys),
        process_factory=handle,
        encoding=None,
        allow_scp=False,
        agent_forwarding=False,
        x11_forwarding=False,
        login_timeout=10,
        reuse_address=True,
    )
