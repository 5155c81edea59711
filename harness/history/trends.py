"""Trends over history: distributions per team and per responder, never a bare average.

Responders are measured by distributions over many drills (time to detect,
time to mitigate, loss, adherence), because an average hides both the one
disastrous morning and a steady improvement. Each distribution gives count,
min, quartiles and max, how often the time never came (``never``), and a
sparkline of the values oldest first, so a trend shows at a glance.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Final

from pydantic import BaseModel, ConfigDict

from harness.history.models import HistoryRow

SPARKS: Final = "▁▂▃▄▅▆▇█"
NEVER_MARK: Final = "·"
GRADE_ORDER: Final = ("A", "B", "C", "D", "F")
METRICS: Final = ("time_to_detect_s", "time_to_mitigate_s", "loss_usd", "adherence")


class Distribution(BaseModel):
    """One metric over a group's runs; quartiles by linear interpolation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    count: int
    never: int = 0
    min: float | None = None
    p25: float | None = None
    median: float | None = None
    p75: float | None = None
    max: float | None = None
    sparkline: str = ""


class Trend(BaseModel):
    """A team's or a responder's runs: distributions by metric and the grades they got."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: str
    name: str
    runs: int
    first: str | None
    last: str | None
    metrics: dict[str, Distribution]
    grades: dict[str, int]


def quantile(ordered: Sequence[float], q: float) -> float:
    """The ``q`` quantile of sorted values, interpolating between neighbours."""
    at = (len(ordered) - 1) * q
    low, high = math.floor(at), math.ceil(at)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


def sparkline(values: Sequence[float | None]) -> str:
    """One character per value, low to high; ``·`` where the value never came."""
    known = [v for v in values if v is not None]
    if not known:
        return NEVER_MARK * len(values)
    low, high = min(known), max(known)
    span = high - low
    marks = []
    for v in values:
        if v is None:
            marks.append(NEVER_MARK)
        else:
            level = 0 if span == 0 else round((v - low) / span * (len(SPARKS) - 1))
            marks.append(SPARKS[level])
    return "".join(marks)


def distribution(values: Sequence[float | None]) -> Distribution:
    """The distribution of ``values`` given oldest first (``None``: never happened)."""
    known = sorted(v for v in values if v is not None)
    never = len(values) - len(known)
    if not known:
        return Distribution(count=0, never=never, sparkline=sparkline(values))
    return Distribution(
        count=len(known),
        never=never,
        min=known[0],
        p25=quantile(known, 0.25),
        median=quantile(known, 0.5),
        p75=quantile(known, 0.75),
        max=known[-1],
        sparkline=sparkline(values),
    )


def _trend(kind: str, name: str, rows: list[HistoryRow], responder: str | None) -> Trend:
    rows = sorted(rows, key=lambda r: (r.started_at or "", r.run_id))
    adherence: list[float | None] = []
    grades = dict.fromkeys(GRADE_ORDER, 0)
    for row in rows:
        mine = next((r for r in row.responders if r.name == responder), None)
        # A responder's own grade where the run was graded per responder; else the run's.
        adherence.append(mine.adherence if mine and mine.grade else row.runbook_adherence)
        grades[mine.grade if mine and mine.grade else row.grade] += 1
    return Trend(
        kind=kind,
        name=name,
        runs=len(rows),
        first=rows[0].started_at if rows else None,
        last=rows[-1].started_at if rows else None,
        metrics={
            "time_to_detect_s": distribution([r.time_to_detect_s for r in rows]),
            "time_to_mitigate_s": distribution([r.time_to_mitigate_s for r in rows]),
            "loss_usd": distribution([r.loss_usd for r in rows]),
            "adherence": distribution(adherence),
        },
        grades=grades,
    )


def trends(rows: Iterable[HistoryRow]) -> list[Trend]:
    """One trend per team, then one per responder, each sorted by name."""
    everything = list(rows)
    teams: dict[str, list[HistoryRow]] = {}
    people: dict[str, list[HistoryRow]] = {}
    for row in everything:
        teams.setdefault(row.team, []).append(row)
        for name in {row.responder, *(r.name for r in row.responders)}:
            people.setdefault(name, []).append(row)
    return [
        *(_trend("team", team, teams[team], None) for team in sorted(teams)),
        *(_trend("responder", who, people[who], who) for who in sorted(people)),
    ]
