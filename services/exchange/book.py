"""A price-time priority limit order book for one symbol (sans-I/O, pure).

The book knows nothing of sessions or messages: it takes orders as plain
arguments, returns the fills it made, and keeps an opaque ``owner`` with each
resting order for the caller. Executions are at the resting order's price.

Layout, chosen for speed in pure Python (see ``bench/matching.py``):

* A resting order is a 5-item list ``[qty, price, side, oid, owner]``
  (``REC_*`` below name the slots). A list rather than an object because
  item access and in-place update of ``qty`` are the cheapest operations
  Python offers; the hot loops use literal indices for the same reason.
* Each side is a dict ``price -> deque of records`` (FIFO = time priority)
  plus a dict ``price -> resting quantity`` so top of book is O(1).
* The best price comes from a heap of prices (bids negated). Levels are
  deleted from the dicts eagerly and from the heap lazily: a heap entry whose
  level is gone is popped when it reaches the top, and the heap is rebuilt
  when stale entries outnumber live levels.
* A cancel zeroes the record's quantity and leaves it in its deque (removing
  from the middle of a deque is O(n)); matching skips zeroed records, and
  deques are compacted when such "zombies" outnumber resting orders.
"""

from __future__ import annotations

from collections import deque
from heapq import heapify, heappop, heappush
from typing import Any, Final

BUY: Final = 1
SELL: Final = 2

REC_QTY: Final = 0
REC_PRICE: Final = 1
REC_SIDE: Final = 2
REC_OID: Final = 3
REC_OWNER: Final = 4

Record = list[Any]
"""``[qty, price, side, oid, owner]``: a resting order; ``qty`` is what is left."""

Fill = tuple[Record, int]
"""A resting record and the quantity it traded (at ``record[REC_PRICE]``)."""

Level = tuple[int, int, int]
"""``(price, quantity, orders)`` of one price level."""

_COMPACT_MIN: Final = 1024


