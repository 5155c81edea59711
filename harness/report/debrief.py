"""The debrief: what happened, what each responder did, against the runbook.

The facilitator's closing story of a game day, from the verified journal: the
faults, the alerts and pages, the controls that fired, the pauses and hints,
and every responder action beside the runbook step it counted for (or the rule
it broke), then a line per responder with their grade. Repeated alerts are
folded into one line with a count, so 97 unread e-mails read as one line that
says 97.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from harness.events import (
    AlertRaised,
    ClockPaused,
    ClockResumed,
    Event,
    HintGiven,
    MarketSnapshot,
    ResponderAction,
    RunbookGraded,
)
from harness.grading import GradeSheet, grade_run
from harness.journal import journal_path, read_journal
from harness.report.timeline import describe, milestone_entries
from harness.scoring import score


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DebriefLine(_Frozen):
    """One moment of the debrief: when, who (a responder, "facilitator" or "system"), what."""

    at_s: float
    who: str
    text: str
    runbook: str = ""
    """For a responder action: the runbook step it counted for and how, or the rule it broke."""


class Debrief(_Frozen):
    run_id: str
    drill: str
    lines: tuple[DebriefLine, ...]
    sheet: GradeSheet


def _folded_alerts(events: Sequence[Event]) -> tuple[list[DebriefLine], set[int]]:
    """One line per kind of alert at its first occurrence, with how many followed."""
    first: dict[tuple[str, str, str], int] = {}
    counts: dict[tuple[str, str, str], int] = {}
    for i, e in enumerate(events):
        if isinstance(e, AlertRaised):
            key = (e.channel, e.source, e.kind)
            first.setdefault(key, i)
            counts[key] = counts.get(key, 0) + 1
    lines = []
    for key, i in first.items():
        text = describe(events[i])
        if counts[key] > 1:
            text += f" (x{counts[key]})"
        lines.append(DebriefLine(at_s=events[i].at_s, who="system", text=text))
    return lines, {i for i, e in enumerate(events) if isinstance(e, AlertRaised)}


def build_debrief(events: Sequence[Event], sheet: GradeSheet) -> Debrief:
    lines, alerts = _folded_alerts(events)
    notes: dict[tuple[str, float, str], str] = {}
    for card in sheet.responders:
        for item in card.timeline:
            if item.forbidden:
                note = f"FORBIDDEN: {item.forbidden}"
            elif item.step:
                note = f"step {item.step} ({item.status})"
            else:
                note = "not in the runbook"
            notes[(card.responder, item.at_s, item.action)] = note
    for i, e in enumerate(events):
        if i in alerts or isinstance(e, MarketSnapshot | RunbookGraded):
            continue
        if isinstance(e, ResponderAction):
            args = " ".join(f"{k}={v}" for k, v in e.args.items() if k != "reason")
            text = f"{e.action} {args}".strip() + ("" if e.ok else " (failed)")
            note = notes.get((e.responder, e.at_s, e.action), "")
            lines.append(DebriefLine(at_s=e.at_s, who=e.responder, text=text, runbook=note))
        elif isinstance(e, HintGiven):
            to = f" to {e.to}" if e.to else " to everyone"
            lines.append(DebriefLine(at_s=e.at_s, who=e.by, text=f"hint{to}: {e.text}"))
        elif isinstance(e, ClockPaused):
            lines.append(DebriefLine(at_s=e.at_s, who=e.by, text="paused the drill"))
        elif isinstance(e, ClockResumed):
            text = f"resumed the drill after {e.paused_wall_s:.0f} s"
            lines.append(DebriefLine(at_s=e.at_s, who=e.by, text=text))
        else:
            lines.append(DebriefLine(at_s=e.at_s, who="system", text=describe(e)))
    marks = score(events).milestones
    for entry in milestone_entries(marks):
        lines.append(DebriefLine(at_s=entry.at, who="score", text=entry.text))
    ordered = sorted(lines, key=lambda line: line.at_s)
    return Debrief(run_id=sheet.run_id, drill=sheet.drill, lines=tuple(ordered), sheet=sheet)


def debrief_run(directory: str | Path) -> Debrief:
    """The debrief of the run in ``directory``; its journal must verify (as for grades)."""
    sheet = grade_run(directory)
    events = read_journal(journal_path(directory)).events
    return build_debrief(events, sheet)


def format_time(at_s: float) -> str:
    s = int(at_s)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
