"""Grading a response against a runbook: a pure function of actions and event times.

``grade_runbook(runbook, actions, events)`` takes the responders' actions as
``(at_s, responder, action, args)`` and the drill's event times (``detection``,
``onset``, ``mitigation``, ``market_open``, ...; ``None`` when it never
happened) and says, per step, whether it was done, late, out of order or
skipped, which forbidden actions were taken, and the ``runbook_adherence``
score. The formula is in ``docs/runbooks.md``; in short::

    credit(step)  = 0 if skipped, else 1, halved if late, halved if out of order
    step_score    = mean credit over required steps (1 if there are none)
    adherence     = clamp(step_score - sum of penalties of the rules broken, 0, 1)

>>> from harness.runbook.loader import load_runbook
>>> book = load_runbook("kill-switch")                     # doctest: +SKIP
>>> grade_runbook(book, [(30.0, "ana", "kill_switch", {})], {"detection": 10.0})  # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import NamedTuple

from pydantic import BaseModel, ConfigDict

from harness.runbook.models import ArgValue, Forbidden, Runbook, Step


class TimedAction(NamedTuple):
    """One responder action: when (drill seconds), who, what, and its arguments."""

    at_s: float
    responder: str
    action: str
    args: Mapping[str, object]


class StepStatus(StrEnum):
    """How a step went: in order and in time, late, out of order, or never done."""

    DONE = "done"
    LATE = "late"
    OUT_OF_ORDER = "out_of_order"
    SKIPPED = "skipped"


class StepResult(BaseModel):
    """One step's grade; ``at_s`` and ``responder`` belong to the action that counted."""

    model_config = ConfigDict(frozen=True)

    id: str
    status: StepStatus
    required: bool
    at_s: float | None
    responder: str | None
    deadline_s: float | None
    late: bool
    in_order: bool
    credit: float


class Violation(BaseModel):
    """A forbidden action that was taken, and why it was wrong."""

    model_config = ConfigDict(frozen=True)

    rule: str
    action: str
    at_s: float
    responder: str
    reason: str
    penalty: float


class RunbookGrade(BaseModel):
    """The whole grade: per step, per violation, and the adherence score in [0, 1]."""

    model_config = ConfigDict(frozen=True)

    runbook: str
    steps: list[StepResult]
    violations: list[Violation]
    step_score: float
    penalty: float
    adherence: float

    def step(self, step_id: str) -> StepResult:
        return next(s for s in self.steps if s.id == step_id)


def _same(want: ArgValue, got: object) -> bool:
    return want == got or str(want) == str(got)


def _matches(action: TimedAction, names: Iterable[str], args: Mapping[str, ArgValue]) -> bool:
    if action.action not in names:
        return False
    return all(k in action.args and _same(v, action.args[k]) for k, v in args.items())


def _in_prerequisite_order(runbook: Runbook) -> list[Step]:
    """Steps with every prerequisite before it; ties keep the runbook's order."""
    placed: list[Step] = []
    done: set[str] = set()
    waiting = list(runbook.steps)
    while waiting:
        # The model refuses cycles, so some step is always ready.
        ready = next(s for s in waiting if set(s.requires) <= done)
        waiting.remove(ready)
        placed.append(ready)
        done.add(ready.id)
    return placed


def _deadline(step: Step, events: Mapping[str, float | None]) -> float | None:
    """When the step is due; ``None`` without a deadline or when its event never happened."""
    if step.deadline is None:
        return None
    anchor = events.get(step.deadline.after.value)
    return None if anchor is None else anchor + step.deadline.within_s


def _grade_step(
    step: Step,
    actions: list[TimedAction],
    used: set[int],
    completed: dict[str, int | None],
    events: Mapping[str, float | None],
) -> StepResult:
    matches = [
        i for i, a in enumerate(actions) if i not in used and _matches(a, step.action, step.args)
    ]
    prerequisites = [completed[r] for r in step.requires]
    after: int | None = max((p for p in prerequisites if p is not None), default=-1)
    if any(p is None for p in prerequisites):
        after = None
    in_order = [i for i in matches if after is not None and i > after]
    chosen = in_order[0] if in_order else (matches[0] if matches else None)
    completed[step.id] = chosen
    deadline = _deadline(step, events)
    if chosen is None:
        return StepResult(
            id=step.id,
            status=StepStatus.SKIPPED,
            required=step.required,
            at_s=None,
            responder=None,
            deadline_s=deadline,
            late=False,
            in_order=False,
            credit=0.0,
        )
    used.add(chosen)
    action = actions[chosen]
    late = deadline is not None and action.at_s > deadline
    ordered = bool(in_order)
    credit = (0.5 if late else 1.0) * (1.0 if ordered else 0.5)
    status = (
        StepStatus.OUT_OF_ORDER if not ordered else StepStatus.LATE if late else StepStatus.DONE
    )
    return StepResult(
        id=step.id,
        status=status,
        required=step.required,
        at_s=action.at_s,
        responder=action.responder,
        deadline_s=deadline,
        late=late,
        in_order=ordered,
        credit=credit,
    )


def _incident(events: Mapping[str, float | None]) -> tuple[float, float] | None:
    known = [t for t in (events.get("onset"), events.get("detection")) if t is not None]
    if not known:
        return None
    end = events.get("mitigation")
    return min(known), math.inf if end is None else end


def _violations(
    runbook: Runbook, actions: list[TimedAction], events: Mapping[str, float | None]
) -> list[Violation]:
    incident = _incident(events)
    found: list[Violation] = []
    for rule in runbook.forbidden:
        for i, action in enumerate(actions):
            if not _matches(action, (rule.action.value,), rule.args):
                continue
            if rule.during == "incident" and (
                incident is None or not incident[0] <= action.at_s < incident[1]
            ):
                continue
            if _allowed(rule, runbook, actions[:i]):
                continue
            found.append(
                Violation(
                    rule=rule.id,
                    action=action.action,
                    at_s=action.at_s,
                    responder=action.responder,
                    reason=rule.reason,
                    penalty=rule.penalty,
                )
            )
    return found


def _allowed(rule: Forbidden, runbook: Runbook, before: list[TimedAction]) -> bool:
    if not rule.unless:
        return False
    steps = [runbook.step(s) for s in rule.unless]
    return all(any(_matches(a, s.action, s.args) for a in before) for s in steps)


def grade_runbook(
    runbook: Runbook,
    actions: Iterable[TimedAction | tuple[float, str, str, Mapping[str, object]]],
    events: Mapping[str, float | None],
) -> RunbookGrade:
    """Grade ``actions`` against ``runbook``; times in drill seconds, on the clock of ``events``."""
    ordered = sorted((TimedAction(*a) for a in actions), key=lambda a: a.at_s)
    used: set[int] = set()
    completed: dict[str, int | None] = {}
    by_id = {
        step.id: _grade_step(step, ordered, used, completed, events)
        for step in _in_prerequisite_order(runbook)
    }
    steps = [by_id[s.id] for s in runbook.steps]
    required = [s.credit for s in steps if s.required]
    step_score = sum(required) / len(required) if required else 1.0
    violations = _violations(runbook, ordered, events)
    broken = {v.rule: v.penalty for v in violations}
    penalty = sum(broken.values())
    return RunbookGrade(
        runbook=runbook.name,
        steps=steps,
        violations=violations,
        step_score=step_score,
        penalty=penalty,
        adherence=min(1.0, max(0.0, step_score - penalty)),
    )
