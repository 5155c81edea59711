"""Stale market data: do not trade blind.

The exchange publishes a symbol only when its top of book changes, so the
age that matters is the feed's (``MarketView.feed_age``): the drill time since
the newest exchange timestamp received. A cut, stalled or delayed feed ages;
a quiet symbol on a live feed does not. A symbol that has never been quoted is
refused too when ``reject_if_missing``. Pre-trade, the gate refuses orders;
post-trade, the monitor warns that positions are being marked with old prices.
"""

from __future__ import annotations

from pydantic import Field

from services.protocol import NewChild, RejectReason
from services.risk.controls.base import ControlSettings, PreTradeControl
from services.risk.trips import Action, Breach


class StaleMarketDataSettings(ControlSettings):
    """How old a quote may be, and whether a symbol never quoted is refused."""

    max_age_us: int = Field(default=10_000_000, gt=0, description="oldest usable feed, drill µs")
    reject_if_missing: bool = Field(default=True, description="refuse symbols with no quote yet")


class StaleMarketData(PreTradeControl[StaleMarketDataSettings]):
    """Refuses orders in symbols whose last quote is older than ``max_age_us``."""

    name = "stale_market_data"

    def feed_breach(self, now: int, action: Action) -> Breach | None:
        """A breach if the feed is older than ``max_age_us`` (or never started)."""
        age = self.state.market.feed_age(now)
        if age is None:
            if not self.settings.reject_if_missing:
                return None
            text = "no market data"
        elif age > self.settings.max_age_us:
            text = f"market data {age // 1000} ms old"
        else:
            return None
        return Breach(self.name, RejectReason.STALE_MARKET_DATA, text, "feed", action)

    def check(self, session: str, child: NewChild, now: int) -> Breach | None:
        market = self.state.market
        newest = market.newest_ts
        if newest is not None and now - newest <= self.settings.max_age_us:
            if not self.settings.reject_if_missing or child.symbol in market.quotes:
                return None
            return Breach(self.name, RejectReason.STALE_MARKET_DATA, "no quote yet", child.symbol)
        return self.feed_breach(now, Action.REJECT)
