"""``GameDayTrigger``: an APScheduler trigger for a schedule's cron, window and random start.

Without a window it fires when the cron fires. With a window the cron picks the
days: on each day the cron fires at least once, the trigger fires once, at the
start the ``StartRule`` chooses inside the window (``windows.py``). Blackouts
are not skipped here: a start inside one is refused, and reported, when it comes
due (``service.py``), so a skipped game day is never silent.

The trigger is pickled into the job store; its state is plain data (the cron
text and the rule's fields), so a schedule outlives changes to these classes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from apscheduler.triggers.base import BaseTrigger

from harness.schedule.cron import cron_trigger
from harness.schedule.models import ScheduleSpec
from harness.schedule.windows import Blackouts, StartRule, TimeRange


def _midnight(day: date, rule: StartRule) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=rule.zone)


class GameDayTrigger(BaseTrigger):  # type: ignore[misc]  # APScheduler 3 ships no types
    """Fires at a schedule's starts; see the module docstring."""

    def __init__(self, cron: str, rule: StartRule, second: str = "0") -> None:
        self.cron = cron
        self.second = second
        self.rule = rule
        self._cron = cron_trigger(cron, rule.zone, second)

    @classmethod
    def of(cls, spec: ScheduleSpec) -> GameDayTrigger:
        return cls(spec.cron, spec.rule(), spec.cron_second)

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        if self.rule.window is None:
            fire: datetime | None = self._cron.get_next_fire_time(previous_fire_time, now)
            return fire
        zone = self.rule.zone
        if previous_fire_time is not None:
            # At most one start a day: the next is on the cron's next day.
            day, floor = previous_fire_time.astimezone(zone).date() + timedelta(days=1), None
        else:
            day, floor = now.astimezone(zone).date(), now
        while True:
            fire = self._cron.get_next_fire_time(None, _midnight(day, self.rule))
            if fire is None:
                return None
            day = fire.astimezone(zone).date()
            start = self.rule.start_on(day)
            if floor is None or start >= floor:
                return start
            day += timedelta(days=1)  # today's start has passed

    def upcoming(self, now: datetime) -> Iterator[datetime]:
        """The starts from ``now`` on, in order."""
        fire = self.get_next_fire_time(None, now)
        while fire is not None:
            yield fire
            fire = self.get_next_fire_time(fire, fire)

    def due_at(self, now: datetime, grace_s: int) -> datetime:
        """The start a run at ``now`` belongs to: the last one within the grace time."""
        fire = self.get_next_fire_time(None, now - timedelta(seconds=grace_s + 1))
        return fire if fire is not None and fire <= now else now

    def __getstate__(self) -> dict[str, Any]:
        b = self.rule.blackouts
        return {
            "version": 1,
            "cron": self.cron,
            "second": self.second,
            "timezone": self.rule.timezone,
            "window": str(self.rule.window) if self.rule.window else None,
            "random": self.rule.random,
            "seed": self.rule.seed,
            "market_hours": b.market_hours,
            "blackouts": [str(r) for r in b.extra],
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        window = state["window"]
        rule = StartRule(
            timezone=state["timezone"],
            window=TimeRange.parse(window, "window") if window else None,
            random=state["random"],
            seed=state["seed"],
            blackouts=Blackouts(
                market_hours=state["market_hours"],
                extra=tuple(TimeRange.parse(r, "blackout") for r in state["blackouts"]),
            ),
        )
        self.cron, self.second, self.rule = state["cron"], state["second"], rule
        self._cron = cron_trigger(self.cron, rule.zone, self.second)

    def __str__(self) -> str:
        window = f", window {self.rule.window}" if self.rule.window else ""
        return f"gameday[{self.cron}{window}, {self.rule.timezone}]"

    def __repr__(self) -> str:
        return f"<GameDayTrigger {self}>"
