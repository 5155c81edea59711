"""The market as the risk layer sees it: top of book per symbol, from the exchange feed.

Two prices matter. The *collar reference* is the side of the NBBO an order
would trade through (the ask for a buy, the bid for a sell), the way Knight's
collar was defined ("9.5% through the NBBO"). The *mark* values positions:
the mid when both sides are quoted, else the last trade, else whichever side
exists.

Staleness is judged on the feed, not the symbol: the exchange publishes a
symbol only when its top of book changes, so a quiet symbol is not a stale
one. The feed's age is the drill time since the newest exchange timestamp
received on it, so a feed that is cut, stalled or delayed in transit ages,
while a live feed with a quiet symbol does not.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.protocol import MarketData, Side

# Enum members as module constants: in CPython 3.11 ``Side.BUY`` is a
# descriptor call, about ten times the cost of a global on a hot path.
_BUY = Side.BUY


@dataclass(slots=True)
class Quote:
    """Latest top of book of one symbol."""

    bid: int
    ask: int
    last: int
    ts: int

    @property
    def mark(self) -> int:
        if self.bid > 0 and self.ask > 0:
            return (self.bid + self.ask) // 2
        if self.last > 0:
            return self.last
        return self.bid or self.ask


class MarketView:
    """Quotes by symbol; ``update`` returns the new mark so books can revalue."""

    __slots__ = ("newest_ts", "quotes", "updates")

    def __init__(self) -> None:
        self.quotes: dict[str, Quote] = {}
        self.updates = 0
        self.newest_ts: int | None = None

    def update(self, md: MarketData) -> int:
        """Take one market-data message; returns the symbol's mark (0 if nothing quoted)."""
        self.updates += 1
        if self.newest_ts is None or md.ts > self.newest_ts:
            self.newest_ts = md.ts
        quote = self.quotes.get(md.symbol)
        if quote is None:
            quote = self.quotes[md.symbol] = Quote(md.bid, md.ask, md.last, md.ts)
        else:
            quote.bid, quote.ask, quote.ts = md.bid, md.ask, md.ts
            if md.last > 0:
                quote.last = md.last
        return quote.mark

    def mark(self, symbol: str) -> int:
        quote = self.quotes.get(symbol)
        return 0 if quote is None else quote.mark

    def through_reference(self, symbol: str, side: Side) -> int:
        """The price an order of ``side`` trades through: ask for a buy, bid for a sell."""
        quote = self.quotes.get(symbol)
        if quote is None:
            return 0
        if side is _BUY:
            return quote.ask or quote.last or quote.bid
        return quote.bid or quote.last or quote.ask

    def feed_age(self, now: int) -> int | None:
        """Drill µs since the newest quote on the feed, ``None`` before the first."""
        return None if self.newest_ts is None else now - self.newest_ts

    def age(self, symbol: str, now: int) -> int | None:
        """Drill µs since the symbol's last quote, ``None`` if it never had one."""
        quote = self.quotes.get(symbol)
        return None if quote is None else now - quote.ts

    def as_dict(self, symbol: str) -> dict[str, int] | None:
        quote = self.quotes.get(symbol)
        if quote is None:
            return None
        return {"bid": quote.bid, "ask": quote.ask, "last": quote.last, "ts": quote.ts}
