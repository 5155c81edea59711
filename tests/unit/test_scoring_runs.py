"""Scoring two synthetic mornings: Knight's (nobody notices for 45 minutes) and a by-the-book one.

The builders here are also used by the report and CLI tests.
"""

from __future__ import annotations

import itertools

import pytest

from harness.events import (
    AlertRaised,
    ControlTripped,
    Event,
    ExpectationSpec,
    FaultInjected,
    FaultReverted,
    FlowStarted,
    KillSwitchThrown,
    MarketSnapshot,
    PageAcked,
    PageSent,
    ResponderAction,
    RunbookGraded,
    RunEnded,
    RunStarted,
    ScenarioAction,
    SymbolPosition,
    TopologyUp,
)
from harness.scoring import score
from services.clock import US, parse_hhmm

OPEN = parse_hhmm("09:30")
SCALE = 0.001
EXPECTATIONS = (
    ExpectationSpec(metric="time_to_detect_s", op="<=", value=60),
    ExpectationSpec(metric="time_to_mitigate_s", op="<=", value=300),
    ExpectationSpec(metric="grade", op=">=", value="C"),
)


def at(clock: str, plus_s: float = 0.0) -> int:
    return parse_hhmm(clock) + round(plus_s * US)


def positions(symbols: int, long_usd: float, short_usd: float) -> tuple[SymbolPosition, ...]:
    """``symbols`` symbols: the first 80/154 of them long, the rest short (Knight's split)."""
    longs = round(symbols * 80 / 154)
    out = []
    for i in range(symbols):
        long = i < longs
        usd = long_usd / longs if long else -short_usd / (symbols - longs)
        out.append(
            SymbolPosition(
                symbol=f"S{i:03d}",
                executions=10,
                shares=1000,
                net_shares=1 if long else -1,
                net_usd=usd,
            )
        )
    return tuple(out)


class RunBuilder:
    """Events of a synthetic run, stamped with a wall clock that starts at ``wall0``."""

    def __init__(self, run_id: str = "gd-test", wall0: float = 1_700_000_000.0) -> None:
        self.run_id = run_id
        self.wall0 = wall0
        self.events: list[Event] = []

    def add(self, cls: type[Event], at_us: int, /, **fields: object) -> None:
        wall = self.wall0 + (at_us - parse_hhmm("08:00")) / US / 60
        self.events.append(cls(at_us=at_us, wall=wall, **fields))

    def runaway(self, start_us: int, stop_us: int | None, until_us: int, step_s: float) -> None:
        """Snapshots every ``step_s``: 1,480 executions/s at scale while running, then flat."""
        rate = 1480 * SCALE
        t = start_us
        while t <= until_us:
            running_to = t if stop_us is None else min(t, stop_us)
            secs = max(0, running_to - start_us) / US
            execs = round(secs * rate)
            final = t + round(step_s * US) > until_us
            self.add(
                MarketSnapshot,
                t,
                executions=execs,
                shares=execs * 99,
                loss_usd=round(execs * 77.7, 2),
                onset_us=start_us + 50_000,
                last_us=running_to if execs else None,
                positions=positions(154, 3.5e9 * SCALE, 3.15e9 * SCALE) if final else None,
            )
            t += round(step_s * US)


def start(b: RunBuilder, controls: str, responder: str) -> None:
    b.add(
        RunStarted,
        at("08:00"),
        run_id=b.run_id,
        drill="knight-2012",
        backend="sim",
        seed=7,
        speed=60.0,
        scale=SCALE,
        controls=controls,
        responder=responder,
        settings={"routers": 8},
        expectations=EXPECTATIONS,
    )
    b.add(TopologyUp, at("08:00", 1), services=("exchange", "gate", "monitor", "router-8"))
    b.add(
        FaultInjected,
        at("08:00", 2),
        fault_id="f1",
        name="skip_server_on_deploy",
        params={"host": "router-8"},
        target="router-8",
    )
    b.add(
        ScenarioAction,
        at("08:00", 5),
        action="deploy",
        by="deploy",
        report={"skipped": ["router-8"]},
    )
    b.add(FlowStarted, at("08:01"), parents=212)


