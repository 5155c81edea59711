"""Drill time.

Services never read the wall clock: they are handed a ``Clock`` whose ``now``
is drill time in integer microseconds since midnight of the trading day. In a
process the clock runs at ``speed`` times the wall clock from a shared epoch
(every process of a topology gets the same epoch, so they agree on drill time
without talking); in the ``sim`` backend a ``ManualClock`` is moved by the
scheduler from event to event.
"""

from __future__ import annotations

import mmap
import os
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
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


# seq (odd while a write is in progress), anchor wall time, drill µs at the anchor,
# speed, paused flag. One writer (the harness), many readers (every service).
_LAYOUT: Final = struct.Struct("<QdqdQ")
_SEQ: Final = struct.Struct("<Q")
CLOCK_FILE_SIZE: Final = 64
# A timer armed at one speed must not oversleep a later pause, resume or change of
# speed by more than this: services re-read the clock at least this often.
MAX_WALL_WAIT_S: Final = 0.25


@dataclass(frozen=True)
class ClockState:
    """Drill time ``anchor_us`` at wall time ``anchor_wall``, then ``speed`` x wall time."""

    anchor_wall: float
    anchor_us: int
    speed: float
    paused: bool

    def at(self, wall: float) -> int:
        if self.paused:
            return self.anchor_us
        return self.anchor_us + int((wall - self.anchor_wall) * self.speed * US)


class ClockFile:
    """A run's drill clock, shared by its processes through a small memory-mapped file.

    Every process of a local topology reads drill time from the same file, so the
    harness can pause, resume or re-speed the whole system at once (a facilitator's
    pause must stop the exchange's random walk and Power Peg's cadence alike, not
    just the runner). Reads take a few hundred nanoseconds; a sequence number that
    is odd during a write lets readers retry instead of seeing a torn record.
    """

    def __init__(self, path: Path, *, writable: bool = False) -> None:
        self.path = path
        fd = os.open(path, os.O_RDWR if writable else os.O_RDONLY)
        try:
            access = mmap.ACCESS_WRITE if writable else mmap.ACCESS_READ
            self._map = mmap.mmap(fd, CLOCK_FILE_SIZE, access=access)
        finally:
            os.close(fd)
        self._lock = threading.Lock()

    @classmethod
    def create(cls, path: Path, start_us: int, speed: float, epoch: float) -> ClockFile:
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        # Written whole, then renamed: no reader ever maps a short file.
        tmp = path.with_name(path.name + ".tmp")
        record = bytearray(CLOCK_FILE_SIZE)
        _LAYOUT.pack_into(record, 0, 0, epoch, start_us, speed, 0)
        tmp.write_bytes(bytes(record))
        os.replace(tmp, path)
        return cls(path, writable=True)

    def read(self) -> ClockState:
        buf = self._map
        while True:
            seq, wall, us, speed, paused = _LAYOUT.unpack_from(buf, 0)
            if seq & 1 == 0 and _SEQ.unpack_from(buf, 0)[0] == seq:
                return ClockState(wall, us, speed, bool(paused))
            time.sleep(0)

    def write(self, state: ClockState) -> None:
        with self._lock:
            seq = _SEQ.unpack_from(self._map, 0)[0]
            _SEQ.pack_into(self._map, 0, seq + 1)
            _LAYOUT.pack_into(
                self._map,
                0,
                seq + 1,
                state.anchor_wall,
                state.anchor_us,
                state.speed,
                int(state.paused),
            )
            _SEQ.pack_into(self._map, 0, seq + 2)

    def close(self) -> None:
        self._map.close()


class SharedClock:
    """Drill time from a run's ``ClockFile``: it can be paused, resumed and re-speeded."""

    def __init__(
        self, path: Path, *, writable: bool = False, wall: Callable[[], float] = time.time
    ) -> None:
        self.file = ClockFile(path, writable=writable)
        self._wall = wall
        first = self.file.read()
        self.start_us = first.anchor_us

    @property
    def state(self) -> ClockState:
        return self.file.read()

    @property
    def speed(self) -> float:
        return self.file.read().speed

    @property
    def paused(self) -> bool:
        return self.file.read().paused

    def now(self) -> int:
        return self.file.read().at(self._wall())

    def wall_delay(self, drill_us: int) -> float:
        state = self.file.read()
        if state.paused:
            return MAX_WALL_WAIT_S
        return min(max(0.0, drill_us / US / state.speed), MAX_WALL_WAIT_S)

    def wall_time_of(self, drill_us: int) -> float | None:
        """The wall time ``drill_us`` falls on at the current speed; None while paused."""
        state = self.file.read()
        if state.paused:
            return None
        return state.anchor_wall + (drill_us - state.anchor_us) / US / state.speed

    # the harness's side ----------------------------------------------------------
    def pause(self) -> bool:
        """Stop drill time; False if it was already stopped."""
        state = self.file.read()
        if state.paused:
            return False
        wall = self._wall()
        self.file.write(ClockState(wall, state.at(wall), state.speed, True))
        return True

    def resume(self) -> bool:
        """Let drill time run again from where it stopped; False if it was running."""
        state = self.file.read()
        if not state.paused:
            return False
        self.file.write(ClockState(self._wall(), state.anchor_us, state.speed, False))
        return True

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        state = self.file.read()
        wall = self._wall()
        self.file.write(ClockState(wall, state.at(wall), speed, state.paused))

    def close(self) -> None:
        self.file.close()
