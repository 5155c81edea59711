"""Duplicate orders: reject orders that look like repeats of one another.

Rule 15c3-5 (c)(1)(ii) asks for a check on orders "that appear duplicative";
no number is published. Here two child orders are duplicates when one session
sends the same parent, symbol, side, quantity, price and time in force, and
more than ``max_identical`` such orders inside ``window_us`` are refused. A
router that re-sends the same child again and again for one parent (Power
Peg sending 100 shares at an unchanged ask) looks exactly like that.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from services.protocol import NewChild, RejectReason
from services.risk.controls.base import ControlSettings, PreTradeControl, RiskState
from services.risk.trips import Breach
from services.risk.window import SlidingWindowCounter

_PRUNE_AT = 20_000


class DuplicateOrderSettings(ControlSettings):
    """How many identical orders a window may hold."""

    window_us: int = Field(default=1_000_000, gt=0, description="window, drill µs")
    max_identical: int = Field(
        default=10, gt=0, description="identical orders allowed in the window"
    )


class DuplicateOrders(PreTradeControl[DuplicateOrderSettings]):
    """Counts identical orders per key in a sliding window."""

    name = "duplicate_orders"

    def __init__(self, settings: DuplicateOrderSettings, state: RiskState) -> None:
        self._seen: dict[tuple[object, ...], SlidingWindowCounter] = {}
        self._prune_at = _PRUNE_AT
        super().__init__(settings, state)

    def configure(self, settings: DuplicateOrderSettings) -> None:
        super().configure(settings)
        self._seen = {}

    def check(self, session: str, child: NewChild, now: int) -> Breach | None:
        key = (
            session,
            child.parent_id,
            child.symbol,
            child.side,
            child.qty,
            child.price,
            child.tif,
        )
        window = self._seen.get(key)
        if window is None:
            if len(self._seen) >= self._prune_at:
                self._prune(now)
            window = self._seen[key] = SlidingWindowCounter(self.settings.window_us)
        count = window.add(now)
        if count <= self.settings.max_identical:
            return None
        return Breach(
            self.name,
            RejectReason.DUPLICATE_ORDER,
            f"{count} identical orders in window",
            f"{session}/{child.parent_id}",
        )

    def _prune(self, now: int) -> None:
        # Keys whose window has emptied carry no information. If most are still
        # live, wait for twice as many before scanning again, so a burst of
        # distinct orders costs amortised O(1) each rather than a scan each.
        self._seen = {k: w for k, w in self._seen.items() if w.count(now)}
        self._prune_at = max(_PRUNE_AT, 2 * len(self._seen))

    def report(self) -> dict[str, Any]:
        return {"keys": len(self._seen)}
