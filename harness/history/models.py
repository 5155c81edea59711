"""What history holds about one run, and about each responder of it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from harness.scoring import Grade

Source = Literal["cli", "pytest", "schedule"]


class ResponderRow(BaseModel):
    """One responder of a run, with the grade of that responder's own actions (if graded)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    grade: Grade | None = None
    adherence: float | None = None


class HistoryRow(BaseModel):
    """One run as history keeps it; times to detect and mitigate are drill seconds from onset."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    run_id: str
    drill: str
    team: str = ""
    responder: str
    responders: tuple[ResponderRow, ...] = ()
    backend: str
    controls: str
    seed: int
    outcome: str
    grade: Grade
    points: float
    time_to_detect_s: float | None
    time_to_acknowledge_s: float | None
    time_to_mitigate_s: float | None
    loss_usd: float
    runbook_adherence: float | None
    report_path: str
    started_at: str | None
    ended_at: str | None
    source: Source


GameDayOutcome = Literal["passed", "failed", "interrupted", "error", "missed", "skipped"]


class GameDayRow(BaseModel):
    """One start of a scheduled game day: the run's outcome, or why there was no run.

    ``missed``: due while the scheduler was down (or busy) and past the misfire
    grace time; ``skipped``: due inside a blackout, or while the previous game
    day of the schedule was still running. ``webhook`` says how telling the
    team went (``""`` when the schedule has no webhook).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    schedule_id: str
    drill: str
    team: str = ""
    due_at: str
    recorded_at: str
    outcome: GameDayOutcome
    run_id: str | None = None
    grade: Grade | None = None
    report_path: str | None = None
    detail: str = ""
    webhook: str = ""
