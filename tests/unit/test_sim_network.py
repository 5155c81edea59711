"""The in-memory links and each toxic's effect at message level, and its revert."""

from __future__ import annotations

from typing import Any

import pytest

from faults.base import FaultError
from harness.sim.links import Endpoint, Items, Process, SimConn
from harness.sim.network import SimNetwork
from harness.sim.scheduler import Scheduler
from harness.sim.toxics import FRAME_BYTES
from harness.topology import LinkPlan
from services.protocol import Heartbeat

HB = FRAME_BYTES[Heartbeat]  # 11 bytes on the wire
MS = 1000


class Side:
    """One end: records what arrived, when, and when the connection ended."""

    def __init__(self, name: str) -> None:
        self.proc = Process(name)
        self.end = Endpoint(self.proc, self.opened, self.received, self.closed)
        self.conn: SimConn | None = None
        self.got: list[tuple[int, list[Any]]] = []
        self.closed_at: int | None = None
        self.sched: Scheduler | None = None

    def opened(self, conn: SimConn) -> None:
        self.conn = conn

    def received(self, conn: SimConn, items: Items) -> None:
        assert self.sched is not None
        self.got.append((self.sched.now, list(items)))

    def closed(self, conn: SimConn) -> None:
        assert self.sched is not None
        self.closed_at = self.sched.now


class Pair:
    """A client and a server joined by link ``c->s``, at drill time 0 plus a little."""

    def __init__(self, latency_us: int = 50) -> None:
        self.sched = Scheduler(0)
        self.net = SimNetwork(self.sched, [LinkPlan("c->s", "c", "s", "p")], 7, latency_us)
        self.client, self.server = Side("c"), Side("s")
        self.client.sched = self.server.sched = self.sched
        self.net.listen("s", "p", self.server.end)
        self.refused: list[str] = []
        self.dial()

    def dial(self) -> None:
        self.net.dial("c->s", self.client.end, self.refused.append)
        self.run(1 * MS)

    def run(self, us: int) -> None:
        self.sched.run_until(self.sched.now + us)

    @property
    def conn(self) -> SimConn:
        assert self.client.conn is not None
        return self.client.conn

    def down(self, n: int = 1) -> int:
        """Server to client: ``n`` heartbeats now; returns when they were sent."""
        self.conn.down.send([Heartbeat(i) for i in range(n)])
        return self.sched.now

    def up(self, n: int = 1) -> int:
        self.conn.up.send([Heartbeat(i) for i in range(n)])
        return self.sched.now


def test_a_batch_arrives_one_latency_later_and_same_instant_writes_arrive_together() -> None:
    p = Pair()
    sent = p.down(2)
    p.down(1)
    p.run(MS)
    assert p.client.got == [(sent + 50, [Heartbeat(0), Heartbeat(1), Heartbeat(0)])]


def test_latency_delays_one_direction_with_seeded_jitter_and_releases_on_revert() -> None:
    p = Pair()
    name = p.net.add_toxic("c->s", "latency", "downstream", 1.0, {"latency": 100, "jitter": 10})
    sent_down, sent_up = p.down(), p.up()
    p.run(200 * MS)
    ((at, _),) = p.client.got
    assert sent_down + 90 * MS + 50 <= at < sent_down + 110 * MS + 50
    assert p.server.got[0][0] == sent_up + 50, "upstream is untouched"
    held = p.down()
    p.run(10 * MS)
    p.net.remove_toxic("c->s", name)
    removed = p.sched.now
    p.run(MS)
    assert held < removed and p.client.got[-1][0] == removed + 50, "held data goes out at once"
    p.net.remove_toxic("c->s", name)  # a second revert is no error


def test_bandwidth_takes_the_batch_size_at_the_rate() -> None:
    p = Pair()
    name = p.net.add_toxic("c->s", "bandwidth", "upstream", 1.0, {"rate": 1})  # 1000 B/s
    sent = p.up(10)
    p.run(1000 * MS)
    assert p.server.got[0][0] == sent + 10 * HB * MS + 50
    p.net.remove_toxic("c->s", name)
    sent = p.up()
    p.run(MS)
    assert p.server.got[-1][0] == sent + 50


def test_down_closes_both_ends_refuses_new_connections_and_heals() -> None:
    p = Pair()
    p.down()
    p.net.set_enabled("c->s", False)
    p.run(MS)
    assert p.client.got == [], "what was in flight is lost"
    assert p.client.closed_at == p.server.closed_at is not None
    p.dial()
    assert p.refused == ["[Errno 111] Connection refused"]
    p.net.set_enabled("c->s", True)
    p.dial()
    assert p.conn.open and len(p.refused) == 1


