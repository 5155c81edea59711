"""The normal path: marketable children for the open quantity, stopped by the counter.

``CumulativeQuantity`` is the function SEC ¶13 describes: it counts fills
against the parent quantity so the router stops sending children once the
parent is filled. The normal path consults it before every child. (Power Peg
has its own path; since the 2005 refactor it no longer consults the counter.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.protocol import TimeInForce

if TYPE_CHECKING:
    from services.router.parents import ChildSink, ParentOrder


class CumulativeQuantity:
    """Fills and working quantity against a parent's quantity.

    ``working`` is quantity on children not yet finished; it is counted with
    the fills so that a child in flight is never sent twice.
    """

    __slots__ = ("filled", "parent_qty", "working")

    def __init__(self, parent_qty: int) -> None:
        self.parent_qty = parent_qty
        self.filled = 0
        self.working = 0

    @property
    def open_qty(self) -> int:
        return max(0, self.parent_qty - self.filled - self.working)

    @property
    def complete(self) -> bool:
        return self.filled >= self.parent_qty


@dataclass(frozen=True, slots=True)
class SlicingSettings:
    """``max_child_qty`` 0 sends the whole open quantity in one child."""

    max_child_qty: int = 0
    retry_us: int = 1_000_000


class SlicingPath:
    """Works one parent: children at the parent's limit for its open quantity.

    A child lives until the gate rejects it, the exchange cancels it, or a
    fill leaves nothing. If the parent still has open quantity then, a DAY
    parent tries again after ``retry_us`` and an IOC parent ends. While the
    gate is down nothing is sent; its children are presumed cancelled (the
    exchange cancels on disconnect) and the work resumes when it is back.
    """

    stops_when_filled = True

    def __init__(self, parent: ParentOrder, settings: SlicingSettings) -> None:
        self.parent = parent
        self.settings = settings
        self.children: dict[int, int] = {}  # child id -> shares still working
        self.retry_at: int | None = None
        self.ended = ""
        self._tried = False

    def next_wakeup(self) -> int | None:
        return self.retry_at

    def working_children(self) -> list[int]:
        return list(self.children)

    def work(self, now: int, sink: ChildSink) -> None:
        self.retry_at = None
        counter = self.parent.counter
        order = self.parent.order
        while counter.open_qty > 0:
            qty = counter.open_qty
            if self.settings.max_child_qty > 0:
                qty = min(qty, self.settings.max_child_qty)
            cid = sink.send_child(self.parent, qty, order.price, order.tif, now)
            if cid is None:
                return
            self._tried = True
            self.children[cid] = qty
            counter.working += qty

    def on_timer(self, now: int, sink: ChildSink) -> None:
        if self.retry_at is not None and now >= self.retry_at:
            self.work(now, sink)

    def on_execution(self, order_id: int, qty: int, leaves: int, now: int) -> None:
        """Fills are already on the counter; this settles the child's working quantity."""
        before = self.children.get(order_id)
        if before is None:
            return
        counter = self.parent.counter
        counter.working -= before
        remaining = min(leaves, max(0, before - qty))
        if remaining > 0:
            self.children[order_id] = remaining
            counter.working += remaining
        else:
            del self.children[order_id]
            self._child_ended(now)

    def on_child_ended(self, order_id: int, now: int) -> None:
        """A cancel ack (or anything else that ends a child without a fill)."""
        before = self.children.pop(order_id, None)
        if before is not None:
            self.parent.counter.working -= before
            self._child_ended(now)

    def on_gate_down(self) -> None:
        self.parent.counter.working -= sum(self.children.values())
        had_children = bool(self.children)
        self.children.clear()
        self.retry_at = None
        if had_children and self.parent.order.tif is TimeInForce.IOC:
            self.ended = "gate connection lost"

    def on_gate_up(self, now: int, sink: ChildSink) -> None:
        if not self.ended:
            self.work(now, sink)

    def _child_ended(self, now: int) -> None:
        if self.children or self.parent.counter.complete:
            return
        if self.parent.order.tif is TimeInForce.IOC and self._tried:
            self.ended = "immediate-or-cancel remainder"
        else:
            self.retry_at = now + self.settings.retry_us
