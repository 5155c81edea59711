"""What a responder sees on the risk screen, and how late they see it.

Knight's PMON "lagged and misreported under heavy volume". The display here
is a two-stage pipeline: a snapshot taken at one refresh is what the screen
shows from the next refresh on, and refreshes come ``lag`` apart, so what is
on screen is always between one and two lags old. The lag is
``lag_base_us`` plus ``lag_per_exec_rate_us`` for each execution per second
seen over the last ``rate_window_us``, capped at ``lag_max_us``: the busier
the market, the staler the screen. With no lag configured (``modern``) the
screen is live.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from services.clock import US, format_hhmmss
from services.risk.settings import DisplaySettings
from services.risk.window import SlidingWindowCounter

Snapshot = dict[str, Any]


class LaggedDisplay:
    """Holds the shown and the next snapshot; refreshes them ``lag`` apart."""

    def __init__(self, settings: DisplaySettings) -> None:
        self.settings = settings
        self._rate = SlidingWindowCounter(settings.rate_window_us)
        self._shown: tuple[int, Snapshot] | None = None
        self._next: tuple[int, Snapshot] | None = None

    @property
    def live(self) -> bool:
        s = self.settings
        return s.lag_base_us == 0 and s.lag_per_exec_rate_us == 0

    def configure(self, settings: DisplaySettings) -> None:
        if settings.rate_window_us != self.settings.rate_window_us:
            self._rate = SlidingWindowCounter(settings.rate_window_us)
        self.settings = settings

    def on_execution(self, now: int) -> None:
        if not self.live:
            self._rate.add(now)

    def execution_rate(self, now: int) -> float:
        """Executions per drill second over the rate window."""
        return self._rate.count(now) * US / self.settings.rate_window_us

    def lag(self, now: int) -> int:
        s = self.settings
        lag = s.lag_base_us + round(s.lag_per_exec_rate_us * self.execution_rate(now))
        return min(lag, s.lag_max_us) if s.lag_max_us else lag

    def next_refresh(self, now: int) -> int | None:
        """When ``tick`` has work: at once for the first snapshot, then a lag after the last."""
        if self.live:
            return None
        if self._next is None:
            return now
        return self._next[0] + self.lag(now)

    def tick(self, now: int, take: Callable[[], Snapshot]) -> None:
        """Refresh if the next snapshot has waited a full lag."""
        if self.live:
            return
        if self._next is None:
            self._next = (now, take())
            self._shown = self._next
            return
        if now - self._next[0] >= self.lag(now):
            self._shown = self._next
            self._next = (now, take())

    def show(self, now: int, take: Callable[[], Snapshot]) -> Snapshot:
        """The screen at ``now``: live, or the snapshot the pipeline holds."""
        if self.live:
            return {**take(), "as_of": now, "as_of_time": format_hhmmss(now), "lag_us": 0}
        self.tick(now, take)
        assert self._shown is not None
        at, snap = self._shown
        return {**snap, "as_of": at, "as_of_time": format_hhmmss(at), "lag_us": now - at}