def test_timeout_swallows_data_then_closes_and_revert_closes_the_silenced() -> None:
    p = Pair()
    name = p.net.add_toxic("c->s", "timeout", "downstream", 1.0, {"timeout": 0})
    p.down()
    p.run(10_000 * MS)
    assert p.client.got == [] and p.conn.open, "silent, not closed"
    p.net.remove_toxic("c->s", name)
    p.run(MS)
    assert p.client.closed_at is not None and p.server.closed_at is not None
    q = Pair()
    q.net.add_toxic("c->s", "timeout", "upstream", 1.0, {"timeout": 100})
    start = q.sched.now
    q.run(80 * MS)
    q.up()  # data resets the inactivity timer
    q.run(150 * MS)
    assert q.server.got == []
    assert q.server.closed_at == start + 80 * MS + 100 * MS


def test_reset_peer_discards_the_first_data_and_resets_after_timeout() -> None:
    p = Pair()
    p.net.add_toxic("c->s", "reset_peer", "downstream", 1.0, {"timeout": 20})
    p.run(100 * MS)
    assert p.conn.open, "a connection carrying no data is left alone"
    sent = p.down()
    p.run(100 * MS)
    assert p.client.got == []
    assert p.client.closed_at == p.server.closed_at == sent + 20 * MS


def test_slicer_keeps_messages_whole_and_delays_by_its_pieces() -> None:
    p = Pair()
    name = p.net.add_toxic(
        "c->s", "slicer", "downstream", 1.0, {"average_size": 10, "size_variation": 0, "delay": 500}
    )
    sent = p.down(2)  # 22 bytes: 3 pieces
    p.run(10 * MS)
    assert p.client.got == [(sent + 3 * 500 + 50, [Heartbeat(0), Heartbeat(1)])]
    p.net.remove_toxic("c->s", name)
    sent = p.down()
    p.run(MS)
    assert p.client.got[-1][0] == sent + 50


def test_limit_data_lets_whole_messages_within_the_budget_through_then_closes() -> None:
    p = Pair()
    p.net.add_toxic("c->s", "limit_data", "upstream", 1.0, {"bytes": 2 * HB + 5})
    p.up(1)
    p.run(MS)
    assert p.conn.open
    p.up(2)
    p.run(MS)
    assert [len(items) for _, items in p.server.got] == [1, 1], "the third message is cut"
    assert p.server.closed_at is not None and p.client.closed_at is not None


def test_toxicity_is_rolled_per_connection_from_the_seed() -> None:
    p = Pair()
    p.net.add_toxic("c->s", "timeout", "downstream", 0.0, {"timeout": 0})
    sent = p.down()
    p.run(MS)
    assert p.client.got == [(sent + 50, [Heartbeat(0)])], "toxicity 0 never applies"


def test_bad_requests_are_fault_errors() -> None:
    p = Pair()
    with pytest.raises(FaultError, match="unknown link 'c->x'"):
        p.net.set_enabled("c->x", False)
    with pytest.raises(FaultError, match="unknown toxic type"):
        p.net.add_toxic("c->s", "explode", "downstream", 1.0, {})
    with pytest.raises(FaultError, match="stream must be"):
        p.net.add_toxic("c->s", "latency", "sideways", 1.0, {"latency": 1})  # type: ignore[arg-type]
    with pytest.raises(FaultError, match="rate must be 0 or more"):
        p.net.add_toxic("c->s", "bandwidth", "downstream", 1.0, {"rate": -1})


def test_a_paused_receiver_gets_everything_in_order_when_resumed() -> None:
    p = Pair()
    p.client.proc.paused = True
    p.down()
    p.run(MS)
    p.down(2)
    p.net.set_enabled("c->s", False)
    p.run(MS)
    assert p.client.got == [] and p.client.closed_at is None
    p.client.proc.paused = False
    for job in p.client.proc.backlog:
        job()
    assert [len(items) for _, items in p.client.got] == [1] and p.client.closed_at is not None


def test_the_scheduler_runs_in_time_then_queue_order_and_leaves_the_clock_at_the_end() -> None:
    sched = Scheduler(100)
    ran: list[tuple[int, str]] = []
    sched.at(300, lambda: ran.append((sched.now, "c")))
    sched.at(200, lambda: ran.append((sched.now, "a")))
    sched.at(200, lambda: ran.append((sched.now, "b")))
    sched.at(50, lambda: ran.append((sched.now, "past: now")))
    sched.run_until(250)
    assert ran == [(100, "past: now"), (200, "a"), (200, "b")]
    assert sched.now == sched.clock.now() == 250 and sched.events == 3
    sched.at(260, lambda: sched.run_until(400))
    with pytest.raises(RuntimeError, match="not re-entrant"):
        sched.run_until(1000)
    with pytest.raises(ValueError, match="already"):
        sched.run_until(10)
