"""Conflated top-of-book market data (sans-I/O).

A busy symbol must not flood subscribers (Knight's runaway traded about 1,480
times a second), yet a subscriber must always end up with the latest state.
So each symbol is sent at most once per ``interval_us``: a change after a
quiet interval goes out at once (at the end of the call that made it); a
change inside the interval is held and the state *of that later moment* goes
out when the interval ends. An update identical to the last one sent is not
sent. A new subscriber gets a snapshot of every symbol.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush

from services.protocol import MarketData

TopState = tuple[int, int, int, int, int]
"""``(bid, bid_qty, ask, ask_qty, last)`` of one symbol."""


class MarketDataConflator:
    """Decides which symbols' tops to publish, and when."""

    def __init__(
        self, symbols: list[str], interval_us: int, state: Callable[[int], TopState]
    ) -> None:
        self._symbols = symbols
        self._interval = interval_us
        self._state = state
        self._sent: list[TopState | None] = [None] * len(symbols)
        self._sent_at = [-interval_us - 1] * len(symbols)
        self._dirty: dict[int, None] = {}
        self._scheduled = [False] * len(symbols)
        self._due: list[tuple[int, int]] = []
        self.updates = 0
        self.conflated = 0

    def touch(self, idx: int) -> None:
        """The book or last trade of symbol ``idx`` may have changed."""
        self._dirty[idx] = None

    def flush(self, now: int) -> list[MarketData]:
        """Updates to send now for the symbols touched since the last flush."""
        if not self._dirty:
            return []
        out: list[MarketData] = []
        for idx in self._dirty:
            if self._scheduled[idx]:
                self.conflated += 1
                continue
            due = self._sent_at[idx] + self._interval
            if now >= due:
                self._publish(idx, now, out)
            else:
                self._scheduled[idx] = True
                heappush(self._due, (due, idx))
                self.conflated += 1
        self._dirty.clear()
        return out

    def next_wakeup(self) -> int | None:
        return self._due[0][0] if self._due else None

    def on_timer(self, now: int) -> list[MarketData]:
        """Held updates whose interval has ended, with the state as of ``now``."""
        out: list[MarketData] = []
        due = self._due
        while due and due[0][0] <= now:
            _, idx = heappop(due)
            self._scheduled[idx] = False
            self._publish(idx, now, out)
        return out

    def _publish(self, idx: int, now: int, out: list[MarketData]) -> None:
        state = self._state(idx)
        if state == self._sent[idx]:
            return
        self._sent[idx] = state
        self._sent_at[idx] = now
        bid, bid_qty, ask, ask_qty, last = state
        out.append(MarketData(self._symbols[idx], bid, bid_qty, ask, ask_qty, last, now))
        self.updates += 1

    def snapshot(self, now: int, first: bool = False) -> list[MarketData]:
        """The current top of every symbol, for a new subscriber.

        ``first``: nobody else is subscribed, so what the newcomer is shown
        becomes the state of record and nothing touched so far is owed.
        """
        out: list[MarketData] = []
        if first:
            self._dirty.clear()
        for idx, symbol in enumerate(self._symbols):
            state = self._state(idx)
            if first:
                self._sent[idx] = state
            elif state != self._sent[idx]:
                # The newcomer saw a state the others have not: make sure the
                # next publication goes out even if it equals the last one sent.
                self._sent[idx] = None
            bid, bid_qty, ask, ask_qty, last = state
            out.append(MarketData(symbol, bid, bid_qty, ask, ask_qty, last, now))
        return out
