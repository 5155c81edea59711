"""ExchangeCore sessions: logon, orders, cancels, drop copy, market data, bad input."""

from __future__ import annotations

import itertools

import pytest

from services.clock import MARKET_OPEN_US
from services.exchange import ExchangeConfig, ExchangeCore, LiquidityParams, Outbox
from services.protocol import (
    Ack,
    Cancel,
    CancelAck,
    CancelAll,
    DropCopy,
    Execution,
    Heartbeat,
    Logon,
    MarketData,
    Message,
    NewChild,
    NewParent,
    Reject,
    RejectReason,
    Side,
    TimeInForce,
)

T0 = MARKET_OPEN_US
BUY, SELL = Side.BUY, Side.SELL
ORDERS, ORDERS_2, DROP, MD = 1, 2, 3, 4


def child(
    oid: int,
    side: Side,
    price: int,
    qty: int = 100,
    symbol: str = "WZE",
    tif: TimeInForce = TimeInForce.DAY,
    account: str = "A1",
) -> NewChild:
    return NewChild(oid, oid, symbol, side, tif, qty, price, account, qty)


def sent(out: Outbox, conn: int) -> list[Message]:
    return out.sends.get(conn, [])


@pytest.fixture
def core() -> ExchangeCore:
    """Ten symbols, no liquidity providers: books hold only what the tests put there."""
    ex = ExchangeCore(ExchangeConfig(symbols=10, lp=LiquidityParams(levels=0)), start_us=T0)
    ex.open(ORDERS, "orders", T0)
    ex.on_messages(ORDERS, [Logon("router-1")], T0)
    ex.open(ORDERS_2, "orders", T0)
    ex.on_messages(ORDERS_2, [Logon("router-2")], T0)
    return ex


def test_orders_before_logon_are_rejected_and_the_session_stays_open() -> None:
    ex = ExchangeCore(ExchangeConfig(symbols=3, lp=LiquidityParams(levels=0)), start_us=T0)
    ex.open(7, "orders", T0)
    out = ex.on_messages(7, [child(1, BUY, 35_000), Cancel(1, "WZE"), CancelAll("")], T0)
    reasons = [m.reason for m in sent(out, 7) if isinstance(m, Reject)]
    assert reasons == [RejectReason.NOT_LOGGED_ON] * 3
    assert not out.closes
    out = ex.on_messages(7, [Logon("late"), child(1, BUY, 35_000)], T0 + 1)
    assert sent(out, 7) == [Ack(1, T0 + 1)]


def test_a_new_order_is_acked_then_executed_at_the_resting_price(core: ExchangeCore) -> None:
    core.on_messages(ORDERS_2, [child(10, SELL, 35_100, 300, account="MM")], T0)
    out = core.on_messages(ORDERS, [child(1, BUY, 35_500, 500, account="33")], T0 + 5)
    mine = sent(out, ORDERS)
    assert mine[0] == Ack(1, T0 + 5)
    assert mine[1] == Execution(1, 1, "WZE", BUY, 300, 35_100, 200, T0 + 5)
    assert sent(out, ORDERS_2) == [Execution(10, 2, "WZE", SELL, 300, 35_100, 0, T0 + 5)]
    assert core.books[core.index["WZE"]].top() == (35_500, 200, 0, 0)
    assert core.counters.executions == 1 and core.counters.shares == 300


def test_an_ioc_remainder_is_reported_cancelled(core: ExchangeCore) -> None:
    core.on_messages(ORDERS_2, [child(10, SELL, 35_100, 100)], T0)
    out = core.on_messages(ORDERS, [child(1, BUY, 35_100, 250, tif=TimeInForce.IOC)], T0)
    assert [type(m) for m in sent(out, ORDERS)] == [Ack, Execution, CancelAck]
    assert sent(out, ORDERS)[-1] == CancelAck(1, 150)
    assert core.books[core.index["WZE"]].top() == (0, 0, 0, 0)


def test_every_execution_of_a_session_order_goes_to_every_drop_copy(core: ExchangeCore) -> None:
    core.open(DROP, "dropcopy", T0)
    core.open(DROP + 10, "dropcopy", T0)
    core.on_messages(ORDERS_2, [child(10, SELL, 35_100, 100, account="MM")], T0)
    out = core.on_messages(ORDERS, [child(1, BUY, 35_100, 100, account="33")], T0 + 1)
    copies = [m for m in sent(out, DROP) if isinstance(m, DropCopy)]
    assert copies == [
        DropCopy(1, 1, "router-1", "33", "WZE", BUY, 100, 35_100, T0 + 1),
        DropCopy(2, 10, "router-2", "MM", "WZE", SELL, 100, 35_100, T0 + 1),
    ]
    assert sent(out, DROP + 10) == copies
    execs = [m for c in (ORDERS, ORDERS_2) for m in sent(out, c) if isinstance(m, Execution)]
    assert sorted(e.exec_id for e in execs) == [c.exec_id for c in copies]


