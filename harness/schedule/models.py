"""What a schedule is: the drill to run, for which team, when, and who to tell."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from harness.schedule.windows import Blackouts, StartRule, TimeRange

DEFAULT_TIMEZONE = "America/New_York"
DEFAULT_GRACE_S = 300


class ScheduleSpec(BaseModel):
    """One schedule as ``gameday schedule add`` wrote it (kept as JSON in the job store).

    ``drill`` is a bundled drill's name or an absolute path; ``window`` and
    ``blackouts`` are ``HH:MM-HH:MM`` ranges in ``timezone``; ``seed`` seeds the
    random start in the window; ``cron_second`` is the seconds field (``"0"``:
    crontab has none; tests use ``"*/5"``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    drill: str
    drill_name: str
    team: str
    responder: str = "by-the-book"
    controls: Literal["knight-2012", "modern"] | None = None
    backend: Literal["local", "sim"] = "local"
    cron: str
    cron_second: str = "0"
    timezone: str = DEFAULT_TIMEZONE
    window: str | None = None
    random: bool = False
    seed: int = 0
    blackouts: tuple[str, ...] = ()
    allow_market_hours: bool = False
    webhook: str | None = None
    misfire_grace_s: int = DEFAULT_GRACE_S
    created_at: str

    def rule(self) -> StartRule:
        """Where in a day this schedule's game day starts, and what it must avoid."""
        return StartRule(
            timezone=self.timezone,
            window=TimeRange.parse(self.window, "--window") if self.window else None,
            random=self.random,
            seed=self.seed,
            blackouts=Blackouts(
                market_hours=not self.allow_market_hours,
                extra=tuple(TimeRange.parse(b, "--blackout") for b in self.blackouts),
            ),
        )

    def when(self) -> str:
        """The schedule's timing in words: ``0 16 * * FRI, window 15:00-17:00 (random)``."""
        text = self.cron if self.cron_second == "0" else f"{self.cron} (second {self.cron_second})"
        if self.window:
            text += f", window {self.window}" + (" (random)" if self.random else "")
        return text


class ScheduleInfo(BaseModel):
    """A schedule as listed: its spec, its next run (``None`` while paused) and its record."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    spec: ScheduleSpec
    next_run: datetime | None
    next_blackout: str | None = None
    last_outcome: str | None = None
    last_due: str | None = None
    missed: int = 0
