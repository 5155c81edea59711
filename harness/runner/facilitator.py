"""The facilitator's hand on a running drill: pause and resume drill time, give hints.

A pause stops the run's shared clock file, so every process of the topology
stands still together (the exchange's random walk, the flow, Power Peg's
cadence, the monitor's staleness clock) and the runner's scheduled faults wait
with them. While paused the desk is frozen: responders' actions are refused,
because an action taken in stopped time would score as instantaneous.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Protocol

from harness.bus import Bus
from harness.events import ClockPaused, ClockResumed, ClockSpeedChanged, HintGiven
from harness.responders.base import Hint

# Past this, the services spend their time catching up rather than trading.
MAX_SPEED = 1000.0


class PausableSystem(Protocol):
    """A system under test whose drill clock a facilitator can stop."""

    @property
    def paused(self) -> bool: ...

    def now(self) -> int: ...

    @property
    def speed(self) -> float: ...

    def pause(self) -> bool: ...

    def resume(self) -> bool: ...

    def set_speed(self, speed: float) -> None: ...


class Facilitator:
    """Pauses, resumes and hints, each journalled on the bus."""

    def __init__(self, sut: PausableSystem, bus: Bus, people: list[str]) -> None:
        self.sut = sut
        self.bus = bus
        self.people = people
        self.hints: list[Hint] = []
        self._paused_at: float | None = None
        self._lock = threading.Lock()

    @property
    def paused(self) -> bool:
        return self.sut.paused

    def pause(self, by: str = "facilitator") -> bool:
        with self._lock:
            if not self.sut.pause():
                return False
            self._paused_at = time.monotonic()
            self.bus.emit(ClockPaused, at_us=self.sut.now(), by=by)
            return True

    def resume(self, by: str = "facilitator") -> bool:
        with self._lock:
            stood = time.monotonic() - self._paused_at if self._paused_at is not None else 0.0
            if not self.sut.resume():
                return False
            self._paused_at = None
            self.bus.emit(ClockResumed, at_us=self.sut.now(), by=by, paused_wall_s=round(stood, 3))
            return True

    def set_speed(self, speed: float, by: str = "facilitator") -> None:
        """Fast-forward (or slow down) drill time for the whole topology."""
        if not 0 < speed <= MAX_SPEED:
            raise ValueError(f"speed: expected a number in (0, {MAX_SPEED:g}], got {speed:g}")
        with self._lock:
            self.sut.set_speed(speed)
            self.bus.emit(ClockSpeedChanged, at_us=self.sut.now(), by=by, speed=speed)

    def hint(self, text: str, to: str = "", by: str = "facilitator") -> Hint:
        text = text.strip()
        if not text:
            raise ValueError("text: a hint needs some text")
        if to and to not in self.people:
            raise ValueError(
                f"to: no responder named {to!r} (responders: {', '.join(self.people)})"
            )
        with self._lock:
            hint = Hint(at_us=self.sut.now(), to=to, text=text)
            self.hints.append(hint)
        self.bus.emit(HintGiven, at_us=hint.at_us, by=by, to=to, text=text)
        return hint

    def hints_for(self, responder: str) -> list[Hint]:
        with self._lock:
            return [h for h in self.hints if h.to in ("", responder)]

    def state(self) -> dict[str, Any]:
        with self._lock:
            hints = [h.model_dump() for h in self.hints]
        return {
            "paused": self.paused,
            "speed": self.sut.speed,
            "now_us": self.sut.now(),
            "hints": hints,
        }
