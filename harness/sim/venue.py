"""The exchange, the risk gate in front of it, and the alert bus, in the world."""

from __future__ import annotations

from functools import partial
from typing import Any

from harness.sim.calls import BusSender, serve_admin
from harness.sim.dialer import Dialer
from harness.sim.links import Endpoint, Items, SimConn
from harness.sim.node import Node, Wiring
from services.alerts.core import AlertBusCore
from services.alerts.models import RoutingRules
from services.alerts.service import AlertBusService
from services.exchange import server as exchange_admin
from services.exchange.config import ExchangeConfig, LiquidityParams
from services.exchange.core import ExchangeCore
from services.exchange.sessions import Channel, Outbox
from services.gate import admin as gate_admin
from services.gate.core import GateCore
from services.gate.outbox import GateOutbox
from services.net.framing import NetStats
from services.protocol import Logon
from services.risk.profiles import profile
from services.risk.requests import BadRequestCounter

# The price impact of the simulated exchange, calibrated with Power Peg's cadence for the
# full-scale morning (docs/calibration.md). The local backend's processes keep the
# exchange's default: they run Power Peg 17 to 34 times slower, so its flow moves prices
# far less there, and a lower impact would leave its runaway's loss in the noise.
SIM_LIQUIDITY = LiquidityParams(impact=0.5)


class ExchangeNode(Node):
    """``ExchangeCore`` on its three ports: orders, drop copy, market data."""

    def __init__(self, wiring: Wiring) -> None:
        super().__init__("exchange", wiring)
        s = wiring.settings
        # What the topology passes on the command line, and the calibrated liquidity.
        self.config = ExchangeConfig(symbols=s.symbols, seed=s.seed, lp=SIM_LIQUIDITY)

    def boot(self) -> None:
        self.core = core = ExchangeCore(self.config, start_us=self.sched.now)
        self.conns: dict[int, SimConn] = {}
        self.net_stats = {ch.value: NetStats() for ch in Channel}
        for ch in Channel:
            end = Endpoint(
                self.proc,
                partial(self._opened, ch),
                self._received,
                self._closed,
                self.net_stats[ch.value],
            )
            self.net.listen(self.name, ch.value, end)
        exchange_admin.install_routes(self.admin, core, self._stats)
        self.dispatch(core.on_timer(self.sched.now))

    def _stats(self) -> dict[str, object]:
        return exchange_admin.service_stats(self.core, self.net_stats, 0)

    # sessions ------------------------------------------------------------------------
    def _opened(self, channel: Channel, conn: SimConn) -> None:
        self.conns[conn.id] = conn
        self.dispatch(self.core.open(conn.id, channel, self.sched.now))

    def _received(self, conn: SimConn, items: Items) -> None:
        self.dispatch(self.core.on_messages(conn.id, items, self.sched.now))

    def _closed(self, conn: SimConn) -> None:
        if self.conns.pop(conn.id, None) is not None:
            self.dispatch(self.core.close(conn.id, self.sched.now))

    def dispatch(self, out: Outbox) -> None:
        conns = self.conns
        for cid, msgs in out.sends.items():
            conn = conns.get(cid)
            if conn is not None:
                conn.down.send(msgs)
        for cid in out.closes:
            conn = conns.get(cid)
            if conn is not None:
                conn.close_by(conn.server)
        self.arm()

    # time ---------------------------------------------------------------------------------
    def next_wakeup(self) -> int | None:
        return self.core.next_wakeup()

    def on_timer(self, now: int) -> None:
        self.dispatch(self.core.on_timer(now))


class AlertsNode(Node):
    """The alert bus: its API is its admin endpoint, served by ``AlertBusService`` itself."""

    def __init__(self, wiring: Wiring) -> None:
        super().__init__("alerts", wiring)

    def boot(self) -> None:
        self.core = AlertBusCore(RoutingRules(), deadline_us=5_000_000)
        self.service = AlertBusService(self.core, self.sched.clock)
        self.admin = self.service.admin


MARKETDATA = "exchange->gate:marketdata"
UPSTREAM = "gate->exchange"


