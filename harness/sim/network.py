"""The world's named links and what network faults do to them (``NetworkControl``).

Links are named exactly as in the local topology (``harness.topology``). A
service listens on its ports; a client dials a link and, one link latency
later, is connected to whoever listens on the link's server port, or refused
(the link is disabled, or nobody listens: the server is dead). Toxics follow
the Toxiproxy semantics at message level (``docs/sim.md``); their randomness
(toxicity rolls, jitter) comes from one generator seeded with the run's seed.
"""

from __future__ import annotations

import difflib
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

from faults.base import FaultError
from faults.context import Stream
from harness.sim import toxics as tx
from harness.sim.links import Endpoint, Items, Pipe, SimConn
from harness.sim.scheduler import Scheduler
from harness.topology import LinkPlan

REFUSED = "[Errno 111] Connection refused"


@dataclass(eq=False)
class SimLink:
    """A named link: its server port, whether it is enabled, its toxics and connections."""

    name: str
    server: str
    port: str
    enabled: bool = True
    toxics: dict[str, tx.ToxicSpec] = field(default_factory=dict)
    conns: dict[int, SimConn] = field(default_factory=dict)


class SimNetwork:
    """Links, listeners and connections of one world."""

    def __init__(
        self, sched: Scheduler, plans: list[LinkPlan], seed: int, latency_us: int = 50
    ) -> None:
        if latency_us < 0:
            raise ValueError(f"latency_us: expected 0 or more, got {latency_us}")
        self.sched = sched
        self.latency_us = latency_us
        self.rng = random.Random(f"sim-network/{seed}")
        self._links = {p.name: SimLink(p.name, p.server, p.port) for p in plans}
        self._listeners: dict[tuple[str, str], Endpoint] = {}
        # Pipes with a batch due, by drill time: one event delivers every pipe due then.
        self._due: dict[int, list[Pipe]] = {}
        self._run_due = self._deliver_due
        self._next_conn = 0
        self._next_toxic = 0

    # NetworkControl -------------------------------------------------------------
    def links(self) -> list[str]:
        return list(self._links)

    def link(self, name: str) -> SimLink:
        found = self._links.get(name)
        if found is None:
            known = list(self._links)
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise FaultError(f"unknown link {name!r}{hint} (known links: {', '.join(known)})")
        return found

    def add_toxic(
        self,
        link: str,
        toxic_type: str,
        stream: Stream,
        toxicity: float,
        attributes: Mapping[str, int],
    ) -> str:
        target = self.link(link)
        if stream not in ("upstream", "downstream"):
            raise FaultError(
                f"link {link!r}: stream must be upstream or downstream, not {stream!r}"
            )
        problem = tx.check(toxic_type, attributes)
        if problem is not None:
            raise FaultError(f"link {link!r} (sim): {problem}")
        if not 0.0 <= toxicity <= 1.0:
            raise FaultError(f"link {link!r} (sim): toxicity must be within 0..1, got {toxicity}")
        self._next_toxic += 1
        name = f"{toxic_type}-{stream}-{self._next_toxic}"
        spec = tx.ToxicSpec(name, toxic_type, stream, toxicity, dict(attributes))
        target.toxics[name] = spec
        for conn in list(target.conns.values()):
            self._start(conn, spec)
        return name

    def remove_toxic(self, link: str, name: str) -> None:
        """Remove a toxic; one already gone is not an error. Held data goes out at once."""
        target = self.link(link)
        spec = target.toxics.pop(name, None)
        if spec is None:
            return
        for conn in list(target.conns.values()):
            pipe = conn.up if spec.stream == "upstream" else conn.down
            for state in [s for s in pipe.toxics if s.spec is spec]:
                pipe.toxics.remove(state)
                state.removed = True
                if not state.active:
                    continue
                if spec.kind == tx.TIMEOUT:
                    # Peers have lost data they would wait for forever: close cleanly.
                    conn.abort()
                    break
                pipe.release()
                for items in state.stalled:
                    pipe.enqueue(self.sched.now + pipe.base, items)

    def set_enabled(self, link: str, enabled: bool) -> None:
        """Disabled: new connections are refused and live ones closed on both sides."""
        target = self.link(link)
        target.enabled = enabled
        if not enabled:
            for conn in list(target.conns.values()):
                conn.abort()

    def toxics(self, link: str) -> list[tx.ToxicSpec]:
        return list(self.link(link).toxics.values())

    # deliveries -------------------------------------------------------------------
    def deliver_at(self, when: int, pipe: Pipe) -> None:
        """Have ``pipe`` deliver what is due at ``when`` (one event per instant, all pipes)."""
        if when < self.sched.now:
            when = self.sched.now
        pipes = self._due.get(when)
        if pipes is None:
            self._due[when] = [pipe]
            self.sched.at(when, self._run_due)
        else:
            pipes.append(pipe)

    def _deliver_due(self) -> None:
        for pipe in self._due.pop(self.sched.now):
            pipe.deliver()

    # connections ------------------------------------------------------------------
    def listen(self, service: str, port: str, endpoint: Endpoint) -> None:
        self._listeners[(service, port)] = endpoint

    def unlisten(self, service: str) -> None:
        for key in [k for k in self._listeners if k[0] == service]:
            del self._listeners[key]

    def dial(self, link: str, client: Endpoint, refused: Callable[[str], None]) -> None:
        """Connect ``client`` over ``link`` one latency from now, or call ``refused``."""
        self.sched.at(
            self.sched.now + self.latency_us, partial(self._connect, link, client, refused)
        )

    def _connect(self, name: str, client: Endpoint, refused: Callable[[str], None]) -> None:
        if not client.proc.alive:
            return
        link = self._links[name]
        server = self._listeners.get((link.server, link.port))
        if not link.enabled or server is None:
            refused(REFUSED)
            return
        self._next_conn += 1
        conn = SimConn(self._next_conn, self, link, client, server)
        link.conns[conn.id] = conn
        client.proc.conns[conn.id] = conn
        server.proc.conns[conn.id] = conn
        for spec in link.toxics.values():
            self._start(conn, spec)
        for end in (server, client):
            if end.stats is not None:
                end.stats.sessions_total += 1
                end.stats.sessions_open += 1
            if end.proc.paused:
                end.proc.hold(partial(end.opened, conn))
            else:
                end.opened(conn)

    # toxics at work -------------------------------------------------------------------
    def _start(self, conn: SimConn, spec: tx.ToxicSpec) -> None:
        pipe = conn.up if spec.stream == "upstream" else conn.down
        state = tx.ToxicState.roll(spec, self.rng)
        pipe.toxics.append(state)
        if state.active and spec.kind == tx.TIMEOUT and spec.attr("timeout") > 0:
            state.deadline = self.sched.now + spec.attr("timeout") * 1000
            self.sched.at(state.deadline, partial(self._timeout_check, conn, state))

    def _timeout_check(self, conn: SimConn, state: tx.ToxicState) -> None:
        if state.removed or not conn.open:
            return
        if self.sched.now >= state.deadline:
            conn.abort()
        else:
            self.sched.at(state.deadline, partial(self._timeout_check, conn, state))

    def through(self, pipe: Pipe, items: Items) -> None:
        """Send a batch through the pipe's toxics, in the order they were added."""
        now = self.sched.now
        at = now
        cut_after = False
        for state in pipe.toxics:
            if not state.active:
                continue
            kind = state.spec.kind
            if kind == tx.LATENCY:
                at += state.latency_us(self.rng)
            elif kind == tx.BANDWIDTH:
                if state.spec.attr("rate") <= 0:
                    state.stalled.append(items)
                    return
                at = max(at, state.free_at) + state.transmit_us(tx.batch_bytes(items))
                state.free_at = at
            elif kind == tx.SLICER:
                at += state.slices_us(tx.batch_bytes(items))
            elif kind == tx.TIMEOUT:
                if state.spec.attr("timeout") > 0:
                    state.deadline = now + state.spec.attr("timeout") * 1000
                return
            elif kind == tx.RESET_PEER:
                if not state.armed:
                    state.armed = True
                    delay = state.spec.attr("timeout") * 1000
                    self.sched.at(now + delay, partial(self._reset, pipe.conn, state))
                return
            elif kind == tx.LIMIT_DATA:
                limit = state.spec.attr("bytes")
                kept, used = tx.cut_to(items, max(0, limit - state.passed))
                state.passed += used
                # Exactly ``limit`` bytes pass, then the stream closes: a message cut in
                # two never arrives, so the close comes after the last whole one.
                if len(kept) < len(items) or state.passed >= limit:
                    cut_after = True
                items = kept
                if not items:
                    break
        if items:
            pipe.enqueue(at + pipe.base, items)
        if cut_after:
            self._cut(pipe)

    def _reset(self, conn: SimConn, state: tx.ToxicState) -> None:
        if not state.removed:
            conn.abort()

    def _cut(self, pipe: Pipe) -> None:
        """limit_data: the receiver gets what passed, then the close; the sender at once."""
        conn = pipe.conn
        if conn.open:
            conn.close_by(pipe.frm)
