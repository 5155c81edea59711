"""The order book: price-time priority, IOC, cancels; properties against a plain reference."""

from __future__ import annotations

import doctest
from dataclasses import dataclass, field

from hypothesis import given, settings
from hypothesis import strategies as st

from services.exchange import book as book_module
from services.exchange.book import BUY, REC_OID, REC_PRICE, SELL, OrderBook


def trades(fills: list[tuple[list[object], int]]) -> list[tuple[object, int, object]]:
    return [(rec[REC_OID], qty, rec[REC_PRICE]) for rec, qty in fills]


def test_module_example_runs() -> None:
    assert doctest.testmod(book_module).failed == 0


def test_orders_rest_until_crossed_and_trade_at_the_resting_price() -> None:
    book = OrderBook("X")
    assert book.submit(1, BUY, 100, 10, False, "a")[1] is not None
    assert book.submit(2, SELL, 102, 10, False, "b")[1] is not None
    assert book.top() == (100, 10, 102, 10)
    fills, rest = book.submit(3, SELL, 99, 4, False, "c")
    assert trades(fills) == [(1, 4, 100)]
    assert rest is None
    assert book.top() == (100, 6, 102, 10)
    assert book.last == 100


def test_better_price_first_then_earlier_order_first() -> None:
    book = OrderBook("X")
    book.submit(1, SELL, 101, 5, False, None)
    book.submit(2, SELL, 100, 5, False, None)
    book.submit(3, SELL, 100, 5, False, None)
    book.submit(4, SELL, 101, 5, False, None)
    fills, rest = book.submit(5, BUY, 101, 17, False, None)
    assert trades(fills) == [(2, 5, 100), (3, 5, 100), (1, 5, 101), (4, 2, 101)]
    assert rest is None
    assert book.top() == (0, 0, 101, 3)


def test_ioc_never_rests_and_a_limit_remainder_does() -> None:
    book = OrderBook("X")
    book.submit(1, SELL, 100, 5, False, None)
    fills, rest = book.submit(2, BUY, 100, 8, True, None)
    assert trades(fills) == [(1, 5, 100)] and rest is None
    assert book.top() == (0, 0, 0, 0)
    book.submit(3, SELL, 100, 5, False, None)
    fills, rest = book.submit(4, BUY, 100, 8, False, None)
    assert rest is not None and rest[0] == 3
    assert book.top() == (100, 3, 0, 0)


def test_cancel_returns_what_was_left_once() -> None:
    book = OrderBook("X")
    book.submit(1, BUY, 100, 10, False, None)
    book.submit(2, BUY, 100, 7, False, None)
    book.submit(3, SELL, 100, 4, False, None)
    assert book.cancel(1) == 6
    assert book.cancel(1) == 0
    assert book.cancel(99) == 0
    assert book.top() == (100, 7, 0, 0)
    assert book.depth(BUY) == [(100, 7, 1)]


def test_cancelled_orders_in_the_middle_of_a_queue_are_skipped() -> None:
    book = OrderBook("X")
    for oid in range(1, 6):
        book.submit(oid, SELL, 100, 1, False, None)
    assert book.cancel(2) == 1 and book.cancel(4) == 1
    fills, _ = book.submit(9, BUY, 100, 5, False, None)
    assert [t[0] for t in trades(fills)] == [1, 3, 5]
    assert book.top() == (100, 2, 0, 0)


def test_many_cancels_keep_the_book_compact() -> None:
    book = OrderBook("X")
    for oid in range(1, 5001):
        book.submit(oid, BUY, 100 - oid % 50, 1, False, None)
    for oid in range(2, 5001, 3):
        book.cancel(oid)
    for oid in range(5001, 10001):
        book.submit(oid, BUY, 100 - oid % 50, 1, False, None)
        book.cancel(oid)
    live = [oid for oid in range(1, 5001) if (oid - 2) % 3]
    assert len(book) == len(live)
    assert book.resting_qty() == len(book)
    assert book.best_bid() == max(100 - oid % 50 for oid in live)
    # Lazily deleted entries are bounded, not left to grow with every cancel.
    queued = sum(len(q) for q in book._bids.values())
    assert queued <= 2 * len(book) + 1024
    assert len(book._bid_heap) <= 2 * (50 + 64)


# --- properties against a reference ------------------------------------------------


@dataclass
class Reference:
    """The obvious O(n) book: a list scanned in (price, arrival) order."""

    resting: list[list[int]] = field(default_factory=list)  # [oid, side, price, qty, seq]
    seq: int = 0

    def submit(
        self, oid: int, side: int, price: int, qty: int, ioc: bool
    ) -> list[tuple[int, int, int]]:
        fills = []
        if side == BUY:
            book = sorted(
                (r for r in self.resting if r[1] == SELL and r[2] <= price),
                key=lambda r: (r[2], r[4]),
            )
        else:
            book = sorted(
                (r for r in self.resting if r[1] == BUY and r[2] >= price),
                key=lambda r: (-r[2], r[4]),
            )
        for r in book:
            if not qty:
                break
            take = min(qty, r[3])
            fills.append((r[0], take, r[2]))
            r[3] -= take
            qty -= take
        self.resting = [r for r in self.resting if r[3]]
        if qty and not ioc:
            self.seq += 1
            self.resting.append([oid, side, price, qty, self.seq])
        return fills

    def cancel(self, oid: int) -> int:
        for r in self.resting:
            if r[0] == oid:
                self.resting.remove(r)
                return r[3]
        return 0


op = st.one_of(
    st.tuples(
        st.just("new"),
        st.sampled_from([BUY, SELL]),
        st.integers(95, 105),
        st.integers(1, 20),
        st.booleans(),
    ),
    st.tuples(st.just("cancel"), st.integers(1, 60), st.just(0), st.just(0), st.just(False)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(op, max_size=120))
def test_book_matches_the_reference_never_rests_crossed_and_conserves_quantity(
    ops: list[tuple[str, int, int, int, bool]],
) -> None:
    book, ref = OrderBook("X"), Reference()
    submitted = filled = cancelled = expired = 0
    next_oid = 1
    for kind, a, price, qty, ioc in ops:
        if kind == "cancel":
            got = book.cancel(a)
            assert got == ref.cancel(a)
            cancelled += got
        else:
            fills, rest = book.submit(next_oid, a, price, qty, ioc, None)
            assert trades(fills) == ref.submit(next_oid, a, price, qty, ioc)
            traded = sum(q for _, q in fills)
            submitted += qty
            filled += 2 * traded  # both sides of each trade
            left = qty - traded
            assert (rest is None) == (left == 0 or ioc)
            if ioc:
                expired += left
            next_oid += 1
        bid, bid_qty, ask, ask_qty = book.top()
        assert not (bid and ask and bid >= ask), "book rests crossed"
        assert (bid == 0) == (bid_qty == 0) and (ask == 0) == (ask_qty == 0)
        assert sorted(r[0] for r in ref.resting) == sorted(r[REC_OID] for r in book.resting())
        assert submitted == filled + book.resting_qty() + cancelled + expired
