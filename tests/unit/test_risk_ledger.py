"""Executed totals as of a cut-off, drop-copy reconciliation, trips and sliding windows."""

from __future__ import annotations

from services.clock import US
from services.protocol import RejectReason, Side
from services.risk.controls import DropCopyReconciliation, DropCopyReconciliationSettings, RiskState
from services.risk.ledger import ExecutionLedger, compare_totals
from services.risk.trips import Action, Breach, TripLog
from services.risk.window import SlidingWindowCounter


def test_totals_before_a_cutoff_leave_out_later_executions() -> None:
    ledger = ExecutionLedger()
    ledger.record("router-1", "AAA", Side.BUY, 100, 10)
    ledger.record("router-1", "AAA", Side.SELL, 30, 20)
    ledger.record("router-2", "BBB", Side.BUY, 5, 30)
    assert ledger.totals_before(20) == {
        "router-1": {"AAA": [100, 0, 1]},
        "router-2": {"BBB": [0, 0, 0]},
    }
    assert ledger.totals_before(31)["router-1"]["AAA"] == [100, 30, 2]


def test_compare_totals_reports_each_difference() -> None:
    a = {"router-1": {"AAA": [100, 0, 1]}}
    b = {"router-1": {"AAA": [100, 0, 1]}, "router-9": {"AAA": [0, 50, 1]}}
    diffs = compare_totals(a, b)
    assert [(d["session"], d["symbol"]) for d in diffs] == [("router-9", "AAA")]
    assert compare_totals(a, {"router-1": {"AAA": [101, 0, 1]}}, tolerance=1) == []


def _drop_copy_rec() -> DropCopyReconciliation:
    settings = DropCopyReconciliationSettings(interval_us=5 * US, settle_us=5 * US)
    return DropCopyReconciliation(settings, RiskState())


def test_dropcopy_reconciliation_baseline_then_mismatch() -> None:
    ledger = ExecutionLedger()
    rec = _drop_copy_rec()
    t0 = 100 * US
    rec.subscribed(t0)
    assert rec.due(t0 + 9 * US) is None
    cutoff = rec.due(t0 + 10 * US)
    assert cutoff == t0 + 5 * US
    # The gate saw an execution from before the monitor subscribed: baseline only.
    gate = {"router-1": {"AAA": [100, 0, 1]}}
    assert rec.compare(cutoff, gate, ledger) is None
    # Both see the next one: no mismatch.
    ledger.record("router-1", "AAA", Side.BUY, 100, t0 + 6 * US)
    gate = {"router-1": {"AAA": [200, 0, 2]}}
    assert rec.compare(t0 + 10 * US, gate, ledger) is None
    # The drop copy never brought the third.
    gate = {"router-1": {"AAA": [300, 0, 3]}}
    breach = rec.compare(t0 + 15 * US, gate, ledger)
    assert breach is not None and breach.action is Action.NOTIFY
    assert rec.last_diffs[0]["ours"]["bought"] == 200  # "ours" is the gate's side
    # Reported once: the baseline moved up.
    assert rec.compare(t0 + 20 * US, gate, ledger) is None


def test_trip_log_is_edge_triggered_per_key() -> None:
    log = TripLog("gate", quiet_us=10 * US)
    b = Breach("price_collar", RejectReason.PRICE_COLLAR, "x", "router-1/AAA")
    assert log.record(b, 0) is not None
    assert log.record(b, 5 * US) is None
    assert log.record(b, 14 * US) is None  # still breaching within the quiet time
    assert log.record(b, 25 * US) is not None
    other = Breach("price_collar", RejectReason.PRICE_COLLAR, "x", "router-2/AAA")
    assert log.record(other, 25 * US) is not None
    assert log.breaches == {"price_collar": 5}
    assert log.summary()["first"]["price_collar"]["ts"] == 0
    log.rearm("price_collar")
    assert log.record(b, 26 * US) is not None


def test_sliding_window_counter() -> None:
    window = SlidingWindowCounter(10)
    assert [window.add(t) for t in (0, 1, 5, 10, 11)] == [1, 2, 3, 3, 3]
    assert window.count(100) == 0
