"""Output-vs-input reconciliation: a parent never produces more than its quantity.

SEC ¶21: Knight had no comparison of the orders leaving SMARS with the orders
entering it. Every child carries its parent's quantity (``parent_qty``), so
the gate can hold the router to it: for each (session, parent) the shares
executed, plus the shares still working, plus the new child, must not exceed
``parent_qty``. Power Peg, whose cumulative-quantity counter was detached,
fails this on the first child past the parent's size. A child that changes
its parent's stated quantity is refused too, and so is a parent whose total
child quantity sent (filled or not) passes ``max_sent_ratio`` times its size,
which catches a runaway whose children never fill.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from services.protocol import NewChild, RejectReason
from services.risk.controls.base import ControlSettings, PreTradeControl, RiskState
from services.risk.trips import Action, Breach


class ReconciliationSettings(ControlSettings):
    """How the gate holds a router's children to their parent's quantity."""

    kill_on_trip: bool = Field(default=True, description="throw the kill switch on a breach")
    max_sent_ratio: float = Field(default=20.0, ge=1, description="child shares sent / parent qty")


class ParentTally:
    """What the gate has seen of one parent: its size, executed and sent shares."""

    __slots__ = ("executed", "parent_qty", "sent")

    def __init__(self, parent_qty: int) -> None:
        self.parent_qty = parent_qty
        self.executed = 0
        self.sent = 0


class OutputInputReconciliation(PreTradeControl[ReconciliationSettings]):
    """Compares every child with its parent's quantity."""

    name = "reconciliation"

    def __init__(self, settings: ReconciliationSettings, state: RiskState) -> None:
        self.parents: dict[tuple[str, int], ParentTally] = {}
        super().__init__(settings, state)

    def _breach(self, session: str, child: NewChild, text: str) -> Breach:
        action = Action.KILL if self.settings.kill_on_trip else Action.REJECT
        return Breach(
            self.name, RejectReason.RECONCILIATION, text, f"{session}/{child.parent_id}", action
        )

    def check(self, session: str, child: NewChild, now: int) -> Breach | None:
        tally = self.parents.get((session, child.parent_id))
        if tally is None:
            if child.qty > child.parent_qty:
                return self._breach(
                    session, child, f"child {child.qty} > parent {child.parent_qty}"
                )
            return None
        if child.parent_qty != tally.parent_qty:
            return self._breach(
                session, child, f"parent qty {tally.parent_qty} now {child.parent_qty}"
            )
        working = self.state.working.parent_open(session, child.parent_id)
        used = tally.executed + working + child.qty
        if used > tally.parent_qty:
            return self._breach(
                session,
                child,
                f"parent {child.parent_id}: {used} > qty {tally.parent_qty}",
            )
        if tally.sent + child.qty > tally.parent_qty * self.settings.max_sent_ratio:
            return self._breach(
                session, child, f"parent {child.parent_id}: sent {tally.sent + child.qty}"
            )
        return None

    def on_accept(self, session: str, child: NewChild) -> None:
        key = (session, child.parent_id)
        tally = self.parents.get(key)
        if tally is None:
            tally = self.parents[key] = ParentTally(child.parent_qty)
        tally.sent += child.qty

    def on_fill(self, session: str, parent_id: int, qty: int) -> None:
        tally = self.parents.get((session, parent_id))
        if tally is not None:
            tally.executed += qty

    def report(self) -> dict[str, Any]:
        over = [
            {"key": f"{s}/{p}", "parent_qty": t.parent_qty, "executed": t.executed, "sent": t.sent}
            for (s, p), t in self.parents.items()
            if t.executed > t.parent_qty or t.sent > t.parent_qty
        ]
        return {"parents": len(self.parents), "over_parent_qty": over[:50]}
