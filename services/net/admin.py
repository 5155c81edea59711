"""A tiny JSON-over-HTTP admin endpoint that every service exposes.

The harness uses it for health checks, counters, and control actions (throw
the kill switch, disable a router, read positions). Only what the harness
needs from HTTP/1.1 is implemented: one request per connection, a JSON body
in and out, ``Content-Length`` framing. Bad requests get a 400 with a JSON
error naming the problem; the service goes on.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

from services.clock import Clock

JSON = dict[str, Any]
Handler = Callable[[JSON], Awaitable[JSON] | JSON]
_MAX_BODY = 1 << 20
_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    500: "Internal Server Error",
}


class AdminError(Exception):
    """Raised by a handler to answer with a status other than 200."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class AdminServer:
    """Routes ``(METHOD, path)`` to handlers that take and return JSON objects."""

    def __init__(self, service: str, clock: Clock | None = None) -> None:
        self.service = service
        self.clock = clock
        self.routes: dict[tuple[str, str], Handler] = {}
        self.server: asyncio.Server | None = None
        self.route("GET", "/health", self._health)

    def _health(self, _: dict[str, Any]) -> dict[str, Any]:
        # Drill time as this process sees it: how a harness checks that a pause reached it.
        health: dict[str, Any] = {"service": self.service, "ok": True}
        if self.clock is not None:
            health["now_us"] = self.clock.now()
        return health

    def route(self, method: str, path: str, handler: Handler) -> None:
        self.routes[(method, path)] = handler

    async def start(self, host: str, port: int) -> int:
        self.server = await asyncio.start_server(self._serve, host, port, reuse_address=True)
        bound: int = self.server.sockets[0].getsockname()[1]
        return bound

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            status, body = await asyncio.wait_for(self._handle(reader), timeout=10)
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            writer.close()
            return
        payload = json.dumps(body).encode()
        head = (
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Error')}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\n"
            "Connection: close\r\n\r\n"
        )
        try:
            writer.write(head.encode() + payload)
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader) -> tuple[int, JSON]:
        request_line = (await reader.readline()).decode("latin-1").strip()
        parts = request_line.split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            return 400, {"error": f"malformed request line {request_line[:80]!r}"}
        method, target = parts[0], parts[1]
        length = 0
        while True:
            line = (await reader.readline()).decode("latin-1")
            if line in ("\r\n", "\n", ""):
                break
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                if not value.strip().isdigit() or int(value) > _MAX_BODY:
                    return 400, {"error": "Content-Length: expected a size under 1 MiB"}
                length = int(value)
        raw = await reader.readexactly(length) if length else b""
        found = self._find(method, target)
        if isinstance(found, tuple):
            return found
        try:
            body = json.loads(raw) if raw else {}
        except (ValueError, UnicodeDecodeError) as exc:
            return 400, {"error": f"body: expected JSON ({exc})"}
        status, result = self._call(found, target, body)
        if isinstance(result, dict):
            return status, result
        try:
            return 200, await result
        except AdminError as exc:
            return exc.status, {"error": exc.message}
        except (KeyError, ValueError, TypeError) as exc:
            return 400, {"error": f"bad request: {exc}"}

    def answer(self, method: str, target: str, body: object) -> tuple[int, JSON]:
        """Answer one request in process: ``body`` is the decoded JSON body (``{}`` if none).

        The in-process simulation calls this instead of HTTP, so its answers
        are made by the same routing, query merging and error mapping.
        """
        found = self._find(method, target)
        if isinstance(found, tuple):
            return found
        status, result = self._call(found, target, body)
        if not isinstance(result, dict):
            raise TypeError(f"{method} {target}: the handler is asynchronous")
        return status, result

    def _find(self, method: str, target: str) -> Handler | tuple[int, JSON]:
        path = target.partition("?")[0]
        handler = self.routes.get((method, path))
        if handler is not None:
            return handler
        if any(p == path for _, p in self.routes):
            return 405, {"error": f"{method} not allowed on {path}"}
        return 404, {"error": f"no such endpoint {path}"}

    @staticmethod
    def _call(handler: Handler, target: str, body: object) -> tuple[int, JSON | Awaitable[JSON]]:
        if not isinstance(body, dict):
            return 400, {"error": "body: expected a JSON object"}
        for pair in filter(None, target.partition("?")[2].split("&")):
            key, _, value = pair.partition("=")
            body.setdefault(key, value)
        try:
            return 200, handler(body)
        except AdminError as exc:
            return exc.status, {"error": exc.message}
        except (KeyError, ValueError, TypeError) as exc:
            return 400, {"error": f"bad request: {exc}"}
