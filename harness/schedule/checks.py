"""Checks of a new schedule against its own upcoming starts.

``gameday schedule add`` looks at the next year of starts (at most
``MAX_SAMPLES`` of them) and refuses a schedule whose every start falls inside
a blackout (it would never run) or whose starts come closer together than its
misfire grace time (a late start could then overlap the next one). A schedule
only some of whose starts are blacked out is accepted with a note: those starts
are skipped, and reported, when they come due.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import islice, pairwise
from typing import Final

from harness.drill.timing import format_duration
from harness.errors import UsageError
from harness.schedule.trigger import GameDayTrigger

MAX_SAMPLES: Final = 2000
HORIZON: Final = timedelta(days=366)


def check_starts(trigger: GameDayTrigger, grace_s: int, now: datetime) -> list[str]:
    """Notes for the user; a ``UsageError`` naming the option when the schedule cannot work."""
    starts = [s for s in islice(trigger.upcoming(now), MAX_SAMPLES) if s - now <= HORIZON] or list(
        islice(trigger.upcoming(now), 1)
    )
    if not starts:
        raise UsageError(f"--cron: {trigger.cron!r} never fires")
    refused = [s for s in starts if trigger.rule.reason(s) is not None]
    if len(refused) == len(starts):
        why = trigger.rule.reason(starts[0])
        zone = trigger.rule.timezone
        option = "--window" if trigger.rule.window else "--cron"
        hint = (
            "; pass --allow-market-hours to start during them"
            if why and why.startswith("market")
            else ""
        )
        raise UsageError(
            f"{option}: every start falls inside {why} in {zone}; "
            f"expected a time outside the blackouts{hint}"
        )
    gaps = [b - a for a, b in pairwise(starts)]
    if gaps and min(gaps) <= timedelta(seconds=grace_s):
        raise UsageError(
            f"--misfire-grace: {format_duration(grace_s)} is not shorter than the "
            f"{format_duration(min(gaps).total_seconds())} between two starts; expected a "
            "shorter grace time (or fewer starts)"
        )
    notes = []
    if refused:
        last = starts[-1].astimezone(trigger.rule.zone).date().isoformat()
        notes.append(
            f"{len(refused)} of the {len(starts)} starts until {last} fall inside a blackout; "
            "they will be skipped and reported"
        )
    return notes
