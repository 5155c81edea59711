"""A client session kept up on one link, reconnecting after a backoff like the real clients.

The services' clients differ in small ways that decide how fast a session
comes back after a fault, so each is configured to match its asyncio
original (in drill time instead of wall time):

- feeds (``FeedLink``) and the gate's exchange sessions: a refused connect
  waits ``first`` doubling up to ``cap``; a connect resets the backoff; a
  lost session waits the next delay before redialling;
- the router's gate link (``GateLink``) and the flow's router sessions: the
  backoff is reset only by a session that lived ``stable`` or longer, which
  then redials at once; a session that dropped at once waits and doubles.
"""

from __future__ import annotations

from collections.abc import Callable

from harness.sim.links import Endpoint, Items, Process, SimConn
from harness.sim.network import SimNetwork
from services.net.framing import NetStats


class Dialer:
    """One reconnecting client session on a link; see the module docstring."""

    def __init__(
        self,
        net: SimNetwork,
        proc: Process,
        link: str,
        opened: Callable[[SimConn], None],
        received: Callable[[SimConn, Items], None],
        closed: Callable[[SimConn], None],
        *,
        first_us: int = 50_000,
        cap_us: int = 2_000_000,
        reset_on_open: bool = True,
        stable_us: int | None = None,
        refused: Callable[[str], None] | None = None,
        stats: NetStats | None = None,
    ) -> None:
        self.net = net
        self.proc = proc
        self.link = link
        self.first_us = first_us
        self.cap_us = cap_us
        self.reset_on_open = reset_on_open
        self.stable_us = stable_us
        self.end = Endpoint(proc, self._opened, received, self._closed, stats)
        self.conn: SimConn | None = None
        self.connects = 0
        self.failures = 0
        self.last_error = ""
        self.stopped = False
        self._user_opened = opened
        self._user_closed = closed
        self._user_refused = refused
        self._delay = first_us
        self._opened_at = 0

    @property
    def connected(self) -> bool:
        return self.conn is not None and self.conn.open

    def start(self) -> None:
        self._dial()

    def stop(self) -> None:
        """Close the session as its owner does on purpose: the owner is not told of it."""
        self.stopped = True
        conn, self.conn = self.conn, None
        if conn is not None:
            conn.close_by(self.end)

    def send(self, items: Items) -> None:
        conn = self.conn
        if conn is not None:
            conn.up.send(items)

    def view(self, address: str, with_stats: bool = True) -> dict[str, object]:
        """``FeedLink.view()`` (with the session counters) or ``GateLink.view()`` (without)."""
        view: dict[str, object] = {
            "address": address,
            "connected": self.connected,
            "connects": self.connects,
            "connect_failures": self.failures,
            "last_error": self.last_error,
        }
        if with_stats and self.end.stats is not None:
            view.update(self.end.stats.as_dict())
        return view

    # the loop ---------------------------------------------------------------------
    def _next_delay(self) -> int:
        delay = self._delay
        self._delay = min(delay * 2, self.cap_us)
        return delay

    def _dial(self) -> None:
        if self.stopped or not self.proc.alive:
            return
        if self.proc.paused:
            self.proc.hold(self._dial)
            return
        self.net.dial(self.link, self.end, self._refused)

    def _later(self, delay: int) -> None:
        sched = self.net.sched
        sched.at(sched.now + delay, self._dial)

    def _refused(self, error: str) -> None:
        self.failures += 1
        self.last_error = error
        if self._user_refused is not None:
            self._user_refused(error)
        self._later(self._next_delay())

    def _opened(self, conn: SimConn) -> None:
        if self.stopped:
            conn.close_by(self.end)
            return
        self.conn = conn
        self.connects += 1
        self._opened_at = self.net.sched.now
        if self.reset_on_open:
            self._delay = self.first_us
        self._user_opened(conn)

    def _closed(self, conn: SimConn) -> None:
        if conn is not self.conn:
            return
        self.conn = None
        self._user_closed(conn)
        lived = self.net.sched.now - self._opened_at
        if self.stable_us is not None and lived >= self.stable_us:
            self._delay = self.first_us
            self._later(0)
        else:
            self._later(self._next_delay())
