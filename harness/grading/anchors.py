"""The drill's event times (``detection``, ``onset``, ...) read back from a journal.

Runbook deadlines are anchored on these. The runner records them as events
arrive (``DrillRun._watch_milestones``); this module applies the same rules to
the journal's events in order, so a responder graded afterwards is held to the
same deadlines the run's own ``runbook_graded`` verdict used.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.drill.timing import MARKET_OPEN_S, DrillEvent
from harness.events import (
    AlertRaised,
    Event,
    KillSwitchThrown,
    MarketSnapshot,
    PageAcked,
    PageSent,
    RunStarted,
    ScenarioAction,
)
from services.clock import US


def event_times(events: Sequence[Event]) -> dict[str, float | None]:
    """Drill seconds of each event that happened, by name, first occurrence only."""
    happened: dict[DrillEvent, float] = {}

    def happen(name: DrillEvent, at_s: float) -> None:
        happened.setdefault(name, at_s)

    for event in events:
        at = event.at_s
        if isinstance(event, RunStarted):
            happen(DrillEvent.DRILL_START, at)
        elif isinstance(event, AlertRaised):
            happen(DrillEvent.FIRST_ALERT, at)
            if event.channel == "email":
                happen(DrillEvent.FIRST_EMAIL, at)
        elif isinstance(event, PageSent):
            happen(DrillEvent.FIRST_PAGE, at)
        elif isinstance(event, KillSwitchThrown):
            happen(DrillEvent.KILL_SWITCH, at)
            happen(DrillEvent.DETECTION, at)
        elif isinstance(event, PageAcked) and DrillEvent.ONSET in happened:
            happen(DrillEvent.DETECTION, at)
        elif isinstance(event, MarketSnapshot) and event.onset_us is not None:
            happen(DrillEvent.ONSET, event.onset_us / US)
        elif isinstance(event, ScenarioAction) and event.by == "scenario":
            if event.action == "deploy":
                happen(DrillEvent.DEPLOY_FINISHED, at)
            elif event.action == "rollback":
                happen(DrillEvent.ROLLBACK_FINISHED, at)
    # The open is a time of day, not something that happens: always an anchor.
    happened.setdefault(DrillEvent.MARKET_OPEN, MARKET_OPEN_S)
    return {str(name): at for name, at in happened.items()}
