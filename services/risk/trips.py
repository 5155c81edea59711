"""What a control says when it fires, and the record of every trip.

A ``Breach`` is a control's verdict on one order or one post-trade check: the
reject reason, a short text for a person, the key it concerns (a session and
symbol, an account, a parent) and what should follow (``Action``). A ``Trip``
is the record of a breach with its drill time; ``TripLog`` keeps them.

Trips are edge-triggered per (control, key): a price collar that rejects a
thousand orders of one runaway session is one trip, not a thousand, and the
same key trips again only after ``quiet_us`` of drill time without a breach.
Re-arming by quiet time rather than by "the key passed" keeps the hot path of
a passing order free of bookkeeping. The count of breaches is kept separately,
so nothing is lost, while the list of trips stays readable and the first trip
keeps its time (what scoring calls detection).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from services.clock import format_hhmmss
from services.protocol import RejectReason


class Action(StrEnum):
    """What follows a breach, from mildest to strongest."""

    NOTIFY = "notify"  # alert only; the order goes on
    REJECT = "reject"  # refuse this order
    DISABLE = "disable"  # refuse this and every later order of the key until re-enabled
    LOGOUT = "logout"  # refuse and close the session
    KILL = "kill"  # refuse and throw the kill switch


@dataclass(frozen=True, slots=True)
class Breach:
    """One control firing on one order or check."""

    control: str
    reason: RejectReason
    text: str
    key: str
    action: Action = Action.REJECT


@dataclass(frozen=True, slots=True)
class Trip:
    """A breach recorded at a drill time, by the service that saw it."""

    control: str
    ts: int
    key: str
    text: str
    action: Action
    source: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "control": self.control,
            "ts": self.ts,
            "time": format_hhmmss(self.ts),
            "key": self.key,
            "text": self.text,
            "action": self.action.value,
            "source": self.source,
        }


class TripLog:
    """Edge-triggered trips per (control, key), plus counts of every breach."""

    def __init__(self, source: str, quiet_us: int = 10_000_000, keep: int = 2000) -> None:
        self.source = source
        self.quiet_us = quiet_us
        self.trips: deque[Trip] = deque(maxlen=keep)
        self.total = 0
        self.first: dict[str, Trip] = {}
        self.breaches: dict[str, int] = {}
        self._last: dict[tuple[str, str], int] = {}

    def record(self, breach: Breach, now: int) -> Trip | None:
        """Count the breach; a new ``Trip`` unless the key breached in the last ``quiet_us``."""
        self.breaches[breach.control] = self.breaches.get(breach.control, 0) + 1
        edge = (breach.control, breach.key)
        last = self._last.get(edge)
        self._last[edge] = now
        if last is not None and now - last < self.quiet_us:
            return None
        trip = Trip(breach.control, now, breach.key, breach.text, breach.action, self.source)
        self.trips.append(trip)
        self.total += 1
        self.first.setdefault(breach.control, trip)
        return trip

    def rearm(self, control: str, key: str | None = None) -> None:
        """Forget past breaches so the next one is a new trip (a person re-enabled it)."""
        self._last = {
            edge: ts
            for edge, ts in self._last.items()
            if not (edge[0] == control and (key is None or edge[1] == key))
        }

    def as_list(self) -> list[dict[str, Any]]:
        return [t.as_dict() for t in self.trips]

    def summary(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "breaches": dict(self.breaches),
            "first": {name: t.as_dict() for name, t in self.first.items()},
        }
