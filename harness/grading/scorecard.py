"""``grade_run``: one scorecard per responder, each responder's actions graded on their own.

The run's ``runbook_graded`` event grades everyone's actions together. Here
each responder's actions go through ``grade_runbook`` separately, against the
same runbook and the same event times, so a responder who only escalated is
not credited with someone else's kill switch. Detection, acknowledgement and
mitigation times and the loss are the run's: they belong to the whole desk.
The letter grade is the run's formula with this responder's adherence.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from harness.errors import ConfigError, UsageError
from harness.events import Event, ResponderAction, RunbookGraded, RunStarted
from harness.grading.anchors import event_times
from harness.grading.models import ForbiddenTaken, GradeSheet, ResponderCard, TimelineItem
from harness.journal import JournalDamaged, journal_path, read_journal, verify
from harness.runbook.grader import RunbookGrade, StepStatus, grade_runbook
from harness.runbook.loader import load_runbook
from harness.runbook.models import Runbook
from harness.scoring import ScoreCard, score
from harness.scoring.grade import letter, loss_reference, points


def grade_run(directory: str | Path) -> GradeSheet:
    """Grade the run in ``directory``; ``JournalDamaged`` (exit 1) if its journal is not intact."""
    path = journal_path(directory)
    if not path.is_file():
        raise UsageError(f"no journal at {path}")
    check = verify(path)
    if not check.ok:
        raise JournalDamaged(f"{path}: {check.problem}")
    sheet = grade_events(read_journal(path).events)
    return sheet.model_copy(update={"journal_records": check.records, "journal_head": check.head})


def _runbook(verdict: RunbookGraded | None) -> Runbook | None:
    if verdict is None:
        return None
    try:
        return load_runbook(verdict.runbook)
    except (ConfigError, UsageError, OSError):
        # A drill file's own runbook may not be findable by name any more.
        return None


def grade_events(events: Sequence[Event]) -> GradeSheet:
    """The grade sheet of a run from its events (the caller has verified the journal)."""
    started = next((e for e in events if isinstance(e, RunStarted)), None)
    if started is None:
        raise UsageError("the journal has no run_started event: there is no run to grade")
    card = score(events)
    verdict = next((e for e in reversed(events) if isinstance(e, RunbookGraded)), None)
    runbook = _runbook(verdict)
    times = event_times(events)
    actions = [e for e in events if isinstance(e, ResponderAction)]
    # A human drill's cards are its people's (each graded, even one who did nothing);
    # a scripted responder's is its own.
    desk = started.people or (started.responder,)
    names = sorted({*desk, *(a.responder for a in actions)})
    reference = loss_reference(started.scale, started.loss_reference_usd)
    cards = tuple(
        _card(name, [a for a in actions if a.responder == name], runbook, times, card, reference)
        for name in names
    )
    return GradeSheet(
        run_id=started.run_id,
        drill=started.drill,
        runbook=verdict.runbook if verdict else None,
        journal_records=len(events),
        journal_head="",
        team_grade=card.scores.grade,
        team_adherence=card.scores.runbook_adherence,
        responders=cards,
    )


def _card(
    name: str,
    actions: list[ResponderAction],
    runbook: Runbook | None,
    times: dict[str, float | None],
    card: ScoreCard,
    reference: float,
) -> ResponderCard:
    grade: RunbookGrade | None = None
    if runbook is not None:
        timed = [(a.at_s, a.responder, a.action, dict(a.args)) for a in actions]
        grade = grade_runbook(runbook, timed, times)
    adherence = None if grade is None else grade.adherence
    earned = points(card.milestones, card.scores.loss_usd, adherence, reference)

    def steps(*status: StepStatus) -> tuple[str, ...]:
        return () if grade is None else tuple(s.id for s in grade.steps if s.status in status)

    return ResponderCard(
        responder=name,
        time_to_detect_s=card.scores.time_to_detect_s,
        time_to_acknowledge_s=card.scores.time_to_acknowledge_s,
        time_to_mitigate_s=card.scores.time_to_mitigate_s,
        loss_usd=card.scores.loss_usd,
        actions=len(actions),
        steps_done=steps(StepStatus.DONE),
        steps_late=steps(StepStatus.LATE),
        steps_out_of_order=steps(StepStatus.OUT_OF_ORDER),
        steps_skipped=steps(StepStatus.SKIPPED),
        forbidden=()
        if grade is None
        else tuple(
            ForbiddenTaken(
                rule=v.rule, action=v.action, at_s=v.at_s, reason=v.reason, penalty=v.penalty
            )
            for v in grade.violations
        ),
        adherence=adherence,
        points=earned,
        grade=letter(earned),
        timeline=_timeline(actions, runbook, grade),
    )


def _timeline(
    actions: list[ResponderAction], runbook: Runbook | None, grade: RunbookGrade | None
) -> tuple[TimelineItem, ...]:
    counted = list(grade.steps) if grade is not None else []
    broken = list(grade.violations) if grade is not None else []
    items = []
    for a in sorted(actions, key=lambda a: a.at_us):
        step = next(
            (
                s
                for s in counted
                if runbook is not None
                and s.at_s == a.at_s
                and a.action in runbook.step(s.id).action
            ),
            None,
        )
        if step is not None:
            counted.remove(step)  # one action counts for one step only
        rule = next((v for v in broken if v.at_s == a.at_s and v.action == a.action), None)
        if rule is not None:
            broken.remove(rule)
        items.append(
            TimelineItem(
                at_s=a.at_s,
                action=a.action,
                args=dict(a.args),
                ok=a.ok,
                step=None if step is None else step.id,
                status=None if step is None else str(step.status),
                forbidden=None if rule is None else rule.rule,
            )
        )
    return tuple(items)
