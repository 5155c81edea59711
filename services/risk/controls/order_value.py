"""Maximum order value: reject a child order whose notional exceeds a set maximum."""

from __future__ import annotations

from pydantic import Field

from services.protocol import PRICE_SCALE, NewChild, RejectReason
from services.risk.controls.base import ControlSettings, PreTradeControl
from services.risk.trips import Breach


class MaxOrderValueSettings(ControlSettings):
    """NYSE 7.19 single-order maximum notional."""

    max_dollars: int = Field(default=1_000_000, gt=0, description="notional per order, dollars")


class MaxOrderValue(PreTradeControl[MaxOrderValueSettings]):
    """Refuses orders whose quantity times limit price exceeds ``max_dollars``."""

    name = "max_order_value"
    _max = 0

    def configure(self, settings: MaxOrderValueSettings) -> None:
        super().configure(settings)
        self._max = settings.max_dollars * PRICE_SCALE

    def check(self, session: str, child: NewChild, now: int) -> Breach | None:
        value = child.qty * child.price
        if value <= self._max:
            return None
        return Breach(
            self.name,
            RejectReason.MAX_ORDER_VALUE,
            f"value ${value // PRICE_SCALE} > max ${self.settings.max_dollars}",
            session,
        )
