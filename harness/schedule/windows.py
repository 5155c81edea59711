"""When a scheduled game day may start: blackouts, windows and the seeded random start.

Pure functions of a date or an aware datetime; nothing here reads the clock.

- **Blackouts**: market hours, 09:30 to 16:00 on Monday to Friday in the
  schedule's time zone (a start at 16:00 is outside), unless the schedule
  allows them; plus any extra daily ranges (``--blackout 12:00-13:00``).
  Market holidays are not known: they count as trading days.
- **Window**: ``--window 15:00-17:00`` starts the game day inside the window on
  each day the cron fires, at the first moment outside every blackout; with
  ``--random`` at a moment drawn uniformly from the part of the window outside
  every blackout, by a generator seeded with the schedule's seed and the date,
  so the time shown as next run is the time it runs.

>>> from datetime import date
>>> rule = StartRule("America/New_York", window=TimeRange.parse("15:00-17:00", "--window"))
>>> rule.start_on(date(2026, 1, 9)).isoformat()    # a Friday: market hours end at 16:00
'2026-01-09T16:00:00-05:00'
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Final
from zoneinfo import ZoneInfo

from harness.errors import UsageError

DAY_S: Final = 24 * 3600
MARKET_OPEN_S: Final = 9 * 3600 + 30 * 60
MARKET_CLOSE_S: Final = 16 * 3600
MARKET_HOURS: Final = "market hours (09:30-16:00 Mon-Fri)"

_RANGE: Final = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?-(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def _clock(seconds: int) -> str:
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h:02d}:{m:02d}" + (f":{s:02d}" if s else "")


def seconds_of_day(moment: datetime) -> int:
    """Wall-clock seconds since midnight of an aware datetime, in its own zone."""
    return moment.hour * 3600 + moment.minute * 60 + moment.second


@dataclass(frozen=True, order=True)
class TimeRange:
    """A daily range ``[start_s, end_s)`` of wall-clock seconds since midnight."""

    start_s: int
    end_s: int

    @classmethod
    def parse(cls, text: str, option: str) -> TimeRange:
        """``"15:00-17:00"``; ``option`` names the command-line option in the error."""
        found = _RANGE.match(text.strip())
        if found is None:
            raise UsageError(f"{option}: expected HH:MM-HH:MM such as 15:00-17:00, got {text!r}")
        h1, m1, s1, h2, m2, s2 = (int(g) if g else 0 for g in found.groups())
        start, end = h1 * 3600 + m1 * 60 + s1, h2 * 3600 + m2 * 60 + s2
        if m1 > 59 or m2 > 59 or s1 > 59 or s2 > 59 or start >= DAY_S or end > DAY_S:
            raise UsageError(f"{option}: {text!r} is not a time of day (00:00 to 24:00)")
        if end <= start:
            raise UsageError(
                f"{option}: {text!r} ends before it starts; expected the end after the start "
                "on the same day"
            )
        return cls(start, end)

    def __str__(self) -> str:
        return f"{_clock(self.start_s)}-{_clock(self.end_s)}"

    def __contains__(self, seconds: object) -> bool:
        return isinstance(seconds, int) and self.start_s <= seconds < self.end_s


@dataclass(frozen=True)
class Blackouts:
    """Daily ranges in which a game day never starts."""

    market_hours: bool = True
    extra: tuple[TimeRange, ...] = ()

    def on(self, day: date) -> list[tuple[TimeRange, str]]:
        """The blackouts of ``day``, each with the words that name it."""
        found = [(r, f"blackout {r}") for r in self.extra]
        if self.market_hours and day.weekday() < 5:
            found.append((TimeRange(MARKET_OPEN_S, MARKET_CLOSE_S), MARKET_HOURS))
        return sorted(found)

    def reason(self, moment: datetime) -> str | None:
        """Why a start at ``moment`` (aware, in the schedule's zone) is refused, or ``None``."""
        at = seconds_of_day(moment)
        return next((why for r, why in self.on(moment.date()) if at in r), None)


def allowed(window: TimeRange, blackouts: list[TimeRange]) -> list[TimeRange]:
    """The parts of ``window`` outside every blackout, in order."""
    parts = [window]
    for cut in blackouts:
        kept: list[TimeRange] = []
        for part in parts:
            if part.start_s < cut.start_s:
                kept.append(TimeRange(part.start_s, min(part.end_s, cut.start_s)))
            if part.end_s > cut.end_s:
                kept.append(TimeRange(max(part.start_s, cut.end_s), part.end_s))
        parts = kept
    return parts


@dataclass(frozen=True)
class StartRule:
    """Where in a day a schedule's game day starts: its zone, window and blackouts."""

    timezone: str
    window: TimeRange | None = None
    random: bool = False
    seed: int = 0
    blackouts: Blackouts = field(default_factory=Blackouts)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def start_on(self, day: date) -> datetime:
        """The start on ``day`` inside the window (its start if every moment is blacked out)."""
        if self.window is None:
            raise ValueError("start_on needs a window")
        parts = allowed(self.window, [r for r, _ in self.blackouts.on(day)])
        offset = self.window.start_s
        if parts and self.random:
            # Seeded by schedule and date: the same draw whenever the date is asked about.
            draw = random.Random(f"{self.seed}:{day.isoformat()}").randrange(
                sum(p.end_s - p.start_s for p in parts)
            )
            for part in parts:
                if draw < part.end_s - part.start_s:
                    offset = part.start_s + draw
                    break
                draw -= part.end_s - part.start_s
        elif parts:
            offset = parts[0].start_s
        hours, rest = divmod(offset, 3600)
        return datetime.combine(day, time(hours, rest // 60, rest % 60), tzinfo=self.zone)

    def reason(self, moment: datetime) -> str | None:
        """Why a start at ``moment`` is refused (see ``Blackouts.reason``), or ``None``."""
        return self.blackouts.reason(moment.astimezone(self.zone))
