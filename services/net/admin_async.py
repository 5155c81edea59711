"""Non-blocking calls to another service's admin endpoint, for use inside a service.

A service must never stall its event loop on a peer: calls time out, and
``post_soon`` fires and forgets (failures are counted, not raised), which is
right for alerts and kill-switch requests that are also recorded locally.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any


class AsyncAdminError(Exception):
    """The peer did not answer 200 with a JSON object in time."""


async def request(
    host: str,
    port: int,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    timeout: float = 5.0,
) -> dict[str, Any]:
    async def _do() -> dict[str, Any]:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            payload = json.dumps(body or {}).encode()
            writer.write(
                f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
                + payload
            )
            await writer.drain()
            raw = await reader.read()
        finally:
            writer.close()
        head, _, data = raw.partition(b"\r\n\r\n")
        status_line = head.split(b"\r\n", 1)[0].split()
        status = int(status_line[1]) if len(status_line) > 1 and status_line[1].isdigit() else 0
        parsed = json.loads(data) if data else {}
        if status != 200 or not isinstance(parsed, dict):
            raise AsyncAdminError(f"{method} {path}: HTTP {status}: {parsed}")
        return parsed

    try:
        return await asyncio.wait_for(_do(), timeout)
    except (OSError, TimeoutError, ValueError) as exc:
        raise AsyncAdminError(f"{method} http://{host}:{port}{path}: {exc}") from None


class AdminPoster:
    """Fire-and-forget POSTs to one peer, with counters of what got through."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.sent = 0
        self.failed = 0
        self.last_error = ""
        self._tasks: set[asyncio.Task[None]] = set()

    def post_soon(self, path: str, body: dict[str, Any]) -> None:
        task = asyncio.get_running_loop().create_task(self._post(path, body))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post(self, path: str, body: dict[str, Any]) -> None:
        try:
            await request(self.host, self.port, "POST", path, body)
            self.sent += 1
        except AsyncAdminError as exc:
            self.failed += 1
            self.last_error = str(exc)

    async def drain(self) -> None:
        """Wait for the posts in flight (on shutdown)."""
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
