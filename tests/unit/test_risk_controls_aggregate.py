"""Controls that look past the single order: positions, capital, loss, parents, cycles, kill."""

from __future__ import annotations

import pytest

from services.clock import MARKET_OPEN_US, US
from services.protocol import MarketData, NewChild, RejectReason, Side, TimeInForce, to_price
from services.risk.controls import (
    CapitalThreshold,
    CapitalThresholdSettings,
    DailyLossLimit,
    DailyLossLimitSettings,
    KillSwitch,
    KillSwitchSettings,
    OutputInputReconciliation,
    PositionLimit,
    PositionLimitSettings,
    ReconciliationSettings,
    RepeatedExecutionSettings,
    RepeatedExecutionThrottle,
    RiskState,
)
from services.risk.trips import Action

OPEN = MARKET_OPEN_US


def child(
    qty: int = 100,
    price: float = 10.0,
    side: Side = Side.BUY,
    order_id: int = 1,
    parent_id: int = 1,
    account: str = "RLP",
    parent_qty: int = 100,
    symbol: str = "AAA",
) -> NewChild:
    return NewChild(
        order_id,
        parent_id,
        symbol,
        side,
        TimeInForce.DAY,
        qty,
        to_price(price),
        account,
        parent_qty,
    )


@pytest.fixture
def state() -> RiskState:
    s = RiskState()
    s.market.update(MarketData("AAA", to_price(9.99), 500, to_price(10.01), 500, 0, OPEN))
    s.book.remark("AAA", to_price(10.0))
    return s


def test_position_limit_counts_working_orders(state: RiskState) -> None:
    settings = PositionLimitSettings(max_symbol_shares=1000, max_account_gross_dollars=10**9)
    control = PositionLimit(settings, state)
    state.book.fill("RLP", "AAA", Side.BUY, 600, to_price(10.0))
    state.working.add(1, "router-1", child(qty=300, order_id=9), OPEN)
    assert control.check("router-1", child(qty=100), OPEN) is None
    breach = control.check("router-1", child(qty=101), OPEN)
    assert breach is not None and breach.reason is RejectReason.POSITION_LIMIT
    # Knight's limits ignored working orders: 600 + 400 passes there.
    blind = PositionLimit(settings.model_copy(update={"count_working": False}), state)
    assert blind.check("router-1", child(qty=400), OPEN) is None


def test_position_limit_gross_dollars_and_the_33_account(state: RiskState) -> None:
    settings = PositionLimitSettings(
        account_gross_dollars={"33": 2_000_000}, max_symbol_shares=10**6
    )
    control = PositionLimit(settings, state)
    state.book.fill("33", "AAA", Side.BUY, 199_000, to_price(10.0))
    assert control.check("router-1", child(account="33", qty=1000), OPEN) is None
    breach = control.check("router-1", child(account="33", qty=1001), OPEN)
    assert breach is not None and breach.key == "33"
    unlinked = PositionLimit(settings.model_copy(update={"unlinked_accounts": ["33"]}), state)
    assert unlinked.check("router-1", child(account="33", qty=50_000), OPEN) is None
    assert control.after_fill("33", "AAA") is None
    state.book.fill("33", "AAA", Side.BUY, 2_000, to_price(10.0))
    assert control.after_fill("33", "AAA") is not None  # post-trade: executed alone is over


def test_position_limit_lets_risk_reducing_orders_through(state: RiskState) -> None:
    control = PositionLimit(PositionLimitSettings(max_symbol_shares=100), state)
    state.book.fill("RLP", "AAA", Side.BUY, 500, to_price(10.0))
    assert control.check("router-1", child(side=Side.SELL, qty=500), OPEN) is None
    assert control.check("router-1", child(side=Side.SELL, qty=700), OPEN) is not None


@pytest.mark.parametrize(
    ("extra_shares", "action"),
    [(0, None), (100_000, Action.NOTIFY), (150_000, Action.REJECT), (200_000, Action.KILL)],
)
def test_capital_threshold_notify_block_cancel(
    state: RiskState, extra_shares: int, action: Action | None
) -> None:
    settings = CapitalThresholdSettings(
        notify_dollars=1_000_000, block_dollars=1_500_000, cancel_dollars=2_000_000
    )
    control = CapitalThreshold(settings, state)
    if extra_shares:
        state.book.fill("RLP", "AAA", Side.BUY, extra_shares - 100, to_price(10.0))
    breach = control.check("router-1", child(qty=100), OPEN)
    assert (breach.action if breach else None) is action


def test_capital_threshold_levels_must_rise() -> None:
    with pytest.raises(ValueError, match="levels must rise"):
        CapitalThresholdSettings(notify_dollars=3, block_dollars=2, cancel_dollars=4)


