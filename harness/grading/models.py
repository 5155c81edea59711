"""The shape of ``gameday grade``: a sheet per run, a card per responder."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, JsonValue

from harness.scoring import Grade


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ForbiddenTaken(_Frozen):
    """A forbidden action this responder took: the rule, when, and why it is forbidden."""

    rule: str
    action: str
    at_s: float
    reason: str
    penalty: float


class TimelineItem(_Frozen):
    """One action of a responder, with the runbook step it counted for (if any).

    ``status`` is how that step went for this responder alone; ``forbidden``
    names the rule the action broke, if it broke one.
    """

    at_s: float
    action: str
    args: dict[str, JsonValue]
    ok: bool
    step: str | None = None
    status: str | None = None
    forbidden: str | None = None


class ResponderCard(_Frozen):
    """One responder's scorecard: the run's times and loss, and their own runbook work."""

    responder: str
    time_to_detect_s: float | None
    time_to_acknowledge_s: float | None
    time_to_mitigate_s: float | None
    loss_usd: float
    actions: int
    steps_done: tuple[str, ...]
    steps_late: tuple[str, ...]
    steps_out_of_order: tuple[str, ...]
    steps_skipped: tuple[str, ...]
    forbidden: tuple[ForbiddenTaken, ...]
    adherence: float | None
    points: float
    grade: Grade
    timeline: tuple[TimelineItem, ...]


class GradeSheet(_Frozen):
    """Every responder of one run, graded; ``team_*`` is the run's own combined verdict."""

    run_id: str
    drill: str
    runbook: str | None
    journal_records: int
    journal_head: str
    team_grade: Grade
    team_adherence: float | None
    responders: tuple[ResponderCard, ...]
