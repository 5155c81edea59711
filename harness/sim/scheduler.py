"""The simulation's one queue of events, on a virtual clock that jumps from event to event.

Everything that happens in the world (a batch of messages arriving, a core's
timer, a reconnect after a backoff, a job of the harness) is a callable queued
at a drill time. ``run_until`` takes them in time order; events due at the
same microsecond run in the order they were queued (a sequence number breaks
the tie), so the same calls always give the same run.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappop, heappush

from services.clock import ManualClock

Job = Callable[[], None]


class Scheduler:
    """A ``ManualClock`` and the heap of ``(drill_us, seq, job)`` that moves it."""

    __slots__ = ("_heap", "_running", "_seq", "clock", "events", "now")

    def __init__(self, start_us: int) -> None:
        self.clock = ManualClock(start_us)
        self.now = start_us
        """Drill µs of the event being run (read by the world's hot path instead of the clock)."""
        self.events = 0
        """Events run so far."""
        self._heap: list[tuple[int, int, Job]] = []
        self._seq = 0
        self._running = False

    def at(self, when: int, job: Job) -> None:
        """Run ``job`` at drill time ``when``; a time already past means now, after what is due."""
        now = self.now
        heappush(self._heap, (when if when > now else now, self._seq, job))
        self._seq += 1

    def run_until(self, end: int) -> None:
        """Run every event due up to ``end`` in time order, then leave the clock at ``end``."""
        if end < self.now:
            raise ValueError(f"run_until({end}): drill time is already {self.now}")
        if self._running:
            raise RuntimeError("run_until called from an event: the world is not re-entrant")
        self._running = True
        heap = self._heap
        clock = self.clock
        ran = 0
        try:
            while heap and heap[0][0] <= end:
                when, _, job = heappop(heap)
                if when != self.now:
                    self.now = when
                    clock.set(when)
                job()
                ran += 1
        finally:
            self.events += ran
            self._running = False
        if end > self.now:
            self.now = end
            clock.set(end)
