"""Power Peg: the 2003 code path that flag bit 3 still reached on Knight's eighth server.

Power Peg sends a marketable IOC child every ``interval_us`` of drill time
for as long as its parent lives, on the ticks of one grid (multiples of
``interval_us`` since midnight) shared by every Power Peg parent of the
router. It used to stop when the cumulative-quantity counter said the
parent was filled; in 2005 that check was moved earlier in
the code, out of Power Peg's way, and nobody retested Power Peg (SEC ¶14).
So on a build without ``power_peg_cum_qty`` the path never looks at fills:
children go out "without regard to executions already received" (¶15) until
the router is disabled or the parent is cancelled. Rejects from the gate,
the kill switch's included, do not stop it either; they only stop the
children from reaching the exchange.

The child's limit is pegged to the market as the router sees it: the last
fill price in the symbol (else the parent's limit), ``offset_bps`` through
it, so a runaway buyer keeps paying up as it lifts the offer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.protocol import Side, TimeInForce

# Enum members as module constants: in CPython 3.11 ``Side.BUY`` is a
# descriptor call, about ten times the cost of a global on a hot path.
_BUY = Side.BUY
_IOC = TimeInForce.IOC


if TYPE_CHECKING:
    from services.router.parents import ChildSink, ParentOrder

_TICK = 100  # one cent in 1e-4 dollar units


@dataclass(frozen=True, slots=True)
class PowerPegSettings:
    """Cadence and shape of Power Peg's children.

    ``max_burst`` bounds how many late ticks one timer call makes up for when
    the wrapper could not keep up with drill time; the rest are counted as
    skipped rather than sent in one flood.
    """

    interval_us: int = 70_000  # docs/calibration.md
    child_qty: int = 100
    offset_bps: int = 100
    max_burst: int = 20

    def __post_init__(self) -> None:
        if self.interval_us <= 0:
            raise ValueError(f"power peg interval must be positive, got {self.interval_us} µs")
        if self.child_qty <= 0:
            raise ValueError(f"power peg child size must be positive, got {self.child_qty}")
        if not 0 <= self.offset_bps < 10_000:
            raise ValueError(f"power peg offset must be 0..9999 bps, got {self.offset_bps}")
        if self.max_burst <= 0:
            raise ValueError(f"power peg burst must be positive, got {self.max_burst}")


class PowerPegPath:
    """Works one parent the Power Peg way; see the module docstring."""

    ended = ""

    def __init__(
        self,
        parent: ParentOrder,
        settings: PowerPegSettings,
        counter_attached: bool,
        start_us: int,
    ) -> None:
        self.parent = parent
        self.settings = settings
        self.counter_attached = counter_attached
        # Ticks fall on one grid of ``interval_us`` multiples of drill time, so
        # every Power Peg parent of a router ticks in the same instant and its
        # children leave as one batch, as from one timer loop; a parent that
        # starts between two ticks (the open too, off the grid) waits for the next.
        interval = settings.interval_us
        self.next_due = -(-start_us // interval) * interval
        self.ticks = 0
        self.ticks_skipped = 0

    @property
    def stops_when_filled(self) -> bool:
        return self.counter_attached

    def next_wakeup(self) -> int | None:
        return self.next_due

    def working_children(self) -> list[int]:
        # IOC children: nothing rests on the book to cancel.
        return []

    def on_timer(self, now: int, sink: ChildSink) -> None:
        if now < self.next_due:
            return
        interval = self.settings.interval_us
        due = 1 + (now - self.next_due) // interval
        burst = min(due, self.settings.max_burst)
        self.ticks_skipped += due - burst
        self.next_due += due * interval
        counter = self.parent.counter
        for _ in range(burst):
            self.ticks += 1
            qty = self.settings.child_qty
            if self.counter_attached:
                if counter.complete:
                    return
                qty = min(qty, counter.parent_qty - counter.filled)
            sink.send_child(self.parent, qty, self.price(sink), _IOC, now)

    def price(self, sink: ChildSink) -> int:
        order = self.parent.order
        last = sink.last_price(order.symbol)
        bps = self.settings.offset_bps
        if order.side is _BUY:
            ref = max(order.price, last or 0)
            raw = ref * (10_000 + bps)
            # Round up to a cent: a buy limit rounded down could stop being marketable.
            return -(-raw // (10_000 * _TICK)) * _TICK
        ref = min(order.price, last) if last else order.price
        raw = ref * (10_000 - bps)
        return max(_TICK, raw // (10_000 * _TICK) * _TICK)

    def on_execution(self, order_id: int, qty: int, leaves: int, now: int) -> None:
        """Fills are on the counter already; Power Peg itself does not care."""

    def on_child_ended(self, order_id: int, now: int) -> None:
        """Nothing to settle: IOC children are fire and forget."""

    def on_gate_down(self) -> None:
        """Ticks go on; the core counts the children that cannot leave."""

    def on_gate_up(self, now: int, sink: ChildSink) -> None:
        """Nothing to resend: the next tick simply gets through again."""
