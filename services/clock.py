"""Drill time.

Services never read the wall clock: they are handed a ``Clock`` whose ``now``
is drill time in integer microseconds since midnight of the trading day. In a
process the clock runs at ``speed`` times the wall clock from a shared epoch
(every process of a topology gets the same epoch, so they agree on drill time
without talking); in the ``sim`` backend a ``ManualClock`` is moved by the
scheduler from event to event.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final, Protocol

US: Final = 1_000_000
MARKET_OPEN_US: Final = (9 * 3600 + 30 * 60) * US
MARKET_CLOSE_US: Final = 16 * 3600 * US


def parse_hhmm(text: str) -> int:
    """``"08:00"`` or ``"09:30:15"`` to drill microseconds since midnight."""
    parts = text.split(":")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        raise ValueError(f"expected a time of day as HH:MM or HH:MM:SS, got {text!r}")
    h, m = int(parts[0]), int(parts[1])
    s = int(parts[2]) if len(parts) == 3 else 0
    if not (0 <= h < 24 and 0 <= m < 60 and 0 <= s < 60):
        raise ValueError(f"time of day out of range: {text!r}")
    return (h * 3600 + m * 60 + s) * US


def format_hhmmss(us: int) -> str:
    s = us // US
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


class Clock(Protocol):
    """Source of drill time."""

    def now(self) -> int:
        """Drill microseconds since midnight."""
        ...

    def wall_delay(self, drill_us: int) -> float:
        """Wall seconds until ``drill_us`` drill microseconds have passed."""
        ...


class ManualClock:
    """A clock moved by hand: unit tests and the ``sim`` backend."""

    def __init__(self, start_us: int = 0) -> None:
        self._now = start_us

    def now(self) -> int:
        return self._now

    def set(self, us: int) -> None:
        if us < self._now:
            raise ValueError("a drill clock never runs backwards")
        self._now = us

    def advance(self, us: int) -> None:
        self.set(self._now + us)

    def wall_delay(self, drill_us: int) -> float:
        return 0.0


class ScaledClock:
    """Drill time running at ``speed`` times a wall clock from a shared epoch.

    ``epoch`` is the wall time (seconds since the Unix epoch) at which drill
    time was ``start_us``. ``wall`` is injectable so that tests can drive it.
    """

    def __init__(
        self,
        start_us: int,
        speed: float = 1.0,
        epoch: float | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        self._wall = wall
        self.start_us = start_us
        self.speed = speed
        self.epoch = wall() if epoch is None else epoch

    def now(self) -> int:
        return self.start_us + int((self._wall() - self.epoch) * self.speed * US)

    def wall_delay(self, drill_us: int) -> float:
        return max(0.0, drill_us / US / self.speed)
