"""The drill's event bus: typed, synchronous, and never stopped by a listener.

The journal writer, the live view, the scorers and the pytest plugin are all
listeners. A listener subscribes to one event type (and gets its subclasses)
or to every event::

    bus = Bus(clock=ManualClock(9 * 3600 * US))
    bus.subscribe(FaultInjected, lambda e: print("fault", e.name))
    bus.subscribe_all(journal.append)
    bus.emit(FaultInjected, fault_id="f1", name="drop_ssh", target="router-8")

``publish`` calls every matching listener, in the order they subscribed,
before it returns. A listener that raises is logged and counted, and the
other listeners still get the event: a broken live view must not stop a
drill, nor cost the journal a record.

An event published from inside a listener is queued and dispatched after the
current one has reached every listener, so that all listeners (the journal
above all) see events in one and the same order. The bus is safe to publish
on from several threads; dispatch is serialised.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from harness.events import Event
from services.clock import Clock

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Event)
Listener = Callable[[Any], object]


@dataclass(eq=False)
class Subscription:
    """A listener's place on the bus; ``cancel()`` takes it off."""

    bus: Bus
    kind: type[Event]
    listener: Listener
    name: str
    active: bool = field(default=True)

    def cancel(self) -> None:
        self.bus._remove(self)


@dataclass(frozen=True, slots=True)
class ListenerFailure:
    """One exception a listener raised, kept for the run's diagnostics."""

    listener: str
    event: str
    error: str


class Bus:
    """Publishes drill events to listeners subscribed by type or to everything.

    ``clock`` and ``wall`` stamp events made with ``emit``; events built by
    hand and passed to ``publish`` keep their own times.
    """

    def __init__(
        self,
        clock: Clock | None = None,
        wall: Callable[[], float] = time.time,
        keep_failures: int = 100,
    ) -> None:
        self._clock = clock
        self._wall = wall
        self._subs: list[Subscription] = []
        self._lock = threading.RLock()
        self._dispatching = False
        self._pending: deque[Event] = deque()
        self.published = 0
        self.failure_counts: Counter[str] = Counter()
        self.failures: deque[ListenerFailure] = deque(maxlen=keep_failures)

    # subscribing --------------------------------------------------------------------
    def subscribe(
        self, kind: type[E], listener: Callable[[E], object], *, name: str | None = None
    ) -> Subscription:
        """Call ``listener`` with every published event of type ``kind`` (or a subclass)."""
        sub = Subscription(self, kind, listener, name or _name_of(listener))
        with self._lock:
            self._subs = [*self._subs, sub]
        return sub

    def subscribe_all(
        self, listener: Callable[[Event], object], *, name: str | None = None
    ) -> Subscription:
        """Call ``listener`` with every published event."""
        return self.subscribe(Event, listener, name=name)

    def _remove(self, sub: Subscription) -> None:
        with self._lock:
            sub.active = False
            self._subs = [s for s in self._subs if s is not sub]

    @property
    def listeners(self) -> int:
        return len(self._subs)

    # publishing ---------------------------------------------------------------------
    def now(self) -> tuple[int, float]:
        """``(drill µs, wall seconds)`` as ``emit`` would stamp them now."""
        if self._clock is None:
            raise RuntimeError("this bus has no clock: pass at_us to emit, or build the event")
        return self._clock.now(), self._wall()

    def emit(self, kind: type[E], /, **fields: Any) -> E:
        """Build an event of ``kind`` stamped with the bus's clocks, publish it, return it.

        ``at_us`` or ``wall`` given in ``fields`` win over the clocks.
        """
        stamped = {"wall": self._wall(), **fields}
        if "at_us" not in stamped:
            stamped["at_us"] = self.now()[0]
        event = kind(**stamped)
        self.publish(event)
        return event

    def publish(self, event: Event) -> None:
        """Deliver ``event`` to every matching listener; never raises for a listener's error."""
        with self._lock:
            self._pending.append(event)
            if self._dispatching:
                return
            self._dispatching = True
            try:
                while self._pending:
                    self._dispatch(self._pending.popleft())
            finally:
                self._dispatching = False
                self._pending.clear()

    def _dispatch(self, event: Event) -> None:
        self.published += 1
        for sub in self._subs:
            if not sub.active or not isinstance(event, sub.kind):
                continue
            try:
                sub.listener(event)
            except Exception as exc:
                self._failed(sub, event, exc)

    def _failed(self, sub: Subscription, event: Event, exc: Exception) -> None:
        self.failure_counts[sub.name] += 1
        self.failures.append(ListenerFailure(sub.name, event.tag, f"{type(exc).__name__}: {exc}"))
        log.exception("listener %s failed on %s; the drill goes on", sub.name, event.tag)

    @property
    def failed(self) -> int:
        """How many times a listener raised."""
        return sum(self.failure_counts.values())


def _name_of(listener: Callable[..., object]) -> str:
    owner = getattr(listener, "__self__", None)
    name = getattr(listener, "__qualname__", None) or type(listener).__qualname__
    if owner is not None and "." not in name:
        return f"{type(owner).__qualname__}.{name}"
    return str(name)
