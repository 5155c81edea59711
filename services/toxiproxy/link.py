"""A client connection through a proxy: both sockets and both directions."""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import struct
from collections.abc import Iterable
from typing import Protocol

from .direction import Direction
from .toxics import DOWNSTREAM, UPSTREAM, End, ToxicSpec

__all__ = ["ClientSide", "Connection", "ConnectionOwner", "UpstreamSide"]

_LINGER_RESET = struct.pack("ii", 1, 0)


class ConnectionOwner(Protocol):
    """The proxy side of a connection: randomness and bookkeeping."""

    def rng_for(self, connection: int, direction: str, toxic: str, run: int) -> random.Random: ...

    def forget(self, connection: Connection) -> None: ...


def _socket_option(transport: asyncio.BaseTransport, level: int, option: int, value: bytes) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(level, option, value)


class Connection:
    """One accepted client and the upstream socket dialled for it.

    Closing follows Toxiproxy: when either direction ends, both sockets are closed (there is
    no half-close). A graceful close lets written data drain first; an abort does not.
    """

    def __init__(self, owner: ConnectionOwner, number: int, client: asyncio.Transport) -> None:
        self.number = number
        self.client = client
        self.server: asyncio.Transport | None = None
        self.closed = False
        self.dial_task: asyncio.Task[None] | None = None
        self._owner = owner
        self._open_sockets = 1
        self._early: list[bytes] = []
        self._early_end = False
        self.up = Direction(self, UPSTREAM, lambda s, r: owner.rng_for(number, UPSTREAM, s.name, r))
        self.down = Direction(
            self, DOWNSTREAM, lambda s, r: owner.rng_for(number, DOWNSTREAM, s.name, r)
        )
        self.down.dest = client
        _socket_option(client, socket.SOL_SOCKET, socket.SO_KEEPALIVE, struct.pack("i", 1))

    def direction(self, name: str) -> Direction:
        return self.up if name == UPSTREAM else self.down

    def install(self, toxics: Iterable[ToxicSpec]) -> None:
        for spec in toxics:
            self.direction(spec.direction).add(spec)

    def connected(self, server: asyncio.Transport) -> None:
        self._open_sockets += 1  # counted even when dropped: its connection_lost will come
        if self.closed:
            server.abort()
            return
        self.server = server
        _socket_option(server, socket.SOL_SOCKET, socket.SO_KEEPALIVE, struct.pack("i", 1))
        self.up.dest = server
        self.down.source = server
        self.up.source = self.client
        early, self._early = self._early, []
        for data in early:
            self.up.feed(data)
        if self._early_end:
            self.up.feed_end()
            return
        self.client.resume_reading()

    def from_client(self, data: bytes) -> None:
        """Data the client sent, on its way upstream.

        Reading is paused until the upstream socket exists, yet CPython before 3.11.3
        (Debian bookworm's 3.11.2, the container image's) starts reading a transport
        paused in ``connection_made``: whatever arrives that early is held, reading is
        paused again, and it is sent on once the upstream socket is there.
        """
        if self.server is None:
            self._early.append(data)
            self.client.pause_reading()
            return
        self.up.feed(data)

    def client_ended(self) -> None:
        """The client sent EOF (after the data held, if the upstream is not there yet)."""
        if self.server is None:
            self._early_end = True
            return
        self.up.feed_end()

    def finish(self, end: End) -> None:
        """A direction's chain delivered its end: close the whole connection that way."""
        self.close(reset=end is End.RESET)

    def close(self, *, abort: bool = False, reset: bool = False) -> None:
        """Close both sockets: drained (default), dropped (``abort``) or with RST (``reset``)."""
        first = not self.closed
        self.closed = True
        if first:
            if self.dial_task is not None:
                self.dial_task.cancel()
            self.up.stop_all()
            self.down.stop_all()
        for transport in (self.client, self.server):
            if transport is None:
                continue
            if reset:
                _socket_option(transport, socket.SOL_SOCKET, socket.SO_LINGER, _LINGER_RESET)
                transport.abort()
            elif abort:
                transport.abort()
            elif first:
                transport.close()

    def socket_lost(self) -> None:
        self._open_sockets -= 1
        if self._open_sockets <= 0:
            self._owner.forget(self)


class ClientSide(asyncio.Protocol):
    """Protocol of the accepted client socket."""

    def __init__(self, accept: AcceptHook) -> None:
        self._accept = accept
        self._connection: Connection | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        # Nothing is read from the client until the upstream socket exists.
        transport.pause_reading()
        self._connection = self._accept(transport)

    def data_received(self, data: bytes) -> None:
        assert self._connection is not None
        self._connection.from_client(data)

    def eof_received(self) -> bool:
        if self._connection is not None:
            self._connection.client_ended()
        return True

    def pause_writing(self) -> None:
        if self._connection is not None:
            self._connection.down.set_dest_paused(True)

    def resume_writing(self) -> None:
        if self._connection is not None:
            self._connection.down.set_dest_paused(False)

    def connection_lost(self, exc: Exception | None) -> None:
        connection = self._connection
        if connection is None:
            return
        if not connection.closed:
            connection.up.feed_end()
        connection.socket_lost()


class UpstreamSide(asyncio.Protocol):
    """Protocol of the socket dialled to the upstream server."""

    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._connection.connected(transport)

    def data_received(self, data: bytes) -> None:
        self._connection.down.feed(data)

    def eof_received(self) -> bool:
        self._connection.down.feed_end()
        return True

    def pause_writing(self) -> None:
        self._connection.up.set_dest_paused(True)

    def resume_writing(self) -> None:
        self._connection.up.set_dest_paused(False)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self._connection.closed:
            self._connection.down.feed_end()
        self._connection.socket_lost()


class AcceptHook(Protocol):
    """Called by :class:`ClientSide` for each accepted socket."""

    def __call__(self, transport: asyncio.Transport) -> Connection | None: ...