def test_daily_loss_limit(state: RiskState) -> None:
    control = DailyLossLimit(DailyLossLimitSettings(max_loss_dollars=1000), state)
    state.book.fill("RLP", "AAA", Side.BUY, 1000, to_price(10.0))
    state.book.remark("AAA", to_price(9.0))
    assert control.check("router-1", child(), OPEN) is None  # exactly -$1,000
    state.book.remark("AAA", to_price(8.99))
    breach = control.check("router-1", child(), OPEN)
    assert breach is not None and breach.action is Action.KILL
    assert control.check("router-1", child(side=Side.SELL, qty=1000), OPEN) is None


def test_reconciliation_holds_children_to_the_parent(state: RiskState) -> None:
    control = OutputInputReconciliation(ReconciliationSettings(), state)
    first = child(qty=100, parent_qty=200, order_id=1)
    assert control.check("router-8", first, OPEN) is None
    control.on_accept("router-8", first)
    state.working.add(1, "router-8", first, OPEN)
    second = child(qty=100, parent_qty=200, order_id=2)
    assert control.check("router-8", second, OPEN) is None
    control.on_accept("router-8", second)
    state.working.add(1, "router-8", second, OPEN)
    state.working.executed(1, 1, 100, 0)
    control.on_fill("router-8", 1, 100)
    breach = control.check("router-8", child(qty=1, parent_qty=200, order_id=3), OPEN)
    assert breach is not None and breach.action is Action.KILL
    assert breach.reason is RejectReason.RECONCILIATION


def test_reconciliation_frees_quantity_an_ioc_did_not_fill(state: RiskState) -> None:
    control = OutputInputReconciliation(ReconciliationSettings(max_sent_ratio=3), state)
    for order_id in range(1, 4):
        order = child(qty=100, parent_qty=100, order_id=order_id)
        assert control.check("router-1", order, OPEN) is None
        control.on_accept("router-1", order)
        state.working.add(1, "router-1", order, OPEN)
        state.working.remove(1, order_id)  # the venue's CANCEL_ACK of the unfilled rest
    breach = control.check("router-1", child(qty=100, parent_qty=100, order_id=4), OPEN)
    assert breach is not None and "sent" in breach.text


def test_reconciliation_refuses_a_changed_parent_quantity(state: RiskState) -> None:
    control = OutputInputReconciliation(ReconciliationSettings(kill_on_trip=False), state)
    control.on_accept("router-1", child(parent_qty=100))
    breach = control.check("router-1", child(parent_qty=1000, order_id=2), OPEN)
    assert breach is not None and breach.action is Action.REJECT
    assert control.check("router-1", child(qty=101, parent_qty=100, parent_id=2), OPEN)


def test_repeated_execution_disables_until_a_person_reenables(state: RiskState) -> None:
    settings = RepeatedExecutionSettings(max_cycles=3, window_us=5 * US)
    control = RepeatedExecutionThrottle(settings, state)
    t = OPEN
    for _ in range(3):
        assert control.check("router-8", child(), t) is None
        control.on_fill("router-8", "AAA")
        t += 100_000
    # Orders without a fill in between are not cycles.
    assert control.check("router-8", child(), t) is None
    assert control.check("router-8", child(), t) is None
    control.on_fill("router-8", "AAA")
    breach = control.check("router-8", child(), t)
    assert breach is not None and breach.action is Action.DISABLE
    later = control.check("router-8", child(), t + 60 * US)
    assert later is not None and later.reason is RejectReason.REPEATED_EXECUTION
    assert control.check("router-7", child(), t) is None  # other sessions trade on
    assert control.reenable("router-8", "AAA") == ["router-8/AAA"]
    assert control.check("router-8", child(), t + 60 * US) is None


def test_repeated_execution_slow_cycles_do_not_trip(state: RiskState) -> None:
    control = RepeatedExecutionThrottle(
        RepeatedExecutionSettings(max_cycles=2, window_us=US), state
    )
    for i in range(10):
        control.on_fill("router-1", "AAA")
        assert control.check("router-1", child(), OPEN + i * US) is None


def test_kill_switch_allows_only_risk_reducing_orders(state: RiskState) -> None:
    kill = KillSwitch(KillSwitchSettings(), state)
    assert kill.check("router-1", child(), OPEN) is None
    assert kill.throw("runaway", "ops", OPEN)
    assert not kill.throw("again", "ops", OPEN)
    breach = kill.check("router-1", child(), OPEN)
    assert breach is not None and breach.reason is RejectReason.KILL_SWITCH
    state.book.fill("RLP", "AAA", Side.BUY, 300, to_price(10.0))
    assert kill.check("router-1", child(side=Side.SELL, qty=300), OPEN) is None
    assert kill.check("router-1", child(side=Side.SELL, qty=301), OPEN) is not None
    strict = KillSwitch(KillSwitchSettings(allow_risk_reducing=False), state)
    strict.throw("runaway", "ops", OPEN)
    assert strict.check("router-1", child(side=Side.SELL, qty=300), OPEN) is not None
    assert kill.reset("ops", OPEN + US)
    assert kill.check("router-1", child(), OPEN + US) is None
    assert [e.action for e in kill.history] == ["kill", "unkill"]
