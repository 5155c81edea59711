"""The scripted responders graded against the shipped runbooks, on the same synthetic mornings.

by-the-book is what the runbooks describe, so it must grade well; knight-2012
is what they were written against (a rollback before anyone verified), so it
must grade badly.
"""

from __future__ import annotations

import pytest

from harness.responders.registry import responder_named
from harness.runbook.grader import RunbookGrade, StepStatus, TimedAction, grade_runbook
from harness.runbook.loader import load_runbook
from tests.unit.test_responders import knight_morning
from tests.unit.test_responders_desk import SyntheticDesk, at, drive


def graded(name: str, desk: SyntheticDesk, runbook: str) -> tuple[RunbookGrade, list[TimedAction]]:
    book = load_runbook(runbook)
    taken = drive(responder_named(name, book), desk, at("09:29"), at("10:20"))
    return grade_runbook(book, taken, desk.drill_events(taken)), taken


@pytest.mark.parametrize("profile", ["modern", "knight-2012"])
@pytest.mark.parametrize("runbook", ["runaway-orders", "kill-switch"])
def test_by_the_book_grades_well(profile: str, runbook: str) -> None:
    grade, taken = graded("by-the-book", SyntheticDesk(profile=profile), runbook)
    assert grade.violations == []
    assert grade.adherence == 1.0
    assert all(s.status is StepStatus.DONE for s in grade.steps if s.required)
    kill = next(a.at_s for a in taken if a.action == "kill_switch")
    assert all(a.at_s >= kill for a in taken if a.action != "ack_page")


def test_knight_2012_grades_poorly_on_runaway_orders() -> None:
    grade, taken = graded("knight-2012", knight_morning(), "runaway-orders")
    assert [v.rule for v in grade.violations] == ["rollback-unverified"]
    assert grade.penalty == 0.5
    assert grade.adherence < 0.25
    assert grade.step("verify-builds").status is StepStatus.SKIPPED
    assert grade.step("halt").status is StepStatus.LATE
    assert "open_inbox" not in [a.action for a in taken]


def test_knight_2012_breaks_the_kill_switch_card_too() -> None:
    grade, _ = graded("knight-2012", knight_morning(), "kill-switch")
    assert [v.rule for v in grade.violations] == ["rollback-under-kill"]
    assert grade.adherence < 0.25


def test_by_the_book_beats_knight_on_the_same_morning() -> None:
    good, _ = graded("by-the-book", knight_morning(), "runaway-orders")
    bad, _ = graded("knight-2012", knight_morning(), "runaway-orders")
    assert good.adherence - bad.adherence >= 0.75
