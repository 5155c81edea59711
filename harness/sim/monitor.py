"""The risk monitor in the world: drop copy and market data in, alerts and kill requests out."""

from __future__ import annotations

from functools import partial
from typing import Any

from harness.sim.calls import BusSender, LinkCall
from harness.sim.dialer import Dialer
from harness.sim.links import Items, SimConn
from harness.sim.node import Node, Wiring
from services.monitor.core import MonitorActions, MonitorCore
from services.monitor.service import install_routes, stats_view
from services.net.admin import JSON
from services.net.framing import NetStats
from services.protocol import Logon
from services.risk.profiles import profile
from services.risk.requests import BadRequestCounter

DROPCOPY = "exchange->monitor:dropcopy"
MARKETDATA = "exchange->monitor:marketdata"
GATE_ADMIN = "monitor->gate:admin"
_KILL_TIMEOUT_US = 5_000_000
_FETCH_TIMEOUT_US = 3_000_000


class MonitorNode(Node):
    """``MonitorCore`` on its feeds; kills and history queries cross ``monitor->gate:admin``."""

    def __init__(self, wiring: Wiring) -> None:
        super().__init__("monitor", wiring)

    def boot(self) -> None:
        settings = profile(self.w.settings.profile)
        self.core = MonitorCore(settings, sessions="*")
        self.bad = BadRequestCounter()
        self.alerts = BusSender(self.w, self.proc, settings.alerts.deadline_us)
        self.kills_sent = 0
        self.kills_failed = 0
        self.kill_error = ""
        self.dropcopy = Dialer(
            self.net, self.proc, DROPCOPY, self._dc_opened, self._dc_received,
            lambda _: None, stats=NetStats(),
        )  # fmt: skip
        self.marketdata = Dialer(
            self.net, self.proc, MARKETDATA, self._md_opened, self._md_received,
            lambda _: None, stats=NetStats(),
        )  # fmt: skip
        self.dropcopy.start()
        self.marketdata.start()
        install_routes(self.admin, self.core, self.sched.clock.now, self.arm, self._stats, self.bad)

    def _stats(self) -> dict[str, Any]:
        feeds = {
            "dropcopy": self.dropcopy.view(DROPCOPY),
            "marketdata": self.marketdata.view(MARKETDATA),
        }
        posts = {
            "sent": self.kills_sent,
            "failed": self.kills_failed,
            "last_error": self.kill_error,
        }
        return stats_view(self.core, self.sched.now, feeds, self.bad, posts, self.alerts.stats())

    # feeds and time -------------------------------------------------------------------
    def _dc_opened(self, conn: SimConn) -> None:
        conn.up.send([Logon("monitor")])
        self.core.dropcopy_subscribed(self.sched.now)
        self.arm()

    def _dc_received(self, conn: SimConn, items: Items) -> None:
        self.apply(self.core.on_drop_copies(items, self.sched.now), rearm=False)

    def _md_opened(self, conn: SimConn) -> None:
        conn.up.send([Logon("monitor")])

    def _md_received(self, conn: SimConn, items: Items) -> None:
        self.apply(self.core.on_market_data(items, self.sched.now), rearm=False)

    def next_wakeup(self) -> int | None:
        return self.core.next_wakeup()

    def on_timer(self, now: int) -> None:
        self.apply(self.core.on_timer(now))

    # actions ---------------------------------------------------------------------------------
    def apply(self, actions: MonitorActions, rearm: bool = True) -> None:
        """Carry out the core's actions; ``rearm=False`` after a feed's messages.

        Fills only push the screen's next refresh later (a busier market lags
        more) and touch no other timer, so a timer already armed stands; the
        asyncio wrapper likewise only looks at the core's wake-up every 0.25 s.
        """
        if actions.alerts:
            self.alerts.deadline_us = self.core.settings.alerts.deadline_us
            for alert in actions.alerts:
                self.alerts.send(alert)
        for kill in actions.kills:
            LinkCall(
                self.w, self.proc, GATE_ADMIN, "POST", "/kill", kill, _KILL_TIMEOUT_US,
                self._kill_done,
            )  # fmt: skip
        cutoff = actions.fetch_gate_before
        if cutoff is not None:
            LinkCall(
                self.w, self.proc, GATE_ADMIN, "GET", f"/executions?before={cutoff}", None,
                _FETCH_TIMEOUT_US, partial(self._gate_records, cutoff),
            )  # fmt: skip
        if rearm or self.proc.timer_at is None:
            self.arm()

    def _kill_done(self, answer: JSON | None, error: str) -> None:
        if answer is None:
            self.kills_failed += 1
            self.kill_error = error
        else:
            self.kills_sent += 1

    def _gate_records(self, cutoff: int, answer: JSON | None, error: str) -> None:
        if answer is None:
            self.core.gate_records_failed(error)
            return
        sessions = answer.get("sessions")
        if not answer.get("complete") or not isinstance(sessions, dict):
            self.core.gate_records_failed(f"gate history does not reach {cutoff}")
            return
        self.apply(self.core.on_gate_records(cutoff, sessions, self.sched.now))
