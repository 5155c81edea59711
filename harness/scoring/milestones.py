"""When the runaway began, when someone or something noticed it, and when it stopped.

Definitions (``docs/scoring.md`` has the reasoning):

- **onset**: the exchange accepted the first unintended order. The earliest
  ``onset_us`` any market snapshot reports; failing that, the drill time of
  the first snapshot showing an unintended execution.
- **detection**: the first of these at or after the onset: the ack of a
  related page; the opening of the inbox once a related e-mail sits in it; an
  automated control trip; the kill switch thrown (automatically, or by a
  person, who must have noticed by then).
- **acknowledgement**: the first related page ack or inbox opening at or after
  the onset (people only).
- **mitigation**: unintended executions stopped growing, and a snapshot at
  least ``quiet_s`` later proves it, before any abort of the drill (an abort
  stops the flow by tearing the system down, which is not the responders'
  doing). The time is that of the last unintended execution (``last_us`` of
  the last snapshot that grew, else that snapshot's own time).
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.events import (
    Aborted,
    AlertRaised,
    ControlTripped,
    Event,
    InboxOpened,
    KillSwitchThrown,
    MarketSnapshot,
    PageAcked,
    PageSent,
)
from harness.scoring.model import Milestones
from services.clock import US

QUIET_S = 5.0
# A control that only refuses one order and tells nobody (Knight's 9.5% collar)
# has detected nothing; one that stops the flow by itself has.
STOPPING_ACTIONS = frozenset({"disable", "logout", "kill"})
# The onset is the venue's execution time and a control's trip the gate's own
# time: a control that stopped the runaway on its second child may be stamped a
# few milliseconds before the first child's execution. Within this much before
# the onset it counts, at the onset.
SKEW_US = 1_000_000


def snapshots_of(events: Sequence[Event]) -> list[MarketSnapshot]:
    """Market snapshots in drill-time order (stable for equal times)."""
    return sorted((e for e in events if isinstance(e, MarketSnapshot)), key=lambda s: s.at_us)


def onset_of(snapshots: Sequence[MarketSnapshot]) -> int | None:
    reported = [s.onset_us for s in snapshots if s.onset_us is not None]
    if reported:
        return min(reported)
    return next((s.at_us for s in snapshots if s.executions > 0), None)


def _last_growth(snapshots: Sequence[MarketSnapshot]) -> int | None:
    """Index of the last snapshot whose executions exceed every earlier one's."""
    high, last = 0, None
    for index, snap in enumerate(snapshots):
        if snap.executions > high:
            high, last = snap.executions, index
    return last


def flow_end(snapshots: Sequence[MarketSnapshot], onset_us: int | None) -> int | None:
    """Drill time of the last known unintended execution (the onset if none executed)."""
    if onset_us is None:
        return None
    index = _last_growth(snapshots)
    if index is None:
        return onset_us
    snap = snapshots[index]
    return max(onset_us, snap.last_us if snap.last_us is not None else snap.at_us)


def mitigation_of(
    snapshots: Sequence[MarketSnapshot], onset_us: int | None, cutoff_us: int | None, quiet_s: float
) -> int | None:
    if onset_us is None:
        return None
    usable = [s for s in snapshots if cutoff_us is None or s.at_us <= cutoff_us]
    end = flow_end(usable, onset_us)
    index = _last_growth(usable)
    # Still growing in the last usable snapshot, or never seen executing: not stopped.
    if end is None or index is None or index == len(usable) - 1:
        return None
    if usable[-1].at_us - end < quiet_s * US:
        return None
    return end


def detections(events: Sequence[Event], onset_us: int) -> list[tuple[int, str, bool]]:
    """``(drill µs, what, by a person)`` of every detecting event at or after the onset."""
    unrelated = {e.page_id for e in events if isinstance(e, PageSent) and not e.related}
    first_mail: int | None = None
    found: list[tuple[int, str, bool]] = []
    for event in events:
        if isinstance(event, AlertRaised) and event.channel == "email" and event.related:
            first_mail = event.at_us if first_mail is None else min(first_mail, event.at_us)
        automatic = isinstance(event, KillSwitchThrown) or (
            isinstance(event, ControlTripped) and event.action in STOPPING_ACTIONS
        )
        if event.at_us < onset_us - (SKEW_US if automatic else 0):
            continue
        at = max(event.at_us, onset_us)
        if isinstance(event, PageAcked) and event.page_id not in unrelated:
            found.append((event.at_us, f"page {event.page_id} acked by {event.by}", True))
        elif isinstance(event, InboxOpened) and first_mail is not None:
            if first_mail <= event.at_us:
                found.append((event.at_us, f"inbox opened by {event.by}", True))
        elif isinstance(event, ControlTripped) and event.action in STOPPING_ACTIONS:
            found.append((at, f"{event.layer} control {event.control}", False))
        elif isinstance(event, KillSwitchThrown):
            how = "automatic kill switch" if event.automatic else "kill switch"
            found.append((at, f"{how} by {event.by}", False))
    # Stable: of events at the same drill time, the first in journal order wins.
    return sorted(found, key=lambda d: d[0])


def milestones(events: Sequence[Event], quiet_s: float = QUIET_S) -> Milestones:
    """The milestones of a run, from its events alone."""
    if not events:
        raise ValueError("no events to score")
    start = min(e.at_us for e in events)
    end = max(e.at_us for e in events)
    snaps = snapshots_of(events)
    onset = onset_of(snaps)
    if onset is None:
        return Milestones(start_us=start, end_us=end)
    aborts = [e.at_us for e in events if isinstance(e, Aborted)]
    found = detections(events, onset)
    detected = found[0] if found else None
    return Milestones(
        start_us=start,
        end_us=end,
        onset_us=onset,
        detected_us=detected[0] if detected else None,
        detected_by=detected[1] if detected else None,
        acknowledged_us=next((d[0] for d in found if d[2]), None),
        mitigated_us=mitigation_of(snaps, onset, min(aborts, default=None), quiet_s),
        flow_end_us=flow_end(snaps, onset),
    )
