"""Counting events in a sliding window of drill time.

Throttles and rate detectors all ask one question: how many events in the
last ``window_us``? A deque of timestamps answers it exactly at O(1) amortised
cost per event, and the deque never holds more than the limit being enforced
plus one, because callers stop admitting events past their limit.
"""

from __future__ import annotations

from collections import deque


class SlidingWindowCounter:
    """Events in the last ``window_us`` drill microseconds."""

    __slots__ = ("_times", "window_us")

    def __init__(self, window_us: int) -> None:
        if window_us <= 0:
            raise ValueError(f"window_us: expected a positive duration, got {window_us}")
        self.window_us = window_us
        self._times: deque[int] = deque()

    def _expire(self, now: int) -> None:
        times = self._times
        horizon = now - self.window_us
        while times and times[0] <= horizon:
            times.popleft()

    def add(self, now: int) -> int:
        """Record one event at ``now``; returns the count in the window including it."""
        self._expire(now)
        self._times.append(now)
        return len(self._times)

    def count(self, now: int) -> int:
        self._expire(now)
        return len(self._times)

    def clear(self) -> None:
        self._times.clear()