@pytest.mark.parametrize(
    ("order", "reason"),
    [
        (child(5, BUY, 35_000, symbol="NOPE"), RejectReason.UNKNOWN_SYMBOL),
        (child(0, BUY, 35_000), RejectReason.BAD_FIELD),
        (child(1, BUY, 35_000), RejectReason.DUPLICATE_ID),
    ],
)
def test_bad_orders_are_rejected_by_reason(
    core: ExchangeCore, order: NewChild, reason: RejectReason
) -> None:
    core.on_messages(ORDERS, [child(1, BUY, 34_000)], T0)
    out = core.on_messages(ORDERS, [order], T0)
    [reject] = sent(out, ORDERS)
    assert isinstance(reject, Reject) and reject.reason is reason
    assert reject.order_id == order.order_id and reject.text
    assert core.counters.rejects == {reason.name: 1}
    assert not out.closes


def test_order_ids_of_filled_orders_stay_taken(core: ExchangeCore) -> None:
    core.on_messages(ORDERS_2, [child(10, SELL, 35_100, 100)], T0)
    core.on_messages(ORDERS, [child(1, BUY, 35_100, 100)], T0)
    out = core.on_messages(ORDERS, [child(1, BUY, 35_100, 100)], T0)
    assert sent(out, ORDERS)[0] == Reject(1, RejectReason.DUPLICATE_ID, "duplicate order id 1")
    out = core.on_messages(ORDERS_2, [child(1, BUY, 35_100, 100)], T0)
    assert isinstance(sent(out, ORDERS_2)[0], Ack), "ids are per session"


def test_cancel_and_cancel_of_an_unknown_order(core: ExchangeCore) -> None:
    core.on_messages(ORDERS, [child(1, BUY, 34_000, 300)], T0)
    out = core.on_messages(ORDERS, [Cancel(1, "CO"), Cancel(1, "WZE"), Cancel(1, "WZE")], T0)
    assert sent(out, ORDERS) == [
        Reject(1, RejectReason.UNKNOWN_ORDER, "no working order 1"),
        CancelAck(1, 300),
        Reject(1, RejectReason.UNKNOWN_ORDER, "no working order 1"),
    ]
    assert core.books[core.index["WZE"]].top() == (0, 0, 0, 0)


def test_cancel_all_blank_or_by_account(core: ExchangeCore) -> None:
    core.on_messages(
        ORDERS,
        [child(1, BUY, 34_000, 100, account="33"), child(2, BUY, 33_000, 200, account="RLP")],
        T0,
    )
    core.on_messages(ORDERS, [child(3, SELL, 40_000, 300, symbol="CO", account="33")], T0)
    out = core.on_messages(ORDERS, [CancelAll("33")], T0)
    assert sent(out, ORDERS) == [CancelAck(1, 100), CancelAck(3, 300), CancelAck(0, 400)]
    out = core.on_messages(ORDERS, [CancelAll("")], T0)
    assert sent(out, ORDERS) == [CancelAck(2, 200), CancelAck(0, 200)]
    assert all(len(b) == 0 for b in core.books)


def test_a_closed_session_has_its_orders_cancelled(core: ExchangeCore) -> None:
    core.on_messages(ORDERS, [child(1, BUY, 34_000, 100), child(2, SELL, 36_000, 100)], T0)
    core.on_messages(ORDERS_2, [child(1, BUY, 33_000, 100)], T0)
    core.close(ORDERS, T0 + 10)
    assert core.books[core.index["WZE"]].top() == (33_000, 100, 0, 0)
    assert core.counters.cancelled_on_disconnect == 2
    out = core.on_messages(ORDERS_2, [child(2, SELL, 33_000, 100)], T0 + 11)
    assert Execution(1, 2, "WZE", BUY, 100, 33_000, 0, T0 + 11) in sent(out, ORDERS_2)


def test_a_second_logon_under_the_same_name_takes_the_session_over(core: ExchangeCore) -> None:
    core.on_messages(ORDERS, [child(1, BUY, 34_000, 100)], T0)
    core.open(9, "orders", T0)
    out = core.on_messages(9, [Logon("router-1"), child(1, BUY, 34_000, 100)], T0)
    assert [type(m) for m in sent(out, ORDERS)] == [Reject]
    assert ORDERS in out.closes
    assert sent(out, 9) == [Ack(1, T0)]
    assert core.books[core.index["WZE"]].top() == (34_000, 100, 0, 0)


