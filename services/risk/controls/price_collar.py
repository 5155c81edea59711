"""Price collar: reject a limit price too far through the NBBO.

A buy is measured against the ask and a sell against the bid: the side it
would trade through. Knight's collar was 9.5% through the NBBO and did not
apply before the open (``pre_open: false``), so it missed the pre-open orders
and every move smaller than 9.5%. Without a quote there is nothing to measure
against and the collar passes; the stale-market-data control is the one that
refuses to trade blind.
"""

from __future__ import annotations

from pydantic import Field

from services.clock import MARKET_OPEN_US
from services.protocol import NewChild, RejectReason, Side
from services.risk.controls.base import ControlSettings, PreTradeControl, session_symbol
from services.risk.trips import Breach

# Enum members as module constants: in CPython 3.11 ``Side.BUY`` is a
# descriptor call, about ten times the cost of a global on a hot path.
_BUY = Side.BUY


_BPS = 10_000


class PriceCollarSettings(ControlSettings):
    """How far through the NBBO a limit price may be, and whether before the open too."""

    percent: float = Field(default=5.0, gt=0, le=100, description="percent through the NBBO")
    pre_open: bool = Field(default=True, description="also apply before 09:30")


class PriceCollar(PreTradeControl[PriceCollarSettings]):
    """Refuses a buy above ask x (1 + p) or a sell below bid x (1 - p)."""

    name = "price_collar"
    _bps = 0

    def configure(self, settings: PriceCollarSettings) -> None:
        super().configure(settings)
        self._bps = round(settings.percent * 100)

    def check(self, session: str, child: NewChild, now: int) -> Breach | None:
        if now < MARKET_OPEN_US and not self.settings.pre_open:
            return None
        ref = self.state.market.through_reference(child.symbol, child.side)
        if ref <= 0:
            return None
        if child.side is _BUY:
            bound = ref + ref * self._bps // _BPS
            if child.price <= bound:
                return None
        else:
            bound = ref - ref * self._bps // _BPS
            if child.price >= bound:
                return None
        return Breach(
            self.name,
            RejectReason.PRICE_COLLAR,
            f"price {child.price} beyond collar {bound}",
            session_symbol(session, child.symbol),
        )
