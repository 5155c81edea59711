"""Property tests: any sequence of events leaves RouterCore consistent.

A small exchange model answers children the way a venue may (fills of any
size up to what is working, cancels, rejects, silence) while strategies,
the gate link, the clock, the operator and deploys do random things. The
normal path must never have more working plus filled than the parent asked
for; nothing may raise; Power Peg must exist only where the build allows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.clock import MARKET_OPEN_US
from services.protocol import (
    Cancel,
    CancelAck,
    CancelAll,
    Execution,
    Flags,
    Heartbeat,
    Logon,
    Message,
    NewChild,
    NewParent,
    Reject,
    RejectReason,
    Side,
    TimeInForce,
)
from services.router.actions import Action, ToGate
from services.router.builds import generate_build
from services.router.core import RouterConfig, RouterCore
from services.router.parents import Route
from services.router.power_peg import PowerPegSettings
from services.router.slicing import SlicingSettings


@dataclass
class Venue:
    """Children the router sent that are still working, with their leaves."""

    working: dict[int, NewChild] = field(default_factory=dict)
    leaves: dict[int, int] = field(default_factory=dict)
    exec_id: int = 0

    def take(self, actions: list[Action]) -> None:
        for action in actions:
            if isinstance(action, ToGate):
                msg = action.message
                if isinstance(msg, NewChild):
                    self.working[msg.order_id] = msg
                    self.leaves[msg.order_id] = msg.qty
                elif isinstance(msg, Cancel):
                    self.working.pop(msg.order_id, None)

    def respond(self, pick: int, kind: int, size: int, now: int) -> list[Message]:
        if not self.working:
            return []
        cid = sorted(self.working)[pick % len(self.working)]
        child = self.working[cid]
        if kind == 0:
            left = self.leaves[cid]
            qty = 1 + size % left
            self.exec_id += 1
            self.leaves[cid] = left - qty
            if left == qty:
                del self.working[cid]
            return [
                Execution(cid, self.exec_id, child.symbol, child.side, qty, 10_000, left - qty, now)
            ]
        del self.working[cid]
        if kind == 1:
            return [CancelAck(cid, self.leaves[cid])]
        return [Reject(cid, RejectReason.KILL_SWITCH, "kill")]

    def disconnect(self) -> None:
        self.working.clear()


events = st.lists(
    st.one_of(
        st.tuples(st.just("parent"), st.integers(1, 6), st.integers(1, 900), st.booleans(),
                  st.sampled_from([0, Flags.REPURPOSED, Flags.ISO | Flags.REPURPOSED, 1 << 9]),
                  st.sampled_from(list(TimeInForce))),
        st.tuples(st.just("venue"), st.integers(0, 50), st.integers(0, 2), st.integers(0, 1000)),
        st.tuples(st.just("time"), st.integers(0, 3_000_000)),
        st.tuples(st.just("gate"), st.booleans()),
        st.tuples(st.just("cancel"), st.integers(1, 6)),
        st.tuples(st.just("cancel_all")),
        st.tuples(st.just("disable"), st.booleans()),
        st.tuples(st.just("activate"), st.sampled_from(["2003.1", "2012.07"])),
        st.tuples(st.just("heartbeat")),
    ),
    max_size=60,
)  # fmt: skip


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=st.sampled_from([MARKET_OPEN_US - 2_000_000, MARKET_OPEN_US]), script=events)
def test_core_stays_consistent_under_any_events(start: int, script: list[tuple[Any, ...]]) -> None:
    config = RouterConfig(
        power_peg=PowerPegSettings(interval_us=250_000),
        slicing=SlicingSettings(max_child_qty=200, retry_us=300_000),
    )
    core = RouterCore(config, generate_build("2012.07").manifest)
    venue = Venue()
    now = start
    core.strategy_opened(1)
    venue.take(core.on_strategy_messages(1, [Logon("s")], now))
    venue.take(core.on_gate_up(now))
    for event in script:
        kind = event[0]
        if kind == "parent":
            _, pid, qty, buy, flags, tif = event
            side = Side.BUY if buy else Side.SELL
            msg = NewParent(int(pid), "SYM", side, tif, int(qty), 10_000, "A", "S", int(flags))
            venue.take(core.on_strategy_messages(1, [msg], now))
        elif kind == "venue" and core.gate_up:
            replies = venue.respond(int(event[1]), int(event[2]), int(event[3]), now)
            venue.take(core.on_gate_messages(replies, now))
        elif kind == "time":
            target = now + int(event[1])
            while (wake := core.next_wakeup()) is not None and wake <= target:
                assert wake > now
                now = wake
                venue.take(core.on_timer(now))
            now = target
        elif kind == "gate":
            if event[1]:
                venue.take(core.on_gate_up(now))
            else:
                venue.disconnect()
                venue.take(core.on_gate_down(now))
        elif kind == "cancel":
            venue.take(core.on_strategy_messages(1, [Cancel(int(event[1]), "SYM")], now))
        elif kind == "cancel_all":
            venue.take(core.on_strategy_messages(1, [CancelAll("")], now))
        elif kind == "disable":
            venue.take(core.disable(now) if event[1] else core.enable(now))
        elif kind == "activate":
            venue.take(core.activate(generate_build(str(event[1])).manifest, now))
        elif kind == "heartbeat":
            assert core.on_strategy_messages(1, [Heartbeat(now)], now) == []

        for parent in core.parents():
            counter = parent.counter
            assert counter.working >= 0
            if parent.route is not Route.POWER_PEG:
                assert counter.filled + counter.working <= parent.order.qty
            else:
                assert parent.build == "2003.1" and parent.order.flags & Flags.REPURPOSED
        wake = core.next_wakeup()
        assert wake is None or wake > now, "work overdue after an event"
