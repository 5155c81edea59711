"""Where a responder is in a runbook: which steps are done, which may come next, and when.

A step is *open* once every step it requires is done. It may be *started*
once its runbook is active and, when its deadline hangs on an event that
happens during the drill (``2m after deploy_finished``), once that event has
been seen. Times are a person's: a step starts a reaction time after the
event that calls for it, never before.

An action a responder takes completes the first open step, in the runbook's
order, that it satisfies: the grader counts each action for one step too, so
``verify_builds`` done once satisfies "verify" and only a later one
"verify again".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from harness.actions import Action
from harness.runbook.models import ResponderAction, Runbook, Step

FIXED_EVENTS: Final = frozenset({"drill_start", "market_open"})
"""Events whose time is known in advance: a deadline on them is a limit, not a call to act."""


def trigger(step: Step) -> str | None:
    """The event that calls for the step, if its deadline hangs on one that happens in the drill."""
    if step.deadline is None:
        return None
    event = step.deadline.after.value
    return None if event in FIXED_EVENTS else event


@dataclass
class RunbookProgress:
    """The steps of one runbook done so far, by id, with when each was done."""

    runbook: Runbook
    done: dict[str, int] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)

    @property
    def triggers(self) -> set[str]:
        return {event for step in self.runbook.steps if (event := trigger(step)) is not None}

    def active(self, seen: Mapping[str, int]) -> bool:
        """Whether the runbook applies yet: one of the events it answers has been seen."""
        events = self.triggers
        return not events or any(event in seen for event in events)

    def is_done(self, step_id: str) -> bool:
        return step_id in self.done or step_id in self.skipped

    def open_steps(self) -> list[Step]:
        """Steps not done whose prerequisites are, in the runbook's order."""
        return [
            s
            for s in self.runbook.steps
            if not self.is_done(s.id) and all(self.is_done(r) for r in s.requires)
        ]

    def due_at(self, step: Step, seen: Mapping[str, int], reaction_us: int) -> int | None:
        """The earliest drill time the step may start; None while its event has not been seen."""
        if not self.active(seen):
            return None
        event = trigger(step)
        if event is None:
            return 0
        at = seen.get(event)
        return None if at is None else at + reaction_us

    def record(self, action: Action, args: Mapping[str, object], at_us: int) -> str | None:
        """``action`` was taken: the id of the open step it completes, if any."""
        wanted = ResponderAction(action.value)
        for step in self.open_steps():
            if wanted in step.action and all(
                str(args.get(k)) == str(v) for k, v in step.args.items()
            ):
                self.done[step.id] = at_us
                return step.id
        return None

    def skip(self, step_id: str) -> None:
        """Nothing to do for this step (no router to disable): its dependants may go on."""
        self.skipped.add(step_id)