class GateNode(Node):
    """``GateCore`` with its sessions, its market-data feed, its alerts and its admin port.

    Like ``GateService``: an exchange session is opened for each router that
    logs on and redialled with a backoff for as long as the router stays;
    while it is down the core rejects that router's orders.
    """

    def __init__(self, wiring: Wiring) -> None:
        super().__init__("gate", wiring)

    def boot(self) -> None:
        settings = profile(self.w.settings.profile)
        self.core = GateCore(settings)
        self.stats = NetStats()
        self.upstream_stats = NetStats()
        self.bad = BadRequestCounter()
        self.routers: dict[int, SimConn] = {}
        self.upstreams: dict[int, Dialer] = {}
        self.alerts = BusSender(self.w, self.proc, settings.alerts.deadline_us)
        router_end = Endpoint(
            self.proc, self._router_opened, self._router_received, self._router_closed, self.stats
        )
        self.net.listen(self.name, "orders", router_end)
        self.net.listen(self.name, "admin", serve_admin(self))
        self.marketdata = Dialer(
            self.net, self.proc, MARKETDATA, self._md_opened, self._md_received,
            lambda _: None, stats=NetStats(),
        )  # fmt: skip
        self.marketdata.start()
        gate_admin.install_routes(
            self.admin, self.core, self.sched.clock.now, self.apply, self._stats, self.bad
        )

    def _stats(self) -> dict[str, Any]:
        return gate_admin.stats_view(
            self.core,
            self.stats,
            self.upstream_stats,
            self.bad,
            self.sched.now,
            self.marketdata.view(MARKETDATA),
            self.alerts.stats(),
        )

    # router sessions ---------------------------------------------------------------
    def _router_opened(self, conn: SimConn) -> None:
        self.routers[conn.id] = conn
        self.core.router_opened(conn.id, self.sched.now)

    def _router_received(self, conn: SimConn, items: Items) -> None:
        self.apply(self.core.on_router_messages(conn.id, items, self.sched.now))

    def _router_closed(self, conn: SimConn) -> None:
        self.routers.pop(conn.id, None)
        self.apply(self.core.router_closed(conn.id, self.sched.now))

    # exchange sessions and market data -----------------------------------------------------
    def _open_upstream(self, sid: int) -> None:
        up = Dialer(
            self.net, self.proc, UPSTREAM,
            partial(self._up_opened, sid), partial(self._up_received, sid),
            partial(self._up_closed, sid), refused=partial(self._up_refused, sid),
            stats=self.upstream_stats,
        )  # fmt: skip
        self.upstreams[sid] = up
        up.start()

    def _close_upstream(self, sid: int) -> None:
        up = self.upstreams.pop(sid, None)
        if up is not None:
            up.stop()

    def _up_opened(self, sid: int, conn: SimConn) -> None:
        self.apply(self.core.upstream_up(sid, self.sched.now))

    def _up_received(self, sid: int, conn: SimConn, items: Items) -> None:
        self.apply(self.core.on_upstream_messages(sid, items, self.sched.now))

    def _up_closed(self, sid: int, conn: SimConn) -> None:
        self.apply(self.core.upstream_down(sid, self.sched.now))

    def _up_refused(self, sid: int, error: str) -> None:
        self.apply(self.core.upstream_down(sid, self.sched.now))
        if sid not in self.routers:
            self._close_upstream(sid)

    def _md_opened(self, conn: SimConn) -> None:
        conn.up.send([Logon("gate")])

    def _md_received(self, conn: SimConn, items: Items) -> None:
        self.core.on_market_data(items, self.sched.now)

    # the core's outbox -------------------------------------------------------------------------
    def apply(self, out: GateOutbox) -> None:
        """Carry out what the core decided."""
        for sid, msgs in out.to_upstream.items():
            up = self.upstreams.get(sid)
            if msgs and up is not None:
                up.send(msgs)
        routers = self.routers
        for sid, msgs in out.to_router.items():
            conn = routers.get(sid)
            if msgs and conn is not None:
                conn.down.send(msgs)
        for sid in out.close_router:
            conn = routers.get(sid)
            if conn is not None:
                conn.close_by(conn.server)
        for sid, _ in out.open_upstream:
            self._open_upstream(sid)
        for sid in out.close_upstream:
            self._close_upstream(sid)
        if out.alerts:
            self.alerts.deadline_us = self.core.settings.alerts.deadline_us
            for alert in out.alerts:
                self.alerts.send(alert)