@pytest.mark.parametrize(
    ("conn", "channel", "messages", "reason"),
    [
        (20, "orders", [Ack(1, 0)], RejectReason.UNKNOWN_TYPE),
        (
            20,
            "orders",
            [Logon("x"), NewParent(1, "WZE", BUY, TimeInForce.DAY, 1, 1, "", "", 0)],
            RejectReason.UNKNOWN_TYPE,
        ),
        (20, "orders", [Logon("x"), Logon("y")], RejectReason.BAD_FIELD),
        (20, "orders", [Logon("  ")], RejectReason.BAD_FIELD),
        (21, "marketdata", [child(1, BUY, 35_000)], RejectReason.UNKNOWN_TYPE),
        (22, "dropcopy", [Cancel(1, "WZE")], RejectReason.UNKNOWN_TYPE),
    ],
)
def test_a_message_a_port_does_not_take_closes_the_session_with_a_reject(
    core: ExchangeCore, conn: int, channel: str, messages: list[Message], reason: RejectReason
) -> None:
    core.open(conn, channel, T0)
    out = core.on_messages(conn, [*messages, Heartbeat(0)], T0)
    last = sent(out, conn)[-1]
    assert isinstance(last, Reject) and last.reason is reason and last.order_id == 0
    assert last.text
    assert conn in out.closes
    assert core.counters.protocol_errors == 1
    assert not any(isinstance(m, Heartbeat) for m in sent(out, conn)), "nothing after the reject"


def test_heartbeats_are_answered_on_every_port(core: ExchangeCore) -> None:
    core.open(DROP, "dropcopy", T0)
    for conn in (ORDERS, DROP):
        assert sent(core.on_messages(conn, [Heartbeat(5)], T0 + 3), conn) == [Heartbeat(T0 + 3)]


def test_drill_time_never_runs_backwards(core: ExchangeCore) -> None:
    out = core.on_messages(ORDERS, [child(1, BUY, 34_000)], T0 + 100)
    assert sent(out, ORDERS) == [Ack(1, T0 + 100)]
    out = core.on_messages(ORDERS, [child(2, BUY, 34_000)], T0 + 50)
    assert sent(out, ORDERS) == [Ack(2, T0 + 100)]


def test_unknown_connections_are_a_caller_error(core: ExchangeCore) -> None:
    with pytest.raises(ValueError, match="not open"):
        core.on_messages(99, [Heartbeat(0)], T0)
    with pytest.raises(ValueError, match="already open"):
        core.open(ORDERS, "orders", T0)
    assert core.close(99, T0).sends == {}


# --- market data -------------------------------------------------------------------


def test_a_new_subscriber_gets_a_snapshot_of_every_symbol(core: ExchangeCore) -> None:
    core.on_messages(ORDERS, [child(1, BUY, 34_000, 100), child(2, SELL, 36_000, 200)], T0)
    out = core.open(MD, "marketdata", T0 + 1)
    snap = sent(out, MD)
    assert [m.symbol for m in snap if isinstance(m, MarketData)] == [s.symbol for s in core.specs]
    assert snap[0] == MarketData("WZE", 34_000, 100, 36_000, 200, 0, T0 + 1)


def test_market_data_is_conflated_per_symbol_and_ends_on_the_latest_state(
    core: ExchangeCore,
) -> None:
    core.open(MD, "marketdata", T0)
    interval = 100_000
    updates: list[MarketData] = []
    t = T0
    for i in range(1, 51):  # a change every 10 ms for half a second
        t += 10_000
        out = core.on_messages(ORDERS, [child(i, BUY, 30_000 + i, 100)], t)
        out2 = core.on_timer(t)
        updates += [m for m in sent(out, MD) + sent(out2, MD) if isinstance(m, MarketData)]
    while (wake := core.next_wakeup()) is not None:
        updates += [m for m in sent(core.on_timer(wake), MD) if isinstance(m, MarketData)]
    stamps = [m.ts for m in updates]
    assert all(b - a >= interval for a, b in itertools.pairwise(stamps))
    assert 3 <= len(updates) <= 7
    assert updates[-1].bid == 30_050 and updates[-1].bid_qty == 100
    assert updates[0].ts == T0 + 10_000, "a change after a quiet spell goes out at once"


def test_an_unchanged_top_is_not_sent_again(core: ExchangeCore) -> None:
    core.open(MD, "marketdata", T0)
    core.on_messages(ORDERS, [child(1, BUY, 34_000, 100)], T0 + 1)
    out = core.on_messages(ORDERS, [child(2, BUY, 33_000, 100)], T0 + 500_000)
    assert sent(out, MD) == []
