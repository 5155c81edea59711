"""Repeated-execution throttle: the control that would have stopped Knight.

A strategy that is filled and immediately sends another order, again and
again, is either working a very large order or broken. After ``max_cycles``
fill-and-re-enter cycles inside ``window_us`` for one session and symbol, that
session's trading in that symbol is disabled until a person re-enables it
(``POST /reenable``); with ``kill_on_trip`` the kill switch is thrown as well.

A cycle is counted when a new child order arrives for a (session, symbol) that
has had a fill since its previous child order.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from services.clock import format_hhmmss
from services.protocol import NewChild, RejectReason
from services.risk.controls.base import (
    ControlSettings,
    PreTradeControl,
    RiskState,
    session_symbol,
)
from services.risk.trips import Action, Breach
from services.risk.window import SlidingWindowCounter


class RepeatedExecutionSettings(ControlSettings):
    """How many fill-and-re-enter cycles a window may hold."""

    max_cycles: int = Field(default=40, gt=0, description="cycles allowed in the window")
    window_us: int = Field(default=5_000_000, gt=0, description="window, drill µs")
    kill_on_trip: bool = Field(default=False, description="also throw the kill switch")


class RepeatedExecutionThrottle(PreTradeControl[RepeatedExecutionSettings]):
    """Counts fill-and-re-enter cycles per (session, symbol); disables a runaway key."""

    name = "repeated_execution"

    def __init__(self, settings: RepeatedExecutionSettings, state: RiskState) -> None:
        self._filled: set[tuple[str, str]] = set()
        self._cycles: dict[tuple[str, str], SlidingWindowCounter] = {}
        self.disabled: dict[tuple[str, str], int] = {}
        super().__init__(settings, state)

    def configure(self, settings: RepeatedExecutionSettings) -> None:
        super().configure(settings)
        self._cycles = {}

    def on_fill(self, session: str, symbol: str) -> None:
        self._filled.add((session, symbol))

    def check(self, session: str, child: NewChild, now: int) -> Breach | None:
        key = (session, child.symbol)
        if key in self.disabled:
            return Breach(
                self.name,
                RejectReason.REPEATED_EXECUTION,
                "disabled until re-enabled by a person",
                session_symbol(*key),
                Action.DISABLE,
            )
        if key not in self._filled:
            return None
        self._filled.discard(key)
        window = self._cycles.get(key)
        if window is None:
            window = self._cycles[key] = SlidingWindowCounter(self.settings.window_us)
        cycles = window.add(now)
        if cycles <= self.settings.max_cycles:
            return None
        self.disabled[key] = now
        return Breach(
            self.name,
            RejectReason.REPEATED_EXECUTION,
            f"{cycles} fill-and-re-enter cycles in window",
            session_symbol(*key),
            Action.KILL if self.settings.kill_on_trip else Action.DISABLE,
        )

    def reenable(self, session: str | None = None, symbol: str | None = None) -> list[str]:
        """Re-enable matching disabled keys (all when both are ``None``)."""
        keys = [
            k
            for k in self.disabled
            if (session is None or k[0] == session) and (symbol is None or k[1] == symbol)
        ]
        for key in keys:
            del self.disabled[key]
            self._cycles.pop(key, None)
        return [session_symbol(*k) for k in keys]

    def report(self) -> dict[str, Any]:
        return {
            "disabled": [
                {"key": session_symbol(*k), "since": ts, "time": format_hhmmss(ts)}
                for k, ts in sorted(self.disabled.items())
            ]
        }
