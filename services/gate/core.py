"""The pre-trade risk gate as a sans-I/O state machine.

Routers log on to the gate (``LOGON router-N``); for each router session the
gate opens one exchange session under the same name, so the exchange's
cancel-on-disconnect and drop copy stay per router. Until that session is up
a router's orders are held; while it is down they are rejected with
``UPSTREAM_DOWN``. Once it is up every order message takes the ``OrderPath``
(throttle, pre-trade controls, out or back). Acks, executions, cancel acks
and rejects from the exchange are relayed to the router they belong to, and
the ``Bookkeeper`` books executions and market data where the controls read
them.

Nothing here reads a clock or touches a socket: every call takes ``now``
(drill µs) and returns a ``GateOutbox``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from services.gate.bookkeeping import Bookkeeper
from services.gate.controls import GateControls
from services.gate.links import KillSwitchDisabled, RouterLink, Upstream
from services.gate.order_path import OrderPath
from services.gate.outbox import GateOutbox
from services.protocol import (
    Ack,
    Cancel,
    CancelAck,
    CancelAll,
    Execution,
    Heartbeat,
    Logon,
    Message,
    NewChild,
    Reject,
    RejectReason,
)
from services.risk.controls import RiskState
from services.risk.ledger import ExecutionLedger
from services.risk.positions import dollars
from services.risk.profiles import apply_patch
from services.risk.settings import RiskSettings
from services.risk.trips import TripLog

_MAX_PENDING = 10_000


class GateCore:
    """Routes router sessions to exchange sessions through the pre-trade controls."""

    def __init__(self, settings: RiskSettings, source: str = "gate") -> None:
        self.source = source
        self.state = RiskState()
        self.controls = GateControls(settings, self.state)
        self.trips = TripLog(source)
        self.ledger = ExecutionLedger()
        self.links: dict[int, RouterLink] = {}
        self.counters: dict[str, int] = {
            "orders_in": 0,
            "orders_sent": 0,
            "orders_rejected": 0,
            "cancels_in": 0,
            "executions": 0,
            "shares_executed": 0,
            "unknown_executions": 0,
            "upstream_connects": 0,
            "upstream_losses": 0,
            "cancelled_on_disconnect": 0,
            "kills": 0,
        }
        self.orders = OrderPath(
            self.controls, self.state, self.trips, self.counters, self.links, source
        )
        self.bookkeeper = Bookkeeper(self.state, self.controls, self.ledger, self.counters)

    @property
    def settings(self) -> RiskSettings:
        return self.controls.settings

    # router sessions ---------------------------------------------------------
    def router_opened(self, sid: int, now: int) -> None:
        self.links[sid] = RouterLink(sid)

    def on_router_messages(self, sid: int, messages: Iterable[Message], now: int) -> GateOutbox:
        out = GateOutbox()
        link = self.links.get(sid)
        if link is None:
            return out
        for msg in messages:
            if sid in out.close_router:
                break
            if not link.name:
                self._logon(link, msg, out)
            elif isinstance(msg, Logon):
                out.router(sid).append(
                    Reject(0, RejectReason.BAD_FIELD, f"already logged on as {link.name}")
                )
            elif isinstance(msg, NewChild | Cancel | CancelAll | Heartbeat):
                self._from_router(link, msg, now, out)
            else:
                text = f"{msg.TYPE.name} is not taken from a router"
                out.router(sid).append(Reject(0, RejectReason.UNKNOWN_TYPE, text[:48]))
        return out

    def router_closed(self, sid: int, now: int) -> GateOutbox:
        """The router went away: close its exchange session so the venue cancels its orders."""
        out = GateOutbox()
        link = self.links.pop(sid, None)
        if link is None:
            return out
        self.controls.message_throttle.forget(sid)
        if link.upstream is not Upstream.NONE:
            out.close_upstream.append(sid)
        self.counters["cancelled_on_disconnect"] += len(self.state.working.remove_session(sid))
        return out

    def _logon(self, link: RouterLink, msg: Message, out: GateOutbox) -> None:
        if not isinstance(msg, Logon) or not msg.session.strip():
            text = "LOGON first" if not isinstance(msg, Logon) else "LOGON: blank session"
            out.router(link.sid).append(Reject(0, RejectReason.NOT_LOGGED_ON, text))
            out.close_router.append(link.sid)
            return
        link.name = msg.session
        link.upstream = Upstream.CONNECTING
        out.open_upstream.append((link.sid, link.name))

    def _from_router(self, link: RouterLink, msg: Message, now: int, out: GateOutbox) -> None:
        state = link.upstream
        if state is Upstream.UP:
            self.orders.route(link, msg, now, out)
        elif state is Upstream.CONNECTING and len(link.pending) < _MAX_PENDING:
            link.pending.append(msg)
        else:
            self._refuse_upstream_down(link, msg, out)

    def _refuse_upstream_down(self, link: RouterLink, msg: Message, out: GateOutbox) -> None:
        if isinstance(msg, NewChild | Cancel):
            self.orders.count_reject(RejectReason.UPSTREAM_DOWN)
            out.router(link.sid).append(
                Reject(msg.order_id, RejectReason.UPSTREAM_DOWN, "exchange session down")
            )
        elif isinstance(msg, CancelAll):
            out.router(link.sid).append(
                Reject(0, RejectReason.UPSTREAM_DOWN, "exchange session down")
            )

    # kill switch ---------------------------------------------------------------
    def kill(self, reason: str, by: str, now: int) -> GateOutbox:
        """Throw the kill switch (a person, or the monitor); raises if it is switched off."""
        if not self.controls.kill_switch.enabled:
            raise KillSwitchDisabled("kill_switch: the control is switched off")
        out = GateOutbox()
        self.orders.throw(reason, by, now, out)
        return out

    def unkill(self, by: str, now: int) -> bool:
        """Reset the kill switch; only a named person may."""
        reset = self.controls.kill_switch.reset(by, now)
        if reset:
            self.trips.rearm(self.controls.kill_switch.name)
        return reset

    def reenable(self, session: str | None, symbol: str | None, by: str, now: int) -> list[str]:
        """Re-enable keys the repeated-execution throttle disabled."""
        keys = self.controls.repeated_execution.reenable(session, symbol)
        for key in keys:
            self.trips.rearm(self.controls.repeated_execution.name, key)
        return keys

    # exchange sessions -------------------------------------------------------------
    def upstream_up(self, sid: int, now: int) -> GateOutbox:
        """The exchange session for router ``sid`` connected: log on and send what was held."""
        out = GateOutbox()
        link = self.links.get(sid)
        if link is None:
            out.close_upstream.append(sid)
            return out
        self.counters["upstream_connects"] += 1
        link.upstream = Upstream.UP
        out.upstream(sid).append(Logon(link.name))
        pending, link.pending = link.pending, []
        for msg in pending:
            self.orders.route(link, msg, now, out)
        return out

    def upstream_down(self, sid: int, now: int) -> GateOutbox:
        """The exchange session was lost or refused; the venue cancels what it had working."""
        out = GateOutbox()
        link = self.links.get(sid)
        if link is None:
            return out
        if link.upstream is Upstream.UP:
            self.counters["upstream_losses"] += 1
        link.upstream = Upstream.DOWN
        pending, link.pending = link.pending, []
        for msg in pending:
            self._refuse_upstream_down(link, msg, out)
        gone = self.state.working.remove_session(sid)
        self.counters["cancelled_on_disconnect"] += len(gone)
        for order in gone:
            out.router(sid).append(CancelAck(order.order_id, order.leaves))
        return out

    def on_upstream_messages(self, sid: int, messages: Iterable[Message], now: int) -> GateOutbox:
        out = GateOutbox()
        link = self.links.get(sid)
        if link is None:
            return out
        relay = out.router(sid)
        working = self.state.working
        execution = self.bookkeeper.execution
        name = link.name
        for msg in messages:
            if type(msg) is Ack:  # most of what comes back: one per order
                relay.append(msg)
                continue
            if isinstance(msg, Execution):
                execution(sid, name, msg)
            elif isinstance(msg, CancelAck | Reject):
                working.remove(sid, msg.order_id)
            elif not isinstance(msg, Ack | Heartbeat):
                continue
            relay.append(msg)
        return out

    def on_market_data(self, messages: Iterable[Message], now: int) -> None:
        self.bookkeeper.market_data(messages)

    # settings and reports --------------------------------------------------------------
    def update_controls(self, patch: Mapping[str, Any]) -> RiskSettings:
        """Merge a partial settings object; raises ``SettingsError`` naming the bad field."""
        settings = apply_patch(self.settings, patch)
        self.controls.configure(settings)
        return settings

    def controls_report(self) -> dict[str, Any]:
        return self.controls.report()

    def executions_before(self, cutoff: int) -> dict[str, Any]:
        """The gate's executed totals before ``cutoff``, for drop-copy reconciliation."""
        return {
            "cutoff": cutoff,
            "complete": self.ledger.covers(cutoff),
            "sessions": self.ledger.totals_before(cutoff),
        }

    def stats(self) -> dict[str, Any]:
        kill_switch = self.controls.kill_switch
        return {
            "profile": self.settings.profile,
            **self.counters,
            "rejects": dict(self.orders.rejects),
            "working_orders": len(self.state.working),
            "routers": {
                str(link.sid): {"name": link.name, "upstream": link.upstream.value}
                for link in self.links.values()
            },
            "kill_switch": {"thrown": kill_switch.thrown, **kill_switch.report()},
            "trips": self.trips.as_list(),
            "trip_summary": self.trips.summary(),
            "exposure": self.state.book.exposure(),
            # ``pnl_report()["total_dollars"]`` without building the whole report.
            "pnl_dollars": dollars(self.state.book.pnl),
        }
