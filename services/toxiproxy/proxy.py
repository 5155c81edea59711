"""A proxy: one listener, one upstream, a toxic chain per direction, its live connections."""

from __future__ import annotations

import asyncio
import logging
import random
import socket

from .config import Randomness
from .link import ClientSide, Connection, UpstreamSide
from .netaddr import (
    Acceptor,
    AddressError,
    ListenAddress,
    bind_listener,
    parse_upstream,
    resolve_listen,
)
from .toxics import DOWNSTREAM, UPSTREAM, ToxicSpec

__all__ = ["Proxy"]

log = logging.getLogger(__name__)


class Proxy:
    """A named TCP listener forwarding each client to ``upstream`` through its toxics.

    ``listen`` is the address as given until the proxy first starts, then the address it is
    bound to, so re-enabling a proxy that listened on port 0 gets the same port back.
    """

    def __init__(self, name: str, listen: str, upstream: str, randomness: Randomness) -> None:
        self.name = name
        self.listen = listen
        self.upstream = upstream
        self.enabled = False
        self.toxics: list[ToxicSpec] = []
        self.connections: set[Connection] = set()
        self._randomness = randomness
        self._acceptor: Acceptor | None = None
        self._accepted = 0

    # Lifecycle ----------------------------------------------------------------------------
    async def start(self) -> None:
        """Bind the listener; raises :class:`AddressError` with Go's message on failure."""
        if self.enabled:
            return
        address = await resolve_listen(self.listen)
        sock = bind_listener(address)
        self._acceptor = Acceptor(sock, self._adopt)
        bound = sock.getsockname()
        self.listen = str(ListenAddress(address.family, address.ip, int(bound[1])))
        self.enabled = True
        log.info("proxy %s listening on %s, upstream %s", self.name, self.listen, self.upstream)

    def stop(self) -> None:
        """Close the listener and drop every connection (both sockets)."""
        acceptor, self._acceptor = self._acceptor, None
        if acceptor is not None:
            acceptor.close()
        self.enabled = False
        for connection in list(self.connections):
            connection.close(abort=True)

    # Connections --------------------------------------------------------------------------
    async def _adopt(self, sock: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        await loop.connect_accepted_socket(lambda: ClientSide(self._accept), sock)

    def _accept(self, transport: asyncio.Transport) -> Connection | None:
        if self._acceptor is None:  # stopped while this socket was being adopted
            transport.abort()
            return None
        self._accepted += 1
        connection = Connection(self, self._accepted, transport)
        self.connections.add(connection)
        connection.install(self.ordered_toxics())
        connection.dial_task = asyncio.get_running_loop().create_task(self._dial(connection))
        return connection

    async def _dial(self, connection: Connection) -> None:
        loop = asyncio.get_running_loop()
        try:
            host, port = parse_upstream(self.upstream)
            await loop.create_connection(lambda: UpstreamSide(connection), host, port)
        except (OSError, AddressError, UnicodeError) as exc:
            log.info("proxy %s: cannot reach upstream %s: %s", self.name, self.upstream, exc)
            connection.dial_task = None
            connection.close()

    def rng_for(self, connection: int, direction: str, toxic: str, run: int) -> random.Random:
        return self._randomness.for_run(self.name, connection, direction, toxic, run)

    def forget(self, connection: Connection) -> None:
        self.connections.discard(connection)

    # Toxics -------------------------------------------------------------------------------
    def ordered_toxics(self) -> list[ToxicSpec]:
        """Upstream toxics first, then downstream, each in the order they were added."""
        return [t for t in self.toxics if t.direction == UPSTREAM] + [
            t for t in self.toxics if t.direction == DOWNSTREAM
        ]

    def find_toxic(self, name: str) -> ToxicSpec | None:
        return next((t for t in self.toxics if t.name == name), None)

    def add_toxic(self, spec: ToxicSpec) -> None:
        self.toxics.append(spec)
        for connection in list(self.connections):
            if not connection.closed:
                connection.direction(spec.direction).add(spec)

    def update_toxic(self, spec: ToxicSpec) -> None:
        self.toxics = [spec if t.name == spec.name else t for t in self.toxics]
        for connection in list(self.connections):
            if not connection.closed:
                connection.direction(spec.direction).update(spec)

    def remove_toxic(self, name: str) -> None:
        spec = self.find_toxic(name)
        if spec is None:
            return
        self.toxics.remove(spec)
        for connection in list(self.connections):
            if connection.closed:
                continue
            if connection.direction(spec.direction).remove(name):
                connection.close()

    def remove_all_toxics(self) -> None:
        for spec in list(self.toxics):
            self.remove_toxic(spec.name)

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "listen": self.listen,
            "upstream": self.upstream,
            "enabled": self.enabled,
            "toxics": [t.to_json() for t in self.ordered_toxics()],
        }
