"""The monitor core: positions from the drop copy, post-trade controls, the responder's screen."""

from __future__ import annotations

from services.clock import MARKET_OPEN_US, US
from services.monitor.core import MonitorCore
from services.protocol import DropCopy, MarketData, Side, to_price
from services.risk.profiles import apply_patch, knight_2012, modern

T0 = MARKET_OPEN_US


def dc(exec_id: int, qty: int = 100, price: float = 10.0, ts: int = T0, **kw: object) -> DropCopy:
    fields: dict[str, object] = {
        "exec_id": exec_id,
        "order_id": exec_id,
        "session": "router-8",
        "account": "RLP",
        "symbol": "WIZZ",
        "side": Side.BUY,
        "qty": qty,
        "price": to_price(price),
        "ts": ts,
    }
    fields.update(kw)
    return DropCopy(**fields)  # type: ignore[arg-type]


def md(price: float, ts: int) -> MarketData:
    p = to_price(price)
    return MarketData("WIZZ", p - 100, 100, p + 100, 100, p, ts)


def test_positions_and_pnl_from_the_drop_copy() -> None:
    core = MonitorCore(modern())
    core.on_drop_copies([dc(1, 300, 10.0), dc(2, 100, 11.0, side=Side.SELL)], T0)
    core.on_market_data([md(12.0, T0)], T0)
    rows = core.positions()["positions"]
    assert [(r["account"], r["symbol"], r["qty"]) for r in rows] == [("RLP", "WIZZ", 200)]
    pnl = core.pnl()
    assert pnl["total_dollars"] == 500.0  # -3000 + 1100 + 200 x 12
    assert pnl["realized_dollars"] == 100.0


def test_loss_limit_alerts_and_kills_the_gate_in_modern() -> None:
    core = MonitorCore(apply_patch(modern(), {"daily_loss_limit": {"max_loss_dollars": 1000}}))
    core.on_drop_copies([dc(1, 1000, 10.0)], T0)
    out = core.on_market_data([md(8.0, T0 + US)], T0 + US)
    assert [a["kind"] for a in out.alerts] == ["control_trip"]
    assert out.alerts[0]["severity"] == "critical"
    assert out.kills == [
        {"reason": "monitor: daily_loss_limit: P&L $-2000 past -$1000", "by": "monitor"}
    ]
    assert core.trips_report()["first"]["daily_loss_limit"]["ts"] == T0 + US
    again = core.on_market_data([md(7.0, T0 + 2 * US)], T0 + 2 * US)
    assert again.kills == [] and again.alerts == []  # one trip, not one per tick


def test_knight_2012_monitor_does_nothing_automatic() -> None:
    core = MonitorCore(knight_2012())
    out = core.on_drop_copies([dc(i, 100, 10.0, ts=T0 + i) for i in range(1, 5000)], T0 + US)
    out.merge(core.on_market_data([md(1.0, T0 + US)], T0 + US))
    assert out.alerts == [] and out.kills == []
    assert core.trips_report()["total"] == 0
    assert "limits" not in core.view(T0 + US)


def test_capital_threshold_notifies_then_cancels() -> None:
    settings = apply_patch(
        modern(),
        {
            "capital_threshold": {
                "notify_dollars": 1000,
                "block_dollars": 2000,
                "cancel_dollars": 3000,
            },
            "position_limit": {"enabled": False},
        },
    )
    core = MonitorCore(settings)
    first = core.on_drop_copies([dc(1, 100, 10.0)], T0)
    assert [a["severity"] for a in first.alerts] == ["warning"] and not first.kills
    second = core.on_drop_copies([dc(2, 200, 10.0)], T0 + 1)
    assert second.kills and second.alerts


def test_position_limit_breach_on_the_33_account() -> None:
    core = MonitorCore(modern())
    out = core.on_drop_copies([dc(1, 40_000, 60.0, account="33")], T0)
    assert any("33 gross" in a["text"] for a in out.alerts)
    assert not out.kills


def test_sessions_outside_the_firm_are_ignored() -> None:
    core = MonitorCore(modern(), sessions="router-*")
    core.on_drop_copies([dc(1), dc(2, session="lp-1")], T0)
    assert core.stats(T0)["ignored_drop_copies"] == 1
    assert core.state.book.executions == 1


def test_knight_view_lags_more_under_load() -> None:
    core = MonitorCore(knight_2012())
    t = T0
    core.on_timer(t)
    # Quiet: a few executions a second, the screen is a couple of seconds behind.
    for i in range(20):
        t += US // 4
        core.on_drop_copies([dc(i + 1, ts=t)], t)
        core.on_timer(t)
    quiet_lag = core.view(t)["lag_us"]
    assert 0 < quiet_lag <= 5 * US
    # Busy: 100 executions a second, the screen falls far behind.
    for i in range(500):
        t += US // 100
        core.on_drop_copies([dc(1000 + i, ts=t)], t)
        wake = core.next_wakeup()
        if wake is not None and wake <= t:
            core.on_timer(t)
    screen = core.view(t)
    assert screen["lag_us"] > quiet_lag
    assert core.display.lag(t) >= 20 * US
    shown = sum(p["qty"] for p in screen["positions"])
    assert shown < core.state.book.qty("RLP", "WIZZ")


def test_modern_view_is_live_and_shows_limits() -> None:
    core = MonitorCore(modern())
    core.on_drop_copies([dc(1)], T0)
    screen = core.view(T0)
    assert screen["lag_us"] == 0
    assert screen["positions"][0]["qty"] == 100
    assert screen["limits"]["accounts"]["33"]["limit_dollars"] == 2_000_000


def test_dropcopy_reconciliation_against_the_gate() -> None:
    core = MonitorCore(modern())
    core.dropcopy_subscribed(T0)
    t = T0 + 10 * US
    out = core.on_timer(t)
    assert out.fetch_gate_before == T0 + 5 * US
    assert not core.on_gate_records(T0 + 5 * US, {}, t).alerts  # baseline
    core.on_drop_copies([dc(1, ts=T0 + 6 * US)], T0 + 6 * US)
    t = T0 + 15 * US
    out = core.on_timer(t)
    gate = {"router-8": {"WIZZ": [200, 0, 2]}}
    result = core.on_gate_records(out.fetch_gate_before or 0, gate, t)
    assert [a["control"] for a in result.alerts] == ["dropcopy_reconciliation"]


def test_stale_marks_warn_when_holding_positions() -> None:
    core = MonitorCore(modern())
    core.on_market_data([md(10.0, T0)], T0)
    core.on_drop_copies([dc(1)], T0)
    assert not core.on_timer(T0 + 50 * US).alerts
    out = core.on_timer(T0 + 61 * US)
    assert [a["control"] for a in out.alerts] == ["stale_market_data"]
    assert out.alerts[0]["severity"] == "warning"
