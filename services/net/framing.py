"""Frame sessions over asyncio transports: the thin I/O shell around every core.

A ``FrameSession`` turns bytes from a socket into protocol messages for a
``FrameHandler`` and messages from the handler into frames on the socket. A
malformed frame is answered with a REJECT naming the problem, the session is
closed and ``NetStats.protocol_errors`` counts it; nothing else on the service
is affected.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from typing import Protocol, cast

from services.protocol import FrameDecoder, Message, Reject, RejectReason, encode

_session_ids = itertools.count(1)


@dataclass
class NetStats:
    """Counters a service exposes on its admin endpoint."""

    sessions_total: int = 0
    sessions_open: int = 0
    frames_in: int = 0
    frames_out: int = 0
    protocol_errors: int = 0
    last_protocol_error: str = ""
    errors_by_reason: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "sessions_total": self.sessions_total,
            "sessions_open": self.sessions_open,
            "frames_in": self.frames_in,
            "frames_out": self.frames_out,
            "protocol_errors": self.protocol_errors,
            "last_protocol_error": self.last_protocol_error,
            "errors_by_reason": dict(self.errors_by_reason),
        }


class FrameHandler(Protocol):
    """What a service does with a session's life."""

    def on_open(self, session: FrameSession) -> None: ...

    def on_messages(self, session: FrameSession, messages: list[Message]) -> None: ...

    def on_close(self, session: FrameSession) -> None: ...


class FrameSession(asyncio.Protocol):
    """One TCP connection speaking the frame protocol."""

    def __init__(self, handler: FrameHandler, stats: NetStats, label: str = "") -> None:
        self.id = next(_session_ids)
        self.label = label
        self.name = ""  # set by the service from the peer's LOGON
        self.handler = handler
        self.stats = stats
        self.decoder = FrameDecoder()
        self.transport: asyncio.Transport | None = None
        self._loop = asyncio.get_running_loop()
        self.closed = self._loop.create_future()
        self.peer = ""
        # Frames written in one turn of the event loop leave in one syscall.
        self._pending: list[bytes] = []
        self._flush_scheduled = False

    # asyncio.Protocol -------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports implement the interface without subclassing it.
        self.transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if peer else "?"
        self.stats.sessions_total += 1
        self.stats.sessions_open += 1
        self.handler.on_open(self)

    def data_received(self, data: bytes) -> None:
        messages = self.decoder.feed(data)
        if messages:
            self.stats.frames_in += len(messages)
            self.handler.on_messages(self, messages)
        error = self.decoder.error
        if error is not None and self.is_open:
            self.protocol_error(error.reason, error.text)
            self.close()

    def eof_received(self) -> bool | None:
        # A peer that hangs up in the middle of a frame sent a malformed frame too.
        pending = self.decoder.pending
        if pending and self.decoder.error is None and self.is_open:
            self.protocol_error(
                RejectReason.BAD_LENGTH, f"truncated frame: {pending} bytes at end of stream"
            )
        self.flush()
        return None  # close; what was written is flushed first

    def connection_lost(self, exc: Exception | None) -> None:
        self.stats.sessions_open -= 1
        self.transport = None
        if not self.closed.done():
            self.closed.set_result(None)
        self.handler.on_close(self)

    # used by services --------------------------------------------------
    def protocol_error(self, reason: RejectReason, text: str) -> None:
        """Count a malformed input and tell the peer what was wrong (the caller closes)."""
        self.stats.protocol_errors += 1
        self.stats.last_protocol_error = f"{self.peer}: {text}"
        key = reason.name
        self.stats.errors_by_reason[key] = self.stats.errors_by_reason.get(key, 0) + 1
        self.send(Reject(0, reason, text[:48]))

    @property
    def is_open(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()

    def send(self, msg: Message) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self._pending.append(encode(msg))
            self.stats.frames_out += 1
            self._schedule_flush()

    def send_many(self, messages: list[Message]) -> None:
        if messages and self.transport is not None and not self.transport.is_closing():
            self._pending.extend(map(encode, messages))
            self.stats.frames_out += len(messages)
            self._schedule_flush()

    def _schedule_flush(self) -> None:
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self._loop.call_soon(self.flush)

    def flush(self) -> None:
        """Write every frame queued so far (normally called by the loop)."""
        self._flush_scheduled = False
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if self.transport is not None and not self.transport.is_closing():
                self.transport.write(data)

    def close(self) -> None:
        if self.transport is not None:
            self.flush()
            self.transport.close()

    def abort(self) -> None:
        self._pending.clear()
        if self.transport is not None:
            self.transport.abort()


async def listen(
    host: str, port: int, handler: FrameHandler, stats: NetStats, label: str = ""
) -> asyncio.Server:
    """Accept frame sessions on ``host:port`` (0 picks a free port)."""
    loop = asyncio.get_running_loop()
    return await loop.create_server(
        lambda: FrameSession(handler, stats, label), host, port, reuse_address=True
    )


async def connect(
    host: str, port: int, handler: FrameHandler, stats: NetStats, label: str = ""
) -> FrameSession:
    """Open one frame session to ``host:port``; raises ``OSError`` on failure."""
    loop = asyncio.get_running_loop()
    _, session = await loop.create_connection(
        lambda: FrameSession(handler, stats, label), host, port
    )
    return session


def bound_port(server: asyncio.Server) -> int:
    port: int = server.sockets[0].getsockname()[1]
    return port


def reject_reason_name(code: int) -> str:
    try:
        return RejectReason(code).name
    except ValueError:
        return str(code)
