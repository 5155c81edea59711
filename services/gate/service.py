"""The asyncio shell of the gate: router sessions in, one exchange session per router out.

Everything the gate decides is decided by ``GateCore``; this module only moves
bytes. Each call into the core returns one ``GateOutbox`` whose messages are
written with one ``send_many`` per session, so a read of many orders costs one
write per peer. An exchange session is opened when a router logs on and kept
up with a capped backoff for as long as the router stays; while it is down
the core rejects that router's orders with ``UPSTREAM_DOWN``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from services.clock import Clock
from services.gate.admin import install_routes, stats_view
from services.gate.core import GateCore
from services.gate.outbox import GateOutbox
from services.net.admin import AdminServer
from services.net.framing import FrameSession, NetStats, bound_port, connect
from services.protocol import Message
from services.risk.alerting import AlertSender
from services.risk.feeds import Backoff, FeedLink
from services.risk.requests import BadRequestCounter

_CONNECT_TIMEOUT_S = 3.0


class _Routers:
    """Router sessions on the ``orders`` port; a ``FrameHandler``."""

    def __init__(self, gate: GateService) -> None:
        self.gate = gate

    def on_open(self, session: FrameSession) -> None:
        self.gate.routers[session.id] = session
        self.gate.core.router_opened(session.id, self.gate.clock.now())

    def on_messages(self, session: FrameSession, messages: list[Message]) -> None:
        gate = self.gate
        out = gate.core.on_router_messages(session.id, messages, gate.clock.now())
        if session.name == "" and session.id in gate.core.links:
            session.name = gate.core.links[session.id].name
        gate.apply(out)

    def on_close(self, session: FrameSession) -> None:
        gate = self.gate
        gate.routers.pop(session.id, None)
        gate.apply(gate.core.router_closed(session.id, gate.clock.now()))


class _Upstream:
    """The exchange session opened for one router session; a ``FrameHandler``."""

    def __init__(self, gate: GateService, sid: int) -> None:
        self.gate = gate
        self.sid = sid
        self.session: FrameSession | None = None

    def on_open(self, session: FrameSession) -> None:
        self.session = session
        gate = self.gate
        gate.apply(gate.core.upstream_up(self.sid, gate.clock.now()))

    def on_messages(self, session: FrameSession, messages: list[Message]) -> None:
        gate = self.gate
        gate.apply(gate.core.on_upstream_messages(self.sid, messages, gate.clock.now()))

    def on_close(self, session: FrameSession) -> None:
        if session is self.session:
            self.session = None
            gate = self.gate
            gate.apply(gate.core.upstream_down(self.sid, gate.clock.now()))


class GateService:
    """Runs a ``GateCore`` over TCP: routers, exchange sessions, market data, admin."""

    def __init__(
        self,
        core: GateCore,
        clock: Clock,
        exchange: tuple[str, int],
        marketdata: tuple[str, int] | None = None,
        alerts: tuple[str, int] | None = None,
    ) -> None:
        self.core = core
        self.clock = clock
        self.exchange = exchange
        self.routers: dict[int, FrameSession] = {}
        self.upstreams: dict[int, _Upstream] = {}
        self.stats = NetStats()
        self.upstream_stats = NetStats()
        self.bad_requests = BadRequestCounter()
        self.marketdata = (
            FeedLink("marketdata", *marketdata, "gate", self._on_market_data)
            if marketdata
            else None
        )
        self.alerts = (
            AlertSender(*alerts, clock, core.settings.alerts.deadline_us) if alerts else None
        )
        self.admin = AdminServer("gate", self.clock)
        install_routes(self.admin, core, clock.now, self.apply, self.stats_view, self.bad_requests)
        self.ports: dict[str, int] = {}
        self._server: asyncio.Server | None = None
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._feed_task: asyncio.Task[None] | None = None
        self.dropped_alerts = 0

    async def start(self, host: str, orders_port: int, admin_port: int) -> GateService:
        routers = _Routers(self)
        self._server = await asyncio.get_running_loop().create_server(
            lambda: FrameSession(routers, self.stats, "router"),
            host,
            orders_port,
            reuse_address=True,
        )
        self.ports["orders"] = bound_port(self._server)
        self.ports["admin"] = await self.admin.start(host, admin_port)
        if self.marketdata is not None:
            self._feed_task = asyncio.create_task(self.marketdata.run())
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        tasks = list(self._tasks.values())
        if self._feed_task is not None:
            tasks.append(self._feed_task)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for up in self.upstreams.values():
            if up.session is not None:
                up.session.close()
        if self.marketdata is not None:
            self.marketdata.close()
        for session in list(self.routers.values()):
            session.close()
        if self.alerts is not None:
            await self.alerts.close()
        await self.admin.stop()
        if self._server is not None:
            await self._server.wait_closed()

    # core actions -----------------------------------------------------------
    def apply(self, out: GateOutbox) -> None:
        """Carry out what the core decided."""
        for sid, msgs in out.to_upstream.items():
            up = self.upstreams.get(sid)
            if msgs and up is not None and up.session is not None:
                up.session.send_many(msgs)
        for sid, msgs in out.to_router.items():
            router = self.routers.get(sid)
            if msgs and router is not None:
                router.send_many(msgs)
        for sid in out.close_router:
            router = self.routers.get(sid)
            if router is not None:
                router.close()
        for sid, name in out.open_upstream:
            self._open_upstream(sid, name)
        for sid in out.close_upstream:
            self._close_upstream(sid)
        if out.alerts:
            if self.alerts is None:
                self.dropped_alerts += len(out.alerts)
            else:
                self.alerts.deadline_us = self.core.settings.alerts.deadline_us
                for alert in out.alerts:
                    self.alerts.send(alert)

    def _open_upstream(self, sid: int, name: str) -> None:
        up = self.upstreams[sid] = _Upstream(self, sid)
        self._tasks[sid] = asyncio.get_running_loop().create_task(self._keep_upstream(up))

    def _close_upstream(self, sid: int) -> None:
        task = self._tasks.pop(sid, None)
        if task is not None:
            task.cancel()
        up = self.upstreams.pop(sid, None)
        if up is not None and up.session is not None:
            session, up.session = up.session, None
            session.close()

    async def _keep_upstream(self, up: _Upstream) -> None:
        backoff = Backoff()
        host, port = self.exchange
        while up.sid in self.routers:
            try:
                session = await asyncio.wait_for(
                    connect(host, port, up, self.upstream_stats, "exchange"), _CONNECT_TIMEOUT_S
                )
            except (OSError, TimeoutError):
                self.apply(self.core.upstream_down(up.sid, self.clock.now()))
                await asyncio.sleep(backoff.next())
                continue
            backoff.reset()
            session.name = self.core.links[up.sid].name if up.sid in self.core.links else ""
            await session.closed
            await asyncio.sleep(backoff.next())

    def _on_market_data(self, messages: list[Message]) -> None:
        self.core.on_market_data(messages, self.clock.now())

    # views --------------------------------------------------------------------
    def stats_view(self) -> dict[str, Any]:
        alerts = (
            self.alerts.stats()
            if self.alerts is not None
            else {"configured": False, "dropped": self.dropped_alerts}
        )
        return stats_view(
            self.core,
            self.stats,
            self.upstream_stats,
            self.bad_requests,
            self.clock.now(),
            self.marketdata.view() if self.marketdata is not None else None,
            alerts,
        )
