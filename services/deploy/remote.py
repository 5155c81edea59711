"""The deploy tool's side of router management: one SSH session per host.

Connections use the topology's client key and trust the topology's host key
and nothing else. No SSH config file, agent or ``~/.ssh/known_hosts`` is
consulted, so a drill behaves the same on every machine.
"""

from __future__ import annotations

import asyncio
import json

import asyncssh
from pydantic import BaseModel, ConfigDict, ValidationError

from services.deploy.report import HostSpec
from services.sshkeys import TopologyKeys


class RemoteError(Exception):
    """A management command failed or answered something unreadable."""


class RemoteStatus(BaseModel):
    """A router's answer to ``status``."""

    model_config = ConfigDict(extra="ignore")

    host: str
    version: str
    sha256: str
    features: list[str] = []
    flag_bit_3: str = ""


class Credentials:
    """The topology's client key and trusted host key, loaded once per deploy."""

    def __init__(self, keys: TopologyKeys) -> None:
        self.client_key = keys.load_client_key()
        self.known_hosts = keys.known_hosts()


async def open_session(
    spec: HostSpec, credentials: Credentials, timeout: float
) -> asyncssh.SSHClientConnection:
    """Connect and authenticate within ``timeout`` seconds."""
    return await asyncio.wait_for(
        asyncssh.connect(
            spec.host,
            spec.port,
            username="deploy",
            client_keys=[credentials.client_key],
            known_hosts=credentials.known_hosts,
            agent_path=None,
            config=None,
            preferred_auth="publickey",
            connect_timeout=timeout,
        ),
        timeout + 1,
    )


async def run_command(
    conn: asyncssh.SSHClientConnection,
    command: str,
    timeout: float,
    stdin: bytes | None = None,
) -> bytes:
    """Stdout of a command that exited 0; ``RemoteError`` with its stderr otherwise.

    Stdin is always closed after ``stdin`` (even when there is none), so a
    command that reads its input never waits for more.
    """

    async def run() -> asyncssh.SSHCompletedProcess:
        process = await conn.create_process(command, encoding=None)
        try:
            if stdin:
                process.stdin.write(stdin)
            process.stdin.write_eof()
            return await process.wait(check=False)
        finally:
            process.close()

    result = await asyncio.wait_for(run(), timeout)
    return command_output(command, result.exit_status, result.stdout, result.stderr)


def command_output(command: str, exit_status: int | None, stdout: object, stderr: object) -> bytes:
    """Stdout of a command that exited 0; ``RemoteError`` naming the command otherwise."""
    if exit_status != 0:
        text = (
            stderr.decode(errors="replace").strip()
            if isinstance(stderr, bytes)
            else str(stderr or "")
        )
        raise RemoteError(f"{command.split()[0]} exited {exit_status}: {text}")
    return stdout if isinstance(stdout, bytes) else str(stdout or "").encode()


def parse_status(raw: bytes) -> RemoteStatus:
    try:
        return RemoteStatus.model_validate(json.loads(raw))
    except (ValueError, ValidationError) as exc:
        raise RemoteError(f"unreadable status answer {raw[:80]!r}: {exc}") from None


async def query_status(conn: asyncssh.SSHClientConnection, timeout: float) -> RemoteStatus:
    return parse_status(await run_command(conn, "status", timeout))
