"""The path of one order message through the gate: throttle, controls, out or back.

A logged-on router's order messages come here once its exchange session is
up. The message throttle counts every one; a new child then runs the chain of
enabled pre-trade controls (``GateControls.chain``) and is either sent up and
entered as working, or rejected back with the first refusing control's reason
code; cancels go up unless the session is over its logout limit. A breach is
recorded as a trip (with an alert when the profile has automated alerts) and,
when its action is ``kill`` and the profile lets controls throw the kill
switch, throws it: CANCEL_ALL on every exchange session that is up.
"""

from __future__ import annotations

from collections.abc import Mapping

from services.gate.controls import GateControls
from services.gate.links import RouterLink, Upstream
from services.gate.outbox import GateOutbox
from services.protocol import Cancel, CancelAll, Message, NewChild, Reject, RejectReason
from services.risk.alerting import trip_alert
from services.risk.controls import RiskState
from services.risk.trips import Action, Breach, Trip, TripLog


class OrderPath:
    """Decides, order by order, what goes to the exchange; owns throwing the kill switch."""

    def __init__(
        self,
        controls: GateControls,
        state: RiskState,
        trips: TripLog,
        counters: dict[str, int],
        links: Mapping[int, RouterLink],
        source: str,
    ) -> None:
        self.controls = controls
        self.state = state
        self.trips = trips
        self.counters = counters
        self.links = links
        self.source = source
        self.rejects: dict[str, int] = {}

    def route(self, link: RouterLink, msg: Message, now: int, out: GateOutbox) -> None:
        """One message of a logged-on router whose exchange session is up."""
        if not isinstance(msg, NewChild | Cancel | CancelAll):
            out.upstream(link.sid).append(msg)  # heartbeats
            return
        throttle = self.controls.message_throttle
        if throttle.enabled:
            breach = throttle.admit(link.sid, link.name, now)
            if breach is not None:
                self.breach(breach, now, out)
                if breach.action is Action.LOGOUT:
                    order_id = 0 if isinstance(msg, CancelAll) else msg.order_id
                    self.reject(link.sid, order_id, breach, out)
                    out.close_router.append(link.sid)
                    return
                if isinstance(msg, NewChild):
                    self.reject(link.sid, msg.order_id, breach, out)
                    return
        if isinstance(msg, NewChild):
            self.new_child(link, msg, now, out)
        else:
            self.counters["cancels_in"] += 1
            out.upstream(link.sid).append(msg)

    def new_child(self, link: RouterLink, child: NewChild, now: int, out: GateOutbox) -> None:
        self.counters["orders_in"] += 1
        sid, session = link.sid, link.name
        working = self.state.working
        if (sid, child.order_id) in working:
            self.count_reject(RejectReason.DUPLICATE_ID)
            text = f"order id {child.order_id} is working"
            out.router(sid).append(Reject(child.order_id, RejectReason.DUPLICATE_ID, text))
            return
        kill_switch = self.controls.kill_switch
        for control in self.controls.chain:
            breach = control.check(session, child, now)
            if breach is None:
                continue
            # Refusals while the switch is thrown follow from the trip that threw it.
            if control is not kill_switch:
                self.breach(breach, now, out)
            if breach.action is not Action.NOTIFY:
                self.reject(sid, child.order_id, breach, out)
                return
        working.add(sid, session, child, now)
        self.controls.reconciliation.on_accept(session, child)
        self.counters["orders_sent"] += 1
        out.upstream(sid).append(child)

    def reject(self, sid: int, order_id: int, breach: Breach, out: GateOutbox) -> None:
        self.count_reject(breach.reason)
        out.router(sid).append(Reject(order_id, breach.reason, breach.text[:48]))

    def count_reject(self, reason: RejectReason) -> None:
        self.counters["orders_rejected"] += 1
        self.rejects[reason.name] = self.rejects.get(reason.name, 0) + 1

    def breach(self, breach: Breach, now: int, out: GateOutbox) -> None:
        trip = self.trips.record(breach, now)
        if trip is not None:
            self.alert(trip, out)
        if breach.action is Action.KILL:
            kill_switch = self.controls.kill_switch
            if kill_switch.enabled and kill_switch.settings.automatic:
                self.throw(f"{breach.control}: {breach.text}", self.source, now, out)

    def alert(self, trip: Trip, out: GateOutbox) -> None:
        if self.controls.settings.alerts.enabled:
            out.alerts.append(trip_alert(trip))

    def throw(self, reason: str, by: str, now: int, out: GateOutbox) -> None:
        """Throw the kill switch (once) and cancel everything working at the venue."""
        kill_switch = self.controls.kill_switch
        if not kill_switch.throw(reason, by, now):
            return
        self.counters["kills"] += 1
        breach = Breach(kill_switch.name, RejectReason.KILL_SWITCH, reason, by, Action.KILL)
        trip = self.trips.record(breach, now)
        if trip is not None:
            self.alert(trip, out)
        if kill_switch.settings.cancel_working:
            for link in self.links.values():
                if link.upstream is Upstream.UP:
                    out.upstream(link.sid).append(CancelAll(""))
