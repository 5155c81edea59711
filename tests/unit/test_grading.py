"""Per-responder grading from a real journal written by ``JournalWriter``."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.events import (
    Event,
    MarketSnapshot,
    PageAcked,
    ResponderAction,
    RunbookGraded,
    RunEnded,
    RunStarted,
)
from harness.grading import event_times, grade_events, grade_run
from harness.journal import JournalDamaged, JournalWriter
from services.clock import US

OPEN = 34_200


def at(s: float) -> int:
    return round(s * US)


def act(s: float, who: str, action: str, **args: str) -> ResponderAction:
    return ResponderAction(at_us=at(s), wall=s, responder=who, action=action, args=args)


def events() -> list[Event]:
    return [
        RunStarted(
            at_us=at(33_300),
            wall=0.0,
            run_id="gd-test",
            drill="flag-reuse",
            backend="sim",
            seed=3,
            speed=30,
            scale=0.1,
            controls="modern",
            responder="ana",
        ),
        MarketSnapshot(
            at_us=at(OPEN + 1), wall=1.0, executions=10, loss_usd=500.0, onset_us=at(OPEN)
        ),
        PageAcked(at_us=at(OPEN + 10), wall=2.0, page_id="1", by="ana"),
        act(OPEN + 20, "ana", "kill_switch"),
        act(OPEN + 30, "bob", "rollback"),
        act(OPEN + 40, "ana", "cancel_all"),
        act(OPEN + 400, "bob", "escalate"),
        MarketSnapshot(
            at_us=at(OPEN + 50), wall=3.0, executions=10, loss_usd=500.0, onset_us=at(OPEN)
        ),
        RunbookGraded(at_us=at(OPEN + 500), wall=4.0, runbook="runaway-orders", adherence=0.1),
        RunEnded(at_us=at(OPEN + 500), wall=5.0),
    ]


@pytest.fixture
def run_dir(tmp_path: Path) -> Path:
    with JournalWriter(tmp_path) as journal:
        for event in events():
            journal.append(event)
    return tmp_path


def test_event_times_follow_the_runner_rules() -> None:
    times = event_times(events())
    assert times["drill_start"] == 33_300
    assert times["onset"] == OPEN
    assert times["detection"] == OPEN + 10  # the first ack after the onset
    assert times["market_open"] == 9 * 3600 + 30 * 60  # a time of day: always an anchor


def test_each_responder_graded_on_their_own_actions(run_dir: Path) -> None:
    sheet = grade_run(run_dir)
    assert sheet.journal_records == len(events()) and len(sheet.journal_head) == 64
    ana, bob = sheet.responders
    assert (ana.responder, bob.responder) == ("ana", "bob")
    assert ana.steps_done == ("halt", "cancel-all")
    assert "escalate" in ana.steps_skipped and ana.forbidden == ()
    # bob escalated late and without a kill switch of his own, and rolled back unverified.
    assert bob.steps_out_of_order == ("escalate",)
    assert [f.rule for f in bob.forbidden] == ["rollback-unverified"]
    assert bob.adherence == 0.0 and bob.adherence is not None
    assert ana.adherence is not None and ana.adherence > bob.adherence
    assert ana.points > bob.points
    # The desk's times and loss are the run's, the same on every card.
    assert ana.time_to_detect_s == bob.time_to_detect_s == 10.0
    assert ana.loss_usd == bob.loss_usd == 500.0
    timeline = {(i.action, i.step, i.forbidden) for i in bob.timeline}
    assert timeline == {("rollback", None, "rollback-unverified"), ("escalate", "escalate", None)}


def test_a_single_responder_matches_the_runs_own_verdict() -> None:
    only_ana = [
        e for e in events() if not (isinstance(e, ResponderAction) and e.responder == "bob")
    ]
    (card,) = grade_events(only_ana).responders
    assert card.steps_done == ("halt", "cancel-all")


def test_a_tampered_journal_is_refused(run_dir: Path) -> None:
    journal = run_dir / "journal.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[3] = lines[3].replace(b"kill_switch", b"kill_swatch")
    journal.write_bytes(b"".join(lines))
    with pytest.raises(JournalDamaged, match="line 4"):
        grade_run(run_dir)
