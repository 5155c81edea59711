"""Order-by-order controls: each one trips, and each one lets a good order through."""

from __future__ import annotations

import pytest

from services.clock import MARKET_OPEN_US, US
from services.protocol import MarketData, NewChild, RejectReason, Side, TimeInForce, to_price
from services.risk.controls import (
    DuplicateOrders,
    DuplicateOrderSettings,
    MaxOrderSize,
    MaxOrderSizeSettings,
    MaxOrderValue,
    MaxOrderValueSettings,
    MessageThrottle,
    MessageThrottleSettings,
    PriceCollar,
    PriceCollarSettings,
    RiskState,
    StaleMarketData,
    StaleMarketDataSettings,
)
from services.risk.trips import Action

OPEN = MARKET_OPEN_US


def child(
    qty: int = 100,
    price: float = 10.0,
    side: Side = Side.BUY,
    order_id: int = 1,
    parent_id: int = 1,
    symbol: str = "AAA",
    account: str = "RLP",
    parent_qty: int = 1000,
) -> NewChild:
    return NewChild(
        order_id,
        parent_id,
        symbol,
        side,
        TimeInForce.IOC,
        qty,
        to_price(price),
        account,
        parent_qty,
    )


@pytest.fixture
def state() -> RiskState:
    s = RiskState()
    s.market.update(MarketData("AAA", to_price(9.99), 500, to_price(10.00), 500, 0, OPEN))
    return s


def test_max_order_size(state: RiskState) -> None:
    control = MaxOrderSize(MaxOrderSizeSettings(max_qty=500), state)
    assert control.check("router-1", child(qty=500), OPEN) is None
    breach = control.check("router-1", child(qty=501), OPEN)
    assert breach is not None and breach.reason is RejectReason.MAX_ORDER_SIZE


def test_max_order_value(state: RiskState) -> None:
    control = MaxOrderValue(MaxOrderValueSettings(max_dollars=10_000), state)
    assert control.check("router-1", child(qty=1000, price=10.0), OPEN) is None
    breach = control.check("router-1", child(qty=1001, price=10.0), OPEN)
    assert breach is not None and breach.reason is RejectReason.MAX_ORDER_VALUE


@pytest.mark.parametrize(
    ("side", "price", "trips"),
    [
        (Side.BUY, 10.50, False),  # 5% through the 10.00 ask
        (Side.BUY, 10.51, True),
        (Side.SELL, 9.50, False),  # 4.9% through the 9.99 bid
        (Side.SELL, 9.48, True),
        (Side.BUY, 5.00, False),  # far below the market is not "through" it
    ],
)
def test_price_collar_measures_through_the_nbbo(
    state: RiskState, side: Side, price: float, trips: bool
) -> None:
    control = PriceCollar(PriceCollarSettings(percent=5.0), state)
    breach = control.check("router-1", child(side=side, price=price), OPEN)
    assert (breach is not None) is trips
    if breach is not None:
        assert breach.reason is RejectReason.PRICE_COLLAR


def test_knights_collar_misses_moves_under_9_5_percent_and_pre_open_orders(
    state: RiskState,
) -> None:
    control = PriceCollar(PriceCollarSettings(percent=9.5, pre_open=False), state)
    assert control.check("router-1", child(price=10.90), OPEN) is None
    assert control.check("router-1", child(price=10.96), OPEN) is not None
    assert control.check("router-1", child(price=50.00), OPEN - US) is None


def test_price_collar_passes_without_a_quote() -> None:
    control = PriceCollar(PriceCollarSettings(), RiskState())
    assert control.check("router-1", child(price=99.0), OPEN) is None


def test_stale_market_data(state: RiskState) -> None:
    control = StaleMarketData(StaleMarketDataSettings(max_age_us=5 * US), state)
    assert control.check("router-1", child(), OPEN + 5 * US) is None
    breach = control.check("router-1", child(), OPEN + 5 * US + 1)
    assert breach is not None and breach.reason is RejectReason.STALE_MARKET_DATA
    missing = control.check("router-1", child(symbol="ZZZ"), OPEN + US)
    assert missing is not None and missing.text == "no quote yet"


def test_stale_market_data_without_any_feed() -> None:
    strict = StaleMarketData(StaleMarketDataSettings(), RiskState())
    assert strict.check("router-1", child(), OPEN) is not None
    lenient = StaleMarketData(StaleMarketDataSettings(reject_if_missing=False), RiskState())
    assert lenient.check("router-1", child(), OPEN) is None


def test_duplicate_orders_in_a_window(state: RiskState) -> None:
    control = DuplicateOrders(DuplicateOrderSettings(window_us=US, max_identical=3), state)
    for i in range(3):
        assert control.check("router-1", child(order_id=i + 1), OPEN + i) is None
    breach = control.check("router-1", child(order_id=4), OPEN + 3)
    assert breach is not None and breach.reason is RejectReason.DUPLICATE_ORDER
    # A different price, another parent, or a later window is not a duplicate.
    assert control.check("router-1", child(order_id=5, price=10.01), OPEN + 4) is None
    assert control.check("router-1", child(order_id=6, parent_id=2), OPEN + 5) is None
    assert control.check("router-1", child(order_id=7), OPEN + 2 * US) is None


def test_message_throttle_rejects_then_logs_out(state: RiskState) -> None:
    throttle = MessageThrottle(
        MessageThrottleSettings(window_us=US, reject_at=3, logout_at=5), state
    )
    verdicts = [throttle.admit(1, "router-1", OPEN + i) for i in range(6)]
    assert verdicts[:3] == [None, None, None]
    assert [v.action for v in verdicts[3:] if v is not None] == [
        Action.REJECT,
        Action.REJECT,
        Action.LOGOUT,
    ]
    # Another session has its own window, and the window slides.
    assert throttle.admit(2, "router-2", OPEN) is None
    assert throttle.admit(1, "router-1", OPEN + 2 * US) is None


def test_throttle_settings_refuse_logout_below_reject() -> None:
    with pytest.raises(ValueError, match="logout_at"):
        MessageThrottleSettings(reject_at=10, logout_at=5)
