"""The router's one upstream session to the risk gate, kept up with a capped backoff."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from services.net.framing import FrameSession, NetStats, connect
from services.protocol import Logon, Message


class GateLink:
    """Connects to the gate, logs on as the router, and reconnects when cut.

    A fault may cut or black-hole the link at any time (a proxy sits in
    between), so every attempt is bounded by ``connect_timeout`` and a failed
    one waits ``min_backoff`` doubling up to ``max_backoff`` before the next.
    """

    def __init__(
        self,
        name: str,
        host: str,
        port: int,
        stats: NetStats,
        on_up: Callable[[], None],
        on_down: Callable[[], None],
        on_messages: Callable[[list[Message]], None],
        min_backoff: float = 0.05,
        max_backoff: float = 2.0,
        connect_timeout: float = 3.0,
        stable_after: float = 1.0,
    ) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.stats = stats
        self._on_up = on_up
        self._on_down = on_down
        self._on_messages = on_messages
        self.min_backoff = min_backoff
        self.max_backoff = max_backoff
        self.connect_timeout = connect_timeout
        self.stable_after = stable_after
        self.session: FrameSession | None = None
        self.connects = 0
        self.failures = 0
        self.last_error = ""

    @property
    def connected(self) -> bool:
        return self.session is not None and self.session.is_open

    def send_many(self, messages: list[Message]) -> None:
        if self.session is not None:
            self.session.send_many(messages)

    def view(self) -> dict[str, object]:
        return {
            "address": f"{self.host}:{self.port}",
            "connected": self.connected,
            "connects": self.connects,
            "connect_failures": self.failures,
            "last_error": self.last_error,
        }

    async def run(self) -> None:
        delay = self.min_backoff
        while True:
            try:
                session = await asyncio.wait_for(
                    connect(self.host, self.port, self, self.stats, "gate"), self.connect_timeout
                )
            except (OSError, TimeoutError) as exc:
                self.failures += 1
                self.last_error = str(exc) or type(exc).__name__
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_backoff)
                continue
            opened = asyncio.get_running_loop().time()
            await session.closed
            # A link that drops at once (a proxy whose far side is down) must
            # not be redialled in a tight loop: only a session that lived
            # resets the backoff.
            if asyncio.get_running_loop().time() - opened >= self.stable_after:
                delay = self.min_backoff
            else:
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_backoff)

    def close(self) -> None:
        if self.session is not None:
            self.session.close()

    # FrameHandler ----------------------------------------------------------
    def on_open(self, session: FrameSession) -> None:
        session.name = "gate"
        session.send(Logon(self.name))
        self.session = session
        self.connects += 1
        self._on_up()

    def on_messages(self, session: FrameSession, messages: list[Message]) -> None:
        if session is self.session:
            self._on_messages(messages)

    def on_close(self, session: FrameSession) -> None:
        if session is self.session:
            self.session = None
            self._on_down()