def knight_like(run_id: str = "gd-knight", wall0: float = 1_700_000_000.0) -> list[Event]:
    """Knight's morning: 97 unread e-mails, a rollback that makes it worse, a kill at 45 min."""
    b = RunBuilder(run_id, wall0)
    start(b, "knight-2012", "knight-2012")
    for i in range(97):
        b.add(
            AlertRaised,
            at("08:01", i * 50),
            alert_id=f"m{i}",
            channel="email",
            kind="power_peg_disabled",
            source="router-8",
            text="Power Peg disabled",
        )
    b.add(ResponderAction, at("09:45"), responder="knight-2012", action="rollback", args={})
    b.add(KillSwitchThrown, at("10:15"), by="knight-2012", reason="stop everything")
    b.runaway(OPEN, at("10:15"), at("10:20"), step_s=10)
    b.add(RunbookGraded, at("10:20"), runbook="runaway-router", adherence=0.1)
    b.add(FaultReverted, at("10:20", 1), fault_id="f1", name="skip_server_on_deploy")
    b.add(RunEnded, at("10:20", 2), outcome="completed")
    return b.events


def by_the_book(run_id: str = "gd-book", wall0: float = 1_700_000_000.0) -> list[Event]:
    """Modern controls: a control trips in 2 s, the kill switch fires, the page is acked."""
    b = RunBuilder(run_id, wall0)
    start(b, "modern", "by-the-book")
    b.add(
        ControlTripped,
        at("09:30", 2),
        control="repeated_execution",
        layer="gate",
        detail="router-8 SYM1 re-entered 50 times",
        action="kill",
    )
    b.add(
        KillSwitchThrown, at("09:30", 2.5), by="gate", reason="repeated_execution", automatic=True
    )
    b.add(PageSent, at("09:30", 3), page_id="p1", source="gate", kind="repeated_execution")
    b.add(PageAcked, at("09:30", 20), page_id="p1", by="by-the-book")
    b.add(
        ResponderAction,
        at("09:30", 40),
        responder="by-the-book",
        action="disable_router",
        args={"router": "router-8"},
    )
    b.runaway(OPEN, at("09:30", 2.5), at("09:33"), step_s=1)
    b.add(RunbookGraded, at("09:33"), runbook="runaway-router", adherence=1.0)
    b.add(FaultReverted, at("09:33", 1), fault_id="f1", name="skip_server_on_deploy")
    b.add(RunEnded, at("09:33", 2), outcome="completed")
    return b.events


def test_knight_like_run_is_detected_only_by_the_kill_at_45_minutes() -> None:
    card = score(knight_like())
    s = card.scores
    assert s.onset_s == pytest.approx(OPEN / US + 0.05)
    assert s.time_to_detect_s == pytest.approx(45 * 60 - 0.05)
    assert s.detected_by == "kill switch by knight-2012"
    assert s.time_to_acknowledge_s is None  # the inbox was never opened
    assert s.time_to_mitigate_s == pytest.approx(45 * 60 - 0.05)
    assert s.loss_usd > 300_000
    assert s.runbook_adherence == 0.1
    assert s.grade == "F"
    assert card.impact.symbols == 154
    assert card.impact.net_long_symbols == 80 and card.impact.net_short_symbols == 74
    assert card.impact.net_long_usd == pytest.approx(3.5e6)
    assert card.impact.net_short_usd == pytest.approx(3.15e6)
    assert card.impact.executions == round(2700 * 1.48)


def test_by_the_book_run_is_detected_in_seconds_and_gets_an_a() -> None:
    card = score(by_the_book())
    s = card.scores
    assert s.time_to_detect_s == pytest.approx(1.95)
    assert s.detected_by == "gate control repeated_execution"
    assert s.time_to_acknowledge_s == pytest.approx(19.95)
    assert s.time_to_mitigate_s == pytest.approx(2.45)
    assert s.loss_usd < 1000
    assert s.grade == "A" and s.points >= 90


def test_pnl_series_has_a_point_every_drill_minute_and_ends_at_the_loss() -> None:
    card = score(knight_like())
    series = card.pnl_series
    times = [t for t, _ in series]
    assert times == sorted(times)
    assert all(b - a <= 60 for a, b in itertools.pairwise(times))
    assert series[-1][1] == card.scores.loss_usd
    assert times[-1] == pytest.approx(at("10:20", 2) / US)
