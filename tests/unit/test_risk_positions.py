"""Positions, cash, exposure and P&L: the arithmetic every control relies on."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from services.protocol import MarketData, Side, to_price
from services.risk.market import MarketView
from services.risk.positions import Position, PositionBook, dollars


def test_round_trip_realizes_the_difference() -> None:
    pos = Position("RLP", "WIZZ")
    pos.apply(100, to_price(3.50))
    pos.apply(-100, to_price(3.60))
    assert pos.qty == 0
    assert pos.cost == 0
    assert dollars(pos.realized) == 10.0
    assert dollars(pos.pnl(to_price(99.0))) == 10.0


def test_partial_close_keeps_average_cost() -> None:
    pos = Position("RLP", "WIZZ")
    pos.apply(100, to_price(10.0))
    pos.apply(100, to_price(12.0))
    pos.apply(-50, to_price(13.0))
    assert pos.qty == 150
    assert dollars(pos.realized) == 100.0  # 50 x (13 - 11)
    assert dollars(pos.unrealized(to_price(11.0))) == 0.0


def test_flip_from_long_to_short_opens_at_the_fill_price() -> None:
    pos = Position("RLP", "WIZZ")
    pos.apply(100, to_price(10.0))
    pos.apply(-300, to_price(9.0))
    assert pos.qty == -200
    assert pos.cost == -200 * to_price(9.0)
    assert dollars(pos.realized) == -100.0


def test_book_exposure_in_the_secs_columns() -> None:
    book = PositionBook()
    book.fill("33", "AAA", Side.BUY, 1000, to_price(10.0))
    book.fill("RLP", "AAA", Side.SELL, 400, to_price(10.0))
    book.fill("33", "BBB", Side.SELL, 200, to_price(5.0))
    exposure = book.exposure()
    # Firm net per stock: AAA +600 x $10 long, BBB -200 x $5 short.
    assert exposure["long_dollars"] == 6000.0
    assert exposure["short_dollars"] == 1000.0
    assert exposure["net_dollars"] == 5000.0
    assert exposure["long_symbols"] == 1
    assert exposure["short_symbols"] == 1
    # Gross sums accounts' absolute positions: 1000 + 400 at $10, 200 at $5.
    assert dollars(book.gross) == 15000.0
    assert dollars(book.account_gross["33"]) == 11000.0


def test_remark_revalues_exposure_and_pnl() -> None:
    book = PositionBook()
    book.fill("33", "WIZZ", Side.BUY, 1000, to_price(3.50))
    assert book.pnl == 0
    book.remark("WIZZ", to_price(3.00))
    assert dollars(book.pnl) == -500.0
    assert dollars(book.account_gross["33"]) == 3000.0
    report = book.pnl_report()
    assert report["accounts"]["33"]["unrealized_dollars"] == -500.0
    assert report["total_dollars"] == -500.0


def test_market_view_marks_mid_then_last() -> None:
    market = MarketView()
    assert market.update(MarketData("AAA", 100, 1, 110, 1, 0, 5)) == 105
    assert market.update(MarketData("AAA", 0, 0, 0, 0, 120, 6)) == 120
    assert market.through_reference("AAA", Side.BUY) == 120
    assert market.feed_age(10) == 4
    assert market.age("BBB", 10) is None


fills = st.lists(
    st.tuples(
        st.sampled_from(["33", "RLP"]),
        st.sampled_from(["AAA", "BBB", "CCC"]),
        st.sampled_from([Side.BUY, Side.SELL]),
        st.integers(1, 500),
        st.integers(1, 200).map(lambda c: c * 100),
    ),
    max_size=40,
)
marks = st.lists(
    st.tuples(st.sampled_from(["AAA", "BBB", "CCC"]), st.integers(1, 300)), max_size=10
)


@settings(max_examples=150, deadline=None)
@given(fills, marks)
def test_incremental_aggregates_match_a_recount(
    trades: list[tuple[str, str, Side, int, int]], moves: list[tuple[str, int]]
) -> None:
    book = PositionBook()
    for account, symbol, side, qty, price in trades:
        book.fill(account, symbol, side, qty, price)
    for symbol, cents in moves:
        book.remark(symbol, cents * 100)
    net: dict[str, int] = {}
    gross = 0
    pnl = 0
    for (_, symbol), pos in book.positions.items():
        mark = book.marks[symbol]
        net[symbol] = net.get(symbol, 0) + pos.qty
        gross += abs(pos.qty) * mark
        pnl += pos.pnl(mark)
        assert pos.realized + pos.unrealized(mark) == pos.pnl(mark)
    assert book.gross == gross
    assert book.pnl == pnl
    assert book.long_value == sum(n * book.marks[s] for s, n in net.items() if n > 0)
    assert book.short_value == sum(-n * book.marks[s] for s, n in net.items() if n < 0)
