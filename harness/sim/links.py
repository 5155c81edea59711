"""In-memory connections: two one-way pipes carrying ``Message`` objects, no bytes.

A ``SimConn`` joins a client ``Endpoint`` to a server ``Endpoint`` over a
named link. Each direction is a ``Pipe``: what a core writes on it in one call
arrives as one batch a fixed latency later (plus what the link's toxics add),
in order, and batches written for the same instant are delivered together.
A connection ends either gracefully (``close_by``: the peer gets what was in
flight, then the close) or at once (``abort``: a cut link, a reset, a killed
process: what was in flight is lost and both ends see the close now).

Every endpoint belongs to a ``Process``, one incarnation of a service: a
paused process has its deliveries held until it resumes, a dead one gets
nothing, and a restarted service is a new process, so nothing meant for the
old one reaches it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from services.net.framing import NetStats

if TYPE_CHECKING:
    from harness.sim.network import SimLink, SimNetwork
    from harness.sim.toxics import ToxicState

Items = list[Any]
"""A batch: protocol messages, or one HTTP message on an admin link."""


class Process:
    """One incarnation of a service: what a kill ends and a restart replaces."""

    __slots__ = ("alive", "backlog", "conns", "name", "paused", "timer_at")

    def __init__(self, name: str) -> None:
        self.name = name
        self.alive = True
        self.paused = False
        self.backlog: list[Callable[[], None]] = []
        self.conns: dict[int, SimConn] = {}
        self.timer_at: int | None = None

    def hold(self, job: Callable[[], None]) -> None:
        """Keep ``job`` for when the process resumes (it is paused)."""
        self.backlog.append(job)


class Endpoint:
    """One side's handling of its connections (a port, or a client's session)."""

    __slots__ = ("closed", "opened", "proc", "received", "stats")

    def __init__(
        self,
        proc: Process,
        opened: Callable[[SimConn], None],
        received: Callable[[SimConn, Items], None],
        closed: Callable[[SimConn], None],
        stats: NetStats | None = None,
    ) -> None:
        self.proc = proc
        self.opened = opened
        self.received = received
        self.closed = closed
        self.stats = stats


class Pipe:
    """One direction of a connection; see the module docstring."""

    __slots__ = ("base", "conn", "frm", "inflight", "last_due", "net", "sched", "to", "toxics")

    def __init__(self, conn: SimConn, frm: Endpoint, to: Endpoint, base: int) -> None:
        self.conn = conn
        self.frm = frm
        self.to = to
        self.base = base
        self.net = conn.net
        self.sched = conn.net.sched
        self.inflight: deque[tuple[int, Items | None]] = deque()
        self.last_due = 0
        self.toxics: list[ToxicState] = []

    def send(self, items: Items) -> None:
        """Write a batch; the pipe owns ``items`` from now on (it may extend the list)."""
        if not items or not self.conn.open:
            return
        stats = self.frm.stats
        if stats is not None:
            stats.frames_out += len(items)
        if self.toxics:
            self.net.through(self, items)
            return
        due = self.sched.now + self.base
        q = self.inflight
        if q and due <= self.last_due:
            last = q[-1][1]
            if last is not None:
                # Written for an instant whose batch has not left yet: one delivery.
                last.extend(items)
                return
        self.enqueue(due, items)

    def enqueue(self, due: int, items: Items) -> None:
        q = self.inflight
        if due <= self.last_due:
            if q and q[-1][1] is not None:
                # Written for an instant whose batch has not left yet: one delivery.
                q[-1][1].extend(items)
                return
            due = self.last_due
        self.last_due = due
        q.append((due, items))
        self.net.deliver_at(due, self)

    def enqueue_close(self) -> None:
        """The close travels behind whatever is in flight."""
        due = max(self.sched.now + self.base, self.last_due)
        self.last_due = due
        self.inflight.append((due, None))
        self.net.deliver_at(due, self)

    def deliver(self) -> None:
        q = self.inflight
        now = self.sched.now
        to = self.to
        proc = to.proc
        while q and q[0][0] <= now:
            items = q.popleft()[1]
            if items is None:
                self.conn.ended(to)
                continue
            if not proc.alive:
                return
            stats = to.stats
            if stats is not None:
                stats.frames_in += len(items)
            if proc.paused:
                proc.hold(partial(to.received, self.conn, items))
            else:
                to.received(self.conn, items)

    def release(self) -> None:
        """Deliver what toxics were holding as soon as the link's own latency allows."""
        q = self.inflight
        if not q:
            return
        soon = self.sched.now + self.base
        self.inflight = deque((min(due, soon), items) for due, items in q)
        self.last_due = min(self.last_due, soon)
        self.net.deliver_at(soon, self)


class SimConn:
    """One connection of a link between a client and a server endpoint."""

    __slots__ = (
        "client",
        "client_done",
        "down",
        "id",
        "link",
        "net",
        "open",
        "server",
        "server_done",
        "up",
    )

    def __init__(
        self, cid: int, net: SimNetwork, link: SimLink, client: Endpoint, server: Endpoint
    ) -> None:
        self.id = cid
        self.net = net
        self.link = link
        self.client = client
        self.server = server
        self.open = True
        self.client_done = False
        self.server_done = False
        self.up = Pipe(self, client, server, net.latency_us)
        self.down = Pipe(self, server, client, net.latency_us)

    def close_by(self, end: Endpoint) -> None:
        """``end`` closes: the peer gets what is in flight, then the close."""
        if not self.open:
            return
        self._detach()
        toward_end, toward_peer = (
            (self.down, self.up) if end is self.client else (self.up, self.down)
        )
        toward_end.inflight.clear()
        toward_peer.enqueue_close()
        self.net.sched.at(self.net.sched.now, partial(self.ended, end))

    def abort(self) -> None:
        """Gone at once (cut, reset, a process killed): both ends see the close now."""
        if not self.open:
            return
        self._detach()
        self.up.inflight.clear()
        self.down.inflight.clear()
        sched = self.net.sched
        sched.at(sched.now, partial(self.ended, self.client))
        sched.at(sched.now, partial(self.ended, self.server))

    def ended(self, end: Endpoint) -> None:
        """Tell ``end`` its connection is gone (once; held while paused, dropped if dead)."""
        if end is self.client:
            if self.client_done:
                return
            self.client_done = True
        else:
            if self.server_done:
                return
            self.server_done = True
        self._detach()
        proc = end.proc
        if not proc.alive:
            return
        if end.stats is not None:
            end.stats.sessions_open -= 1
        if proc.paused:
            proc.hold(partial(end.closed, self))
        else:
            end.closed(self)

    def _detach(self) -> None:
        if not self.open:
            return
        self.open = False
        self.link.conns.pop(self.id, None)
        self.client.proc.conns.pop(self.id, None)
        self.server.proc.conns.pop(self.id, None)
