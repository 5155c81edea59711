"""A small HTTP/1.1 server on asyncio streams, enough for a JSON API.

It keeps connections alive, reads ``Content-Length`` and chunked bodies, answers
``Expect: 100-continue``, and bounds every wait. A request it cannot parse is answered with
400 and the connection is closed; nothing a client sends can stop the server.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import re
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import unquote, urlsplit

from .netaddr import Acceptor, bind_listener, join_host_port, resolve_listen

__all__ = ["HttpServer", "Request", "Response"]

log = logging.getLogger(__name__)

MAX_LINE = 64 * 1024
MAX_HEADERS = 100
MAX_BODY = 16 * 1024 * 1024
READ_TIMEOUT = 15.0
IDLE_TIMEOUT = 60.0
WRITE_TIMEOUT = 30.0
HANDLER_TIMEOUT = 25.0

_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_TIMEOUT_PAGE = b"<html><head><title>Timeout</title></head><body><h1>Timeout</h1></body></html>"


class BadRequest(Exception):
    """The bytes received are not an HTTP request we can answer."""


@dataclass(slots=True)
class Request:
    """A parsed request; ``path`` is percent-decoded, header names are lower case."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""
    keep_alive: bool = True


@dataclass(slots=True)
class Response:
    """A complete response; ``Content-Length`` and ``Date`` are added when it is written."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: list[tuple[str, str]] = field(default_factory=list)


Handler = Callable[[Request], Awaitable[Response]]


def _plain(status: int, text: str) -> Response:
    return Response(status, text.encode(), "text/plain; charset=utf-8")


async def _read_line(reader: asyncio.StreamReader) -> bytes:
    try:
        line = await reader.readuntil(b"\n")
    except asyncio.LimitOverrunError:
        raise BadRequest("line too long") from None
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise BadRequest("truncated request") from None
        raise EOFError from None
    return line.rstrip(b"\r\n")


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size_line = (await _read_line(reader)).split(b";", 1)[0].strip()
        try:
            size = int(size_line, 16)
        except ValueError:
            raise BadRequest("bad chunk size") from None
        if size < 0 or len(body) + size > MAX_BODY:
            raise BadRequest("body too large")
        if size == 0:
            while await _read_line(reader):
                pass  # trailers are ignored
            return bytes(body)
        body += await reader.readexactly(size)
        if await _read_line(reader):
            raise BadRequest("missing CRLF after chunk")


async def read_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> Request:
    """Read one request; EOFError on a clean close between requests, BadRequest otherwise."""
    async with asyncio.timeout(IDLE_TIMEOUT):
        line = await _read_line(reader)
        while not line:  # blank lines before a request are allowed
            line = await _read_line(reader)
    async with asyncio.timeout(READ_TIMEOUT):
        parts = line.decode("latin-1").split(" ")
        if len(parts) != 3 or not _TOKEN.match(parts[0]):
            raise BadRequest("malformed request line")
        method, target, version = parts
        if version not in ("HTTP/1.1", "HTTP/1.0"):
            raise BadRequest("unsupported HTTP version")
        headers: dict[str, str] = {}
        while header_line := (await _read_line(reader)).decode("latin-1"):
            name, colon, value = header_line.partition(":")
            if not colon or not _TOKEN.match(name) or len(headers) >= MAX_HEADERS:
                raise BadRequest("malformed header")
            key, value = name.lower(), value.strip()
            if key == "content-length" and headers.get(key, value) != value:
                raise BadRequest("conflicting Content-Length")
            headers[key] = (
                f"{headers[key]}, {value}" if key in headers and key != "content-length" else value
            )
        if version == "HTTP/1.1" and "host" not in headers:
            raise BadRequest("missing required Host header")
        path = urlsplit(target).path if not target.startswith("/") else target.split("?", 1)[0]
        if _BAD_ESCAPE.search(path):
            raise BadRequest("invalid URL escape")
        connection = headers.get("connection", "").lower()
        keep_alive = "close" not in connection and (
            version == "HTTP/1.1" or "keep-alive" in connection
        )
        if headers.get("expect", "").lower() == "100-continue":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        body = await _read_body(reader, headers)
    return Request(method, unquote(path), headers, body, keep_alive)


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "transfer-encoding" in headers:
        if headers["transfer-encoding"].lower() != "chunked":
            raise BadRequest("unsupported transfer encoding")
        return await _read_chunked(reader)
    length_text = headers.get("content-length", "0")
    if not length_text.isdigit():
        raise BadRequest("bad Content-Length")
    length = int(length_text)
    if length > MAX_BODY:
        raise BadRequest("body too large")
    try:
        return await reader.readexactly(length) if length else b""
    except asyncio.IncompleteReadError:
        raise BadRequest("truncated body") from None


def render(response: Response, *, keep_alive: bool, head_only: bool = False) -> bytes:
    status = response.status
    reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else ""
    lines = [f"HTTP/1.1 {status} {reason}"]
    if response.content_type:
        lines.append(f"Content-Type: {response.content_type}")
    lines.extend(f"{name}: {value}" for name, value in response.headers)
    lines.append(f"Date: {email.utils.formatdate(usegmt=True)}")
    body = response.body
    if status == 204 or status == 304 or status < 200:
        body = b""
    else:
        lines.append(f"Content-Length: {len(body)}")
    if not keep_alive:
        lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if head_only else head + body


class HttpServer:
    """Serves one handler on one address; :meth:`close` drops every client connection."""

    def __init__(self, handler: Handler) -> None:
        self._handler = handler
        self._acceptor: Acceptor | None = None
        self._clients: set[asyncio.StreamWriter] = set()
        self.address = ""
        self.port = 0

    async def start(self, host: str, port: int) -> None:
        address = await resolve_listen(join_host_port(host, port))
        sock = bind_listener(address, backlog=128)
        self._acceptor = Acceptor(sock, self._adopt)
        self.port = int(sock.getsockname()[1])
        self.address = join_host_port(address.ip, self.port)

    async def close(self) -> None:
        acceptor, self._acceptor = self._acceptor, None
        if acceptor is not None:
            acceptor.close()
        for writer in list(self._clients):
            writer.transport.abort()
        self._clients.clear()

    async def _adopt(self, sock: socket.socket) -> None:
        if self._acceptor is None:
            sock.close()
            return
        reader, writer = await asyncio.open_connection(sock=sock, limit=MAX_LINE)
        await self._serve(reader, writer)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._clients.add(writer)
        try:
            await self._serve_requests(reader, writer)
        except (EOFError, ConnectionError, TimeoutError, asyncio.IncompleteReadError):
            pass
        except Exception:
            log.exception("HTTP connection failed")
        finally:
            self._clients.discard(writer)
            writer.close()

    async def _serve_requests(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        while True:
            try:
                request = await read_request(reader, writer)
            except BadRequest as exc:
                log.debug("bad request: %s", exc)
                writer.write(render(_plain(400, f"400 Bad Request: {exc}"), keep_alive=False))
                await asyncio.wait_for(writer.drain(), WRITE_TIMEOUT)
                return
            response = await self._answer(request)
            head_only = request.method == "HEAD"
            writer.write(render(response, keep_alive=request.keep_alive, head_only=head_only))
            await asyncio.wait_for(writer.drain(), WRITE_TIMEOUT)
            if not request.keep_alive:
                return

    async def _answer(self, request: Request) -> Response:
        try:
            return await asyncio.wait_for(self._handler(request), HANDLER_TIMEOUT)
        except TimeoutError:
            return Response(503, _TIMEOUT_PAGE, "text/html; charset=utf-8")
        except Exception as exc:
            log.exception("handler failed for %s %s", request.method, request.path)
            return _plain(500, f"internal error: {exc}\n")