class OrderBook:
    """Limit order book of one symbol: DAY and IOC limit orders, cancels.

    >>> book = OrderBook("WZE")
    >>> book.submit(1, SELL, 35_100, 300, False, "lp")[1] is not None
    True
    >>> fills, rest = book.submit(2, BUY, 35_200, 100, True, "me")
    >>> [(rec[REC_OID], qty, rec[REC_PRICE]) for rec, qty in fills], rest
    ([(1, 100, 35100)], None)
    >>> book.top()
    (0, 0, 35100, 200)
    """

    __slots__ = (
        "_ask_depth",
        "_ask_heap",
        "_asks",
        "_bid_depth",
        "_bid_heap",
        "_bids",
        "_orders",
        "_zombies",
        "last",
        "symbol",
        "traded",
    )

    def __init__(self, symbol: str) -> None:
        self.symbol = symbol
        self._bids: dict[int, deque[Record]] = {}
        self._asks: dict[int, deque[Record]] = {}
        self._bid_depth: dict[int, int] = {}
        self._ask_depth: dict[int, int] = {}
        self._bid_heap: list[int] = []  # negated prices
        self._ask_heap: list[int] = []
        self._orders: dict[int, Record] = {}
        self._zombies = 0
        self.last = 0
        """Price of the last trade, 0 before the first."""
        self.traded = 0
        """Shares traded on this book."""

    # orders -----------------------------------------------------------
    def submit(
        self, oid: int, side: int, price: int, qty: int, ioc: bool, owner: Any
    ) -> tuple[list[Fill], Record | None]:
        """Match a limit order; rest what is left unless ``ioc``.

        Returns the fills against resting orders, best price first and FIFO
        within a price, and the new resting record (``None`` if nothing
        rested). ``oid`` must be unique among resting orders of this book.
        """
        fills: list[Fill] = []
        if side == BUY:
            heap = self._ask_heap
            levels = self._asks
            depth = self._ask_depth
            while qty and heap:
                best = heap[0]
                if best > price:
                    break
                level = levels.get(best)
                if level is None:
                    heappop(heap)
                    continue
                qty = self._take(level, best, qty, fills, levels, depth)
                if best not in depth:
                    heappop(heap)
        else:
            heap = self._bid_heap
            levels = self._bids
            depth = self._bid_depth
            while qty and heap:
                best = -heap[0]
                if best < price:
                    break
                level = levels.get(best)
                if level is None:
                    heappop(heap)
                    continue
                qty = self._take(level, best, qty, fills, levels, depth)
                if best not in depth:
                    heappop(heap)
        if fills:
            self.last = fills[-1][0][1]
        if not qty or ioc:
            return fills, None
        rec: Record = [qty, price, side, oid, owner]
        if side == BUY:
            levels, depth = self._bids, self._bid_depth
        else:
            levels, depth = self._asks, self._ask_depth
        level = levels.get(price)
        if level is None:
            levels[price] = deque((rec,))
            depth[price] = qty
            if side == BUY:
                heappush(self._bid_heap, -price)
            else:
                heappush(self._ask_heap, price)
        else:
            level.append(rec)
            depth[price] += qty
        self._orders[oid] = rec
        return fills, rec

    def _take(
        self,
        level: deque[Record],
        price: int,
        qty: int,
        fills: list[Fill],
        levels: dict[int, deque[Record]],
        depth: dict[int, int],
    ) -> int:
        """Fill up to ``qty`` from one level in time order; returns what is left."""
        orders = self._orders
        taken = 0
        while level:
            rec = level[0]
            avail = rec[0]
            if not avail:
                level.popleft()
                self._zombies -= 1
                continue
            if avail <= qty:
                level.popleft()
                del orders[rec[3]]
                rec[0] = 0
                fills.append((rec, avail))
                taken += avail
                qty -= avail
                if not qty:
                    break
            else:
                rec[0] = avail - qty
                fills.append((rec, qty))
                taken += qty
                qty = 0
                break
        self.traded += taken
        left = depth[price] - taken
        if left:
            depth[price] = left
        else:
            # Only zeroed records can remain in the deque now.
            self._zombies -= len(level)
            del depth[price]
            del levels[price]
        return qty

    def cancel(self, oid: int) -> int:
        """Take a resting order off the book; returns the quantity cancelled (0 if none)."""
        rec = self._orders.pop(oid, None)
        if rec is None:
            return 0
        qty: int = rec[0]
        price: int = rec[1]
        rec[0] = 0
        if rec[2] == BUY:
            levels, depth, heap = self._bids, self._bid_depth, self._bid_heap
        else:
            levels, depth, heap = self._asks, self._ask_depth, self._ask_heap
        level = levels[price]
        left = depth[price] - qty
        if left:
            depth[price] = left
            if level[-1] is rec:
                level.pop()
            elif level[0] is rec:
                level.popleft()
            else:
                self._zombies += 1
                if self._zombies > _COMPACT_MIN and self._zombies > len(self._orders):
                    self._compact()
        else:
            self._zombies -= len(level) - 1
            del depth[price]
            del levels[price]
            if len(heap) > 2 * (len(levels) + _COMPACT_MIN // 16):
                heap[:] = [-p for p in levels] if rec[2] == BUY else list(levels)
                heapify(heap)
        return qty

    def _compact(self) -> None:
        for levels in (self._bids, self._asks):
            for price, level in levels.items():
                levels[price] = deque(r for r in level if r[0])
        self._zombies = 0

    # queries ------------------------------------------------------------
    def __len__(self) -> int:
        """Resting orders."""
        return len(self._orders)

    def __contains__(self, oid: object) -> bool:
        return oid in self._orders

    def order(self, oid: int) -> Record | None:
        return self._orders.get(oid)

    def best_bid(self) -> int:
        """Best bid price, 0 if there is none."""
        heap, depth = self._bid_heap, self._bid_depth
        while heap:
            if -heap[0] in depth:
                return -heap[0]
            heappop(heap)
        return 0

    def best_ask(self) -> int:
        """Best ask price, 0 if there is none."""
        heap, depth = self._ask_heap, self._ask_depth
        while heap:
            if heap[0] in depth:
                return heap[0]
            heappop(heap)
        return 0

    def top(self) -> tuple[int, int, int, int]:
        """``(bid, bid_qty, ask, ask_qty)``; an empty side is ``(0, 0)``."""
        bid = self.best_bid()
        ask = self.best_ask()
        return bid, self._bid_depth.get(bid, 0), ask, self._ask_depth.get(ask, 0)

    def depth(self, side: int, limit: int = 10) -> list[Level]:
        """The best ``limit`` levels of one side as ``(price, qty, orders)``."""
        levels = self._bids if side == BUY else self._asks
        depth = self._bid_depth if side == BUY else self._ask_depth
        prices = sorted(depth, reverse=side == BUY)[:limit]
        return [(p, depth[p], sum(1 for r in levels[p] if r[0])) for p in prices]

    def resting(self) -> list[Record]:
        """Every resting record, in price-time priority per side (bids first)."""
        out: list[Record] = []
        for side in (BUY, SELL):
            levels = self._bids if side == BUY else self._asks
            for price in sorted(levels, reverse=side == BUY):
                out.extend(r for r in levels[price] if r[0])
        return out

    def resting_qty(self) -> int:
        return sum(self._bid_depth.values()) + sum(self._ask_depth.values())
