"""Client sessions to exchange feeds, kept up with a capped backoff (asyncio).

The gate and the monitor subscribe to the exchange's market data, and the
monitor to its drop copy. A feed may be cut or stalled by a fault at any time;
``FeedLink`` reconnects with a doubling, capped backoff and hands every
message to a callback. It logs on with the service's name so the exchange can
tell subscribers apart.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from services.net.framing import FrameSession, NetStats, connect
from services.protocol import Logon, Message


def parse_endpoint(text: str, option: str) -> tuple[str, int]:
    """``HOST:PORT`` to a pair; raises ``ValueError`` naming the option."""
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{option}: expected HOST:PORT, got {text!r}")
    return host, int(port)


class Backoff:
    """Doubling delays between ``first`` and ``cap`` wall seconds."""

    def __init__(self, first: float = 0.05, cap: float = 2.0) -> None:
        self.first = first
        self.cap = cap
        self.delay = first

    def next(self) -> float:
        delay = self.delay
        self.delay = min(self.delay * 2, self.cap)
        return delay

    def reset(self) -> None:
        self.delay = self.first


class FeedLink:
    """A reconnecting subscription to one feed; a ``FrameHandler``."""

    def __init__(
        self,
        label: str,
        host: str,
        port: int,
        logon: str,
        on_messages: Callable[[list[Message]], None],
        on_up: Callable[[], None] | None = None,
        connect_timeout: float = 3.0,
    ) -> None:
        self.label = label
        self.host = host
        self.port = port
        self.logon = logon
        self.stats = NetStats()
        self.session: FrameSession | None = None
        self.connects = 0
        self.failures = 0
        self.last_error = ""
        self.connect_timeout = connect_timeout
        self._on_messages = on_messages
        self._on_up = on_up
        self._backoff = Backoff()

    @property
    def connected(self) -> bool:
        return self.session is not None and self.session.is_open

    async def run(self) -> None:
        while True:
            try:
                session = await asyncio.wait_for(
                    connect(self.host, self.port, self, self.stats, self.label),
                    self.connect_timeout,
                )
            except (OSError, TimeoutError) as exc:
                self.failures += 1
                self.last_error = str(exc) or type(exc).__name__
                await asyncio.sleep(self._backoff.next())
                continue
            await session.closed
            await asyncio.sleep(self._backoff.next())

    def close(self) -> None:
        if self.session is not None:
            self.session.close()

    def view(self) -> dict[str, object]:
        return {
            "address": f"{self.host}:{self.port}",
            "connected": self.connected,
            "connects": self.connects,
            "connect_failures": self.failures,
            "last_error": self.last_error,
            **self.stats.as_dict(),
        }

    # FrameHandler -----------------------------------------------------------
    def on_open(self, session: FrameSession) -> None:
        session.name = self.label
        session.send(Logon(self.logon))
        self.session = session
        self.connects += 1
        self._backoff.reset()
        if self._on_up is not None:
            self._on_up()

    def on_messages(self, session: FrameSession, messages: list[Message]) -> None:
        if session is self.session:
            self._on_messages(messages)

    def on_close(self, session: FrameSession) -> None:
        if session is self.session:
            self.session = None
