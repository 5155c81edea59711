"""Scoring definitions, one rule at a time, on small synthetic journals."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from harness.events import (
    Aborted,
    AlertRaised,
    ControlTripped,
    Event,
    InboxOpened,
    KillSwitchThrown,
    MarketSnapshot,
    PageAcked,
    PageSent,
    RunbookGraded,
    RunStarted,
    SymbolPosition,
)
from harness.scoring import Impact, Scores, evaluate_expectations, expectation_problem, score
from harness.scoring.grade import letter, loss_credit, time_credit
from harness.scoring.score import impact_of, pnl_series
from services.clock import US

T0 = 9 * 3600 * US + 30 * 60 * US  # 09:30


def s(seconds: float) -> int:
    """Drill µs at ``seconds`` after 09:30."""
    return T0 + round(seconds * US)


def snap(at: float, executions: int, loss: float = 0.0, **kw: object) -> MarketSnapshot:
    return MarketSnapshot(
        at_us=s(at), wall=0.0, executions=executions, shares=executions * 100, loss_usd=loss, **kw
    )


def started(**kw: object) -> RunStarted:
    fields: dict[str, object] = {
        "run_id": "r",
        "drill": "d",
        "backend": "sim",
        "seed": 1,
        "speed": 1.0,
        "controls": "modern",
        "responder": "asleep",
    }
    return RunStarted(at_us=s(-60), wall=0.0, **{**fields, **kw})


def runaway(stop_at: float | None, until: float, step: float = 1.0) -> list[Event]:
    """Ten executions a second from 09:30 until ``stop_at``, snapshots every ``step``."""
    out: list[Event] = []
    t = 0.0
    while t <= until:
        running = t if stop_at is None else min(t, stop_at)
        out.append(
            snap(t, int(running * 10), loss=running * 100, onset_us=s(0), last_us=s(running))
        )
        t += step
    return out


def test_a_run_without_runaway_has_nothing_to_detect_and_loses_nothing() -> None:
    card = score([started(), snap(0, 0), snap(60, 0)])
    assert card.milestones.onset_us is None
    assert card.scores.time_to_detect_s is None and card.scores.time_to_mitigate_s is None
    assert card.scores.loss_usd == 0.0 and card.scores.grade == "A"


def test_onset_is_the_reported_acceptance_else_the_first_snapshot_with_executions() -> None:
    assert score([snap(0, 0), snap(5, 3), snap(6, 9)]).scores.onset_s == s(5) / US
    reported = [snap(0, 0), snap(5, 3, onset_us=s(4.25)), snap(6, 9, onset_us=s(4.25))]
    assert score(reported).scores.onset_s == s(4.25) / US


def test_detection_ignores_what_happened_before_the_onset() -> None:
    events = [
        ControlTripped(
            at_us=s(-10), wall=0, control="stale_market_data", layer="monitor", action="kill"
        ),
        PageAcked(at_us=s(-5), wall=0, page_id="p0", by="alice"),
        *runaway(None, 30),
        ControlTripped(at_us=s(6), wall=0, control="price_collar", layer="gate", action="reject"),
        ControlTripped(at_us=s(12), wall=0, control="reconciliation", layer="gate", action="kill"),
    ]
    card = score(events)
    assert card.scores.time_to_detect_s == 12.0
    assert card.scores.detected_by == "gate control reconciliation"


def test_a_kill_stamped_just_before_the_onset_detects_at_the_onset() -> None:
    events = [
        *runaway(None, 30),
        KillSwitchThrown(at_us=s(-0.004), wall=0, by="gate", automatic=True),
    ]
    card = score(events)
    assert card.scores.time_to_detect_s == 0.0
    early = [*runaway(None, 30), KillSwitchThrown(at_us=s(-5), wall=0, by="gate")]
    assert score(early).scores.time_to_detect_s is None


def test_an_ack_after_the_onset_of_a_page_sent_before_it_counts_but_not_noise() -> None:
    events: list[Event] = [
        PageSent(at_us=s(-30), wall=0, page_id="warn", source="router-8", kind="rejects"),
        PageSent(at_us=s(1), wall=0, page_id="noise", source="drill", kind="disk", related=False),
        PageAcked(at_us=s(3), wall=0, page_id="noise", by="alice"),
        PageAcked(at_us=s(8), wall=0, page_id="warn", by="alice"),
        *runaway(None, 20),
    ]
    scores = score(events).scores
    assert scores.time_to_detect_s == scores.time_to_acknowledge_s == 8.0
    assert scores.detected_by == "page warn acked by alice"


def test_opening_the_inbox_detects_only_when_a_related_email_is_in_it() -> None:
    mail = AlertRaised(
        at_us=s(-5400), wall=0, channel="email", kind="power_peg_disabled", source="router-8"
    )
    opened = InboxOpened(at_us=s(20), wall=0, by="bob")
    assert score([*runaway(None, 30), opened]).scores.time_to_detect_s is None
    with_mail = score([mail, *runaway(None, 30), opened]).scores
    assert with_mail.time_to_detect_s == with_mail.time_to_acknowledge_s == 20.0


def test_a_kill_switch_thrown_by_a_person_is_detection_at_the_latest() -> None:
    events = [*runaway(2700, 2760, step=10), KillSwitchThrown(at_us=s(2700), wall=0, by="ops")]
    scores = score(events).scores
    assert scores.time_to_detect_s == 2700.0 and scores.detected_by == "kill switch by ops"
    assert scores.time_to_acknowledge_s is None


def test_mitigation_is_the_last_unintended_execution_once_quiet() -> None:
    assert score(runaway(12.5, 30)).scores.time_to_mitigate_s == 12.5


def test_mitigation_without_last_execution_times_uses_the_last_growing_snapshot() -> None:
    events = [snap(0, 1), snap(10, 50), snap(20, 80), snap(30, 80), snap(40, 80)]
    assert score(events).scores.time_to_mitigate_s == 20.0


def test_a_flow_still_running_at_the_end_is_not_mitigated() -> None:
    assert score(runaway(None, 30)).scores.time_to_mitigate_s is None


def test_a_pause_shorter_than_the_quiet_time_is_not_mitigation() -> None:
    events = runaway(10, 13)
    assert score(events).scores.time_to_mitigate_s is None
    assert score(events, quiet_s=2).scores.time_to_mitigate_s == 10.0


def test_an_abort_does_not_count_as_mitigation() -> None:
    events = [*runaway(20, 60), Aborted(at_us=s(20), wall=0, reason="max loss")]
    card = score(events)
    assert card.scores.time_to_mitigate_s is None
    assert card.milestones.runaway_s == 20.0
    assert card.scores.loss_usd == 2000.0


def test_loss_is_marked_at_the_end_and_a_gain_loses_no_points() -> None:
    assert score([snap(0, 5, loss=100.0), snap(10, 5, loss=40.0)]).scores.loss_usd == 40.0
    assert loss_credit(-5_000.0, 1_000.0) == 1.0
    assert loss_credit(500.0, 1_000.0) == 0.5
    assert loss_credit(5_000.0, 1_000.0) == 0.0


def test_time_credit_is_full_when_good_nothing_when_too_late_and_falls_between() -> None:
    assert time_credit(None, 5) == 0.0
    assert time_credit(3, 5) == 1.0
    assert time_credit(2700, 5) == 0.0
    credits = [time_credit(t, 5) for t in (10, 60, 600, 2000)]
    assert credits == sorted(credits, reverse=True) and all(0 < c < 1 for c in credits)


@pytest.mark.parametrize(
    ("points", "grade"), [(100, "A"), (90, "A"), (89.9, "B"), (70, "C"), (60, "D"), (59.9, "F")]
)
def test_letters(points: float, grade: str) -> None:
    assert letter(points) == grade


def test_adherence_counts_when_graded_and_its_weight_is_shared_when_not() -> None:
    base = [started(loss_reference_usd=1_000.0), *runaway(1, 60)]
    ungraded = score(base).scores
    graded = score([*base, RunbookGraded(at_us=s(60), wall=0, runbook="r", adherence=0.0)]).scores
    assert ungraded.runbook_adherence is None and graded.runbook_adherence == 0.0
    assert graded.points == pytest.approx(ungraded.points * 0.85, abs=0.1)


def test_the_loss_reference_follows_the_scale_unless_given() -> None:
    events = [snap(0, 1, loss=0.0), snap(10, 1, loss=46_000.0), snap(20, 1, loss=46_000.0)]
    small = score([started(scale=0.0001), *events]).scores
    large = score([started(scale=1.0), *events]).scores
    explicit = score([started(scale=1.0, loss_reference_usd=46_000.0), *events]).scores
    assert small.points == explicit.points < large.points


def test_pnl_series_keeps_one_point_a_second_and_fills_gaps_of_more_than_a_minute() -> None:
    events = [snap(t / 4, 0, loss=t) for t in range(8)] + [snap(300, 0, loss=9.0)]
    series = pnl_series([e for e in events if isinstance(e, MarketSnapshot)], end_us=s(420))
    times = [round(t - T0 / US, 3) for t, _ in series]
    assert times == [0.75, 1.75, 61.75, 121.75, 181.75, 241.75, 300.0, 360.0, 420.0]
    assert [v for _, v in series] == [3.0, 7.0, 7.0, 7.0, 7.0, 7.0, 9.0, 9.0, 9.0]


def test_impact_counts_symbols_long_and_short_from_the_latest_positions() -> None:
    old = snap(0, 1, positions=(SymbolPosition(symbol="OLD", executions=1, net_usd=5.0),))
    positions = (
        SymbolPosition(symbol="A", executions=3, shares=300, net_shares=300, net_usd=1500.0),
        SymbolPosition(symbol="B", executions=2, shares=200, net_shares=-200, net_usd=-800.0),
        SymbolPosition(symbol="C", executions=2, shares=200, net_shares=0, net_usd=0.0),
        SymbolPosition(symbol="D"),
    )
    impact = impact_of([old, snap(5, 7, positions=positions), snap(6, 9)])
    assert impact == Impact(
        executions=9,
        shares=900,
        symbols=3,
        net_long_usd=1500.0,
        net_long_symbols=1,
        net_short_usd=800.0,
        net_short_symbols=1,
    )


SCORES = Scores(
    time_to_detect_s=42.0,
    time_to_acknowledge_s=None,
    time_to_mitigate_s=None,
    loss_usd=1_500_000.0,
    runbook_adherence=0.8,
    grade="C",
    points=72.0,
)
IMPACT = Impact(executions=4000, symbols=12)


@pytest.mark.parametrize(
    ("metric", "op", "value", "ok"),
    [
        ("time_to_detect_s", "<=", 60, True),
        ("time_to_detect_s", ">", 60, False),
        ("time_to_mitigate_s", "<=", 300, False),
        ("time_to_mitigate_s", "==", None, True),
        ("time_to_detect_s", "!=", None, True),
        ("loss_usd", "<", 2_000_000, True),
        ("runbook_adherence", ">=", 0.75, True),
        ("grade", ">=", "B", False),
        ("grade", ">=", "c", True),
        ("grade", "<", "A", True),
        ("executions", "==", 4000, True),
        ("symbols", "<", 10, False),
    ],
)
def test_expectations(metric: str, op: str, value: float | str | None, ok: bool) -> None:
    [result] = evaluate_expectations([(metric, op, value)], SCORES, IMPACT)
    assert result.ok is ok, result.detail
    assert result.metric == metric


def test_an_expectation_result_says_what_the_value_was() -> None:
    [detect, mitigate] = evaluate_expectations(
        [("time_to_detect_s", ">", 60), ("time_to_mitigate_s", "<=", 300)], SCORES, IMPACT
    )
    assert detect.name == "time_to_detect_s > 60 s" and detect.detail == "time_to_detect_s was 42 s"
    assert mitigate.detail == "time_to_mitigate_s was never"


def test_unusable_expectations_fail_with_the_reason() -> None:
    [typo, bad_op, bad_grade] = evaluate_expectations(
        [("time_to_detct_s", "<", 1), ("loss_usd", "~", 1), ("grade", ">=", "Z")], SCORES, IMPACT
    )
    assert not typo.ok and "did you mean 'time_to_detect_s'" in typo.detail
    assert not bad_op.ok and "unknown operator" in bad_op.detail
    assert not bad_grade.ok and "letter" in bad_grade.detail
    assert expectation_problem("loss_usd", "<", None) == "only == and != compare with null, not <"
    assert expectation_problem("loss_usd", "<", "lots") is not None
    assert expectation_problem("grade", ">=", "B") is None


@dataclass(frozen=True)
class DrillExpectation:
    """Shaped like a drill file's expectation: its name is a property."""

    metric: str
    op: str
    value: float | str | None

    @property
    def name(self) -> str:
        return f"{self.metric} {self.op} {self.value}"


def test_anything_with_metric_op_and_value_can_be_evaluated() -> None:
    [result] = evaluate_expectations([DrillExpectation("loss_usd", "<", 2e6)], SCORES, IMPACT)
    assert result.ok and result.name == "loss_usd < 2000000.0"
