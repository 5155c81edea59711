"""Maximum order size: reject a child order for more shares than a set maximum."""

from __future__ import annotations

from pydantic import Field

from services.protocol import NewChild, RejectReason
from services.risk.controls.base import ControlSettings, PreTradeControl
from services.risk.trips import Breach


class MaxOrderSizeSettings(ControlSettings):
    """NYSE 7.19 single-order maximum quantity."""

    max_qty: int = Field(default=10_000, gt=0, description="shares per order")


class MaxOrderSize(PreTradeControl[MaxOrderSizeSettings]):
    """Refuses orders above ``max_qty`` shares."""

    name = "max_order_size"
    _max = 0

    def configure(self, settings: MaxOrderSizeSettings) -> None:
        super().configure(settings)
        self._max = settings.max_qty

    def check(self, session: str, child: NewChild, now: int) -> Breach | None:
        if child.qty <= self._max:
            return None
        return Breach(
            self.name, RejectReason.MAX_ORDER_SIZE, f"qty {child.qty} > max {self._max}", session
        )
