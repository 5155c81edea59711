"""The asyncio shell around ``ExchangeCore``: three TCP ports, a timer, the admin endpoint.

Each read from a socket becomes one call into the core, and everything the
call produced is written with one ``send_many`` per connection, so a burst
of orders costs one write per session, not one per message. The core's
``next_wakeup`` is kept armed as a single ``call_later``. Subscribers (drop
copy, market data) that stop reading are disconnected once their unsent
backlog passes ``max_backlog`` bytes, so one stuck consumer cannot take the
exchange's memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

from services.clock import Clock
from services.exchange.core import ExchangeCore
from services.exchange.sessions import Channel, Outbox
from services.net.admin import AdminError, AdminServer
from services.net.framing import FrameSession, NetStats
from services.protocol import Message

_MAX_BACKLOG = 64 << 20


class _Port:
    """The ``FrameHandler`` of one port: hands every session event to the core."""

    def __init__(self, server: ExchangeServer, channel: Channel) -> None:
        self.server = server
        self.channel = channel
        self.stats = NetStats()

    def on_open(self, session: FrameSession) -> None:
        self.server.sessions[session.id] = session
        core = self.server.core
        self.server.dispatch(core.open(session.id, self.channel, self.server.clock.now()))

    def on_messages(self, session: FrameSession, messages: list[Message]) -> None:
        if session.id in self.server.sessions:
            core = self.server.core
            self.server.dispatch(core.on_messages(session.id, messages, self.server.clock.now()))

    def on_close(self, session: FrameSession) -> None:
        if self.server.sessions.pop(session.id, None) is not None:
            core = self.server.core
            self.server.dispatch(core.close(session.id, self.server.clock.now()))


class ExchangeServer:
    """Runs an ``ExchangeCore`` on real sockets; ``start`` returns it with its ports bound."""

    def __init__(self, core: ExchangeCore, clock: Clock, max_backlog: int = _MAX_BACKLOG) -> None:
        self.core = core
        self.clock = clock
        self.max_backlog = max_backlog
        self.sessions: dict[int, FrameSession] = {}
        self.ports: dict[str, int] = {}
        self.slow_consumers = 0
        self._handlers = {ch: _Port(self, ch) for ch in Channel}
        self._servers: list[asyncio.Server] = []
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0
        self._stopping = False
        self.admin = AdminServer("exchange", self.clock)
        install_routes(self.admin, core, self.stats)

    async def start(self, host: str, ports: dict[Channel, int], admin_port: int) -> ExchangeServer:
        loop = asyncio.get_running_loop()
        for channel, port in ports.items():
            handler = self._handlers[channel]

            def factory(h: _Port = handler, label: str = channel.value) -> FrameSession:
                return FrameSession(h, h.stats, label)

            server = await loop.create_server(factory, host, port, reuse_address=True)
            self._servers.append(server)
            self.ports[channel.value] = server.sockets[0].getsockname()[1]
        self.ports["admin"] = await self.admin.start(host, admin_port)
        self.dispatch(self.core.on_timer(self.clock.now()))
        return self

    async def stop(self) -> None:
        self._stopping = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for server in self._servers:
            server.close()
        for session in list(self.sessions.values()):
            session.abort()
        for server in self._servers:
            await server.wait_closed()
        await self.admin.stop()

    # the core's outbox ------------------------------------------------------
    def dispatch(self, out: Outbox) -> None:
        sessions = self.sessions
        for conn, msgs in out.sends.items():
            session = sessions.get(conn)
            if session is None:
                continue
            session.send_many(msgs)
            transport = session.transport
            if (
                session.label != Channel.ORDERS
                and transport is not None
                and transport.get_write_buffer_size() > self.max_backlog
            ):
                self.slow_consumers += 1
                session.abort()
        for conn in out.closes:
            session = sessions.get(conn)
            if session is not None:
                session.close()
        self._arm()

    def _arm(self) -> None:
        wake = self.core.next_wakeup()
        if wake is None or self._stopping:
            return
        if self._timer is not None:
            if self._timer_at <= wake:
                return
            self._timer.cancel()
        delay = self.clock.wall_delay(wake - self.clock.now())
        self._timer_at = wake
        self._timer = asyncio.get_running_loop().call_later(delay, self._fire)

    def _fire(self) -> None:
        self._timer = None
        # The loop may fire a hair early on its own clock; the work is due.
        self.dispatch(self.core.on_timer(max(self.clock.now(), self._timer_at)))

    # admin ------------------------------------------------------------------------
    def stats(self) -> dict[str, object]:
        net = {ch.value: h.stats for ch, h in self._handlers.items()}
        return service_stats(self.core, net, self.slow_consumers)


def service_stats(
    core: ExchangeCore, net: Mapping[str, NetStats], slow_consumers: int
) -> dict[str, object]:
    """``GET /stats``: the core's counters and the ports' session counters (``net`` by port)."""
    framing = sum(stats.protocol_errors for stats in net.values())
    semantic = core.counters.protocol_errors
    return {
        "service": "exchange",
        **core.stats(),
        "protocol_errors": framing + semantic,
        "framing_errors": framing,
        "slow_consumers": slow_consumers,
        "net": {port: stats.as_dict() for port, stats in net.items()},
    }


def install_routes(
    admin: AdminServer, core: ExchangeCore, stats: Callable[[], dict[str, object]]
) -> None:
    """Register the exchange's endpoints on ``admin``."""
    admin.route("GET", "/stats", lambda _: stats())
    admin.route("GET", "/book", lambda query: _book(core, query))
    admin.route("GET", "/symbols", lambda _: {"symbols": core.symbols_view()})


def _book(core: ExchangeCore, query: dict[str, object]) -> dict[str, object]:
    symbol = query.get("symbol")
    if not isinstance(symbol, str) or not symbol:
        raise AdminError(400, "symbol: expected ?symbol=TICKER")
    depth_raw = query.get("depth", "10")
    if not isinstance(depth_raw, str | int) or not str(depth_raw).isdigit():
        raise AdminError(400, f"depth: expected a whole number, got {depth_raw!r}")
    if symbol not in core.index:
        raise AdminError(404, f"unknown symbol {symbol!r}")
    return core.book_view(symbol, int(depth_raw))
