"""The drill's timeline: what fires when, and what waits for an event.

Steps with a fixed drill time are handed to the system under test's scheduler
(APScheduler date triggers on the local backend, the event queue in ``sim``).
Steps that wait for an event (``market_open``, ``deploy_finished+30s``,
``onset``) are parked until the runner reports the event, then scheduled the
same way. A fault with ``until`` or ``duration`` gets its revert scheduled the
same way too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from harness.drill.timing import DrillEvent, When
from services.clock import MARKET_OPEN_US, US

Job = Callable[[], None]
Schedule = Callable[[int, Job], None]
MARKET_OPEN_S = MARKET_OPEN_US / US


class DrillTimeline:
    """Resolves drill times and events into jobs on a scheduler that runs in drill time."""

    def __init__(self, start_s: int, schedule: Schedule) -> None:
        self.start_s = start_s
        self._schedule = schedule
        self._lock = threading.Lock()
        self._waiting: dict[DrillEvent, list[tuple[float, Job]]] = {}
        self.happened: dict[DrillEvent, float] = {DrillEvent.DRILL_START: start_s}

    def resolve(self, when: When) -> float | None:
        """Drill seconds of ``when`` if known now."""
        fixed = when.resolve(self.start_s)
        if fixed is not None:
            return fixed
        assert when.event is not None
        if when.event is DrillEvent.MARKET_OPEN:
            return MARKET_OPEN_S + when.delay_s
        at = self.happened.get(when.event)
        return None if at is None else at + when.delay_s

    def at(self, when: When, job: Job) -> None:
        """Run ``job`` at ``when``: now if that is past, later if it waits for an event."""
        drill_s = self.resolve(when)
        if drill_s is None:
            assert when.event is not None
            with self._lock:
                self._waiting.setdefault(when.event, []).append((when.delay_s, job))
            return
        self.at_drill(drill_s, job)

    def at_drill(self, drill_s: float, job: Job) -> None:
        self._schedule(round(drill_s * US), job)

    def happen(self, event: DrillEvent, drill_s: float) -> None:
        """The runner saw ``event`` at ``drill_s``: release the steps waiting for it."""
        with self._lock:
            if event in self.happened:
                return
            self.happened[event] = drill_s
            waiting = self._waiting.pop(event, [])
        for delay, job in waiting:
            self.at_drill(drill_s + delay, job)
