"""The run as a story: one line per event that a person would want to see.

Market snapshots are left out (the P&L chart shows them); the scoring
milestones (onset, detection, mitigation) are put in where they happened.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from harness.events import (
    Aborted,
    AlertRaised,
    ClockPaused,
    ClockResumed,
    ClockSpeedChanged,
    ControlTripped,
    Event,
    FaultInjected,
    FaultReverted,
    FlowStarted,
    HintGiven,
    InboxOpened,
    KillSwitchThrown,
    MarketSnapshot,
    PageAcked,
    PageSent,
    ResponderAction,
    RunbookGraded,
    RunEnded,
    RunStarted,
    ScenarioAction,
    TopologyUp,
)
from harness.report.model import TimelineEntry
from harness.scoring import Milestones
from services.clock import US

MAX_ENTRIES: Final = 2000


def _suffix(prefix: str, text: str) -> str:
    return f"{prefix}{text}" if text else ""


def describe(event: Event) -> str:
    """One line for a person about an event."""
    failed = "" if getattr(event, "ok", True) else " (failed)"
    match event:
        case RunStarted():
            return f"drill {event.drill} started ({event.controls} controls, {event.responder})"
        case TopologyUp():
            return (
                f"topology up: {len(event.services)} services" if event.services else "topology up"
            )
        case FlowStarted():
            if not event.parents:
                return "order flow started"
            return f"order flow started ({event.parents} parent orders)"
        case FaultInjected():
            return f"fault {event.name} injected{_suffix(' on ', event.target)}"
        case FaultReverted():
            return f"fault {event.name} reverted{failed}{_suffix(': ', event.error)}"
        case ScenarioAction():
            return f"{event.action}{_suffix(' by ', event.by)}{failed}"
        case AlertRaised():
            return f"{event.channel}: {event.source} {event.kind}{_suffix(': ', event.text)}"
        case PageSent():
            return f"page {event.page_id}: {event.source} {event.kind}"
        case PageAcked():
            return f"page {event.page_id} acked by {event.by}"
        case InboxOpened():
            return f"inbox opened by {event.by}"
        case ResponderAction():
            return f"{event.responder}: {event.action}{failed}"
        case ClockPaused():
            return f"drill paused by {event.by}"
        case ClockResumed():
            return f"drill resumed by {event.by} after {event.paused_wall_s:.0f} s"
        case ClockSpeedChanged():
            return f"drill clock at {event.speed:g}x ({event.by})"
        case HintGiven():
            return f"hint from {event.by} to {event.to or 'everyone'}: {event.text}"
        case ControlTripped():
            return f"{event.layer} control {event.control} tripped{_suffix(': ', event.detail)}"
        case KillSwitchThrown():
            how = "automatic kill switch" if event.automatic else "kill switch"
            return f"{how} thrown by {event.by}{_suffix(': ', event.reason)}"
        case RunbookGraded():
            return f"runbook {event.runbook} graded: adherence {event.adherence:.2f}"
        case Aborted():
            return f"drill aborted: {event.reason}"
        case RunEnded():
            return f"run ended ({event.outcome}){_suffix(': ', event.detail)}"
    return event.tag


def milestone_entries(marks: Milestones) -> list[TimelineEntry]:
    found = [
        (marks.onset_us, "runaway onset: the exchange accepted the first unintended order"),
        (marks.detected_us, f"detected: {marks.detected_by}"),
        (marks.mitigated_us, "mitigated: the last unintended execution"),
    ]
    return [
        TimelineEntry(at=at / US, type="milestone", text=text)
        for at, text in found
        if at is not None
    ]


def timeline(events: Sequence[Event], marks: Milestones) -> tuple[TimelineEntry, ...]:
    """Events in drill-time order with the milestones; at most ``MAX_ENTRIES`` lines."""
    entries = [
        TimelineEntry(at=e.at_us / US, type=e.tag, text=describe(e))
        for e in events
        if not isinstance(e, MarketSnapshot)
    ]
    entries = sorted([*entries, *milestone_entries(marks)], key=lambda t: t.at)
    if len(entries) > MAX_ENTRIES:
        left = len(entries) - MAX_ENTRIES + 1
        cut = entries[: MAX_ENTRIES - 1]
        cut.append(TimelineEntry(at=cut[-1].at, type="elided", text=f"... {left} more entries"))
        entries = cut
    return tuple(entries)
