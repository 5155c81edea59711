"""RouterCore: the SMARS router as a sans-I/O state machine.

Strategies log on and send parents; the core answers with ACK or REJECT,
sends children towards the risk gate, relays each child's executions to the
parent's strategy (``order_id`` = parent id) and posts alerts. Time is passed
in (drill µs); work due later is announced by ``next_wakeup`` and done by
``on_timer``, so the asyncio wrapper and the ``sim`` scheduler drive it alike.

Which path works a parent is decided when it arrives, by the build active
then (``BuildBehaviour``): activating another build changes what happens to
new parents only. A Power Peg parent already running keeps running under a
new build, as the code already executing would; disabling the router is what
stops it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from services.clock import MARKET_OPEN_US, format_hhmmss
from services.protocol import (
    Ack,
    Cancel,
    CancelAck,
    CancelAll,
    Execution,
    Flags,
    Heartbeat,
    Logon,
    Message,
    NewParent,
    Reject,
    RejectReason,
)
from services.router.actions import Action, PostAlert, RouterCounters, ToStrategy
from services.router.book import ParentBook
from services.router.builds import BuildBehaviour, Manifest
from services.router.parents import ParentOrder, ParentState, Route, parent_index_of
from services.router.power_peg import PowerPegPath, PowerPegSettings
from services.router.sessions import StrategySessions
from services.router.slicing import CumulativeQuantity, SlicingPath, SlicingSettings


@dataclass(frozen=True)
class RouterConfig:
    """Settings of one router; the build is not one of them (it is activated)."""

    name: str = "router-1"
    power_peg: PowerPegSettings = field(default_factory=PowerPegSettings)
    slicing: SlicingSettings = field(default_factory=SlicingSettings)
    market_open_us: int = MARKET_OPEN_US


class RouterCore:
    """The router's state machine; see the module docstring."""

    def __init__(self, config: RouterConfig, build: Manifest) -> None:
        self.config = config
        self.name = config.name
        self.build = build
        self.behaviour = BuildBehaviour.from_features(build.features)
        self.disabled = False
        self.gate_up = False
        self.counters = RouterCounters()
        self.sessions = StrategySessions(self.counters)
        self._out: list[Action] = []
        self.book = ParentBook(self.counters, self.sessions, self._out)

    def _flush(self) -> list[Action]:
        out = list(self._out)
        self._out.clear()
        return out

    def _update_can_send(self) -> None:
        self.book.can_send = self.gate_up and not self.disabled

    # -- build and operator controls ------------------------------------
    def activate(self, build: Manifest, now: int) -> list[Action]:
        """Make ``build`` decide the route of parents from now on."""
        self.build = build
        self.behaviour = BuildBehaviour.from_features(build.features)
        self.counters.activations += 1
        return self._flush()

    def disable(self, now: int) -> list[Action]:
        """Reject new parents and stop every live one (their strategies get CANCEL_ACK)."""
        if not self.disabled:
            self.counters.disables += 1
            for parent in self.book.live():
                self.book.end(parent, ParentState.STOPPED, "router disabled")
            self.disabled = True
            self._update_can_send()
        return self._flush()

    def enable(self, now: int) -> list[Action]:
        self.disabled = False
        self._update_can_send()
        return self._flush()

    # -- strategy sessions -----------------------------------------------
    def strategy_opened(self, session: int) -> None:
        self.sessions.opened(session)

    def strategy_closed(self, session: int) -> None:
        self.sessions.closed(session)

    def on_strategy_messages(
        self, session: int, messages: Sequence[Message], now: int
    ) -> list[Action]:
        for msg in messages:
            if not self.sessions.admit(session, msg, self._out):
                continue
            name = self.sessions.name(session)
            if isinstance(msg, NewParent):
                self._new_parent(session, name, msg, now)
            elif isinstance(msg, Cancel):
                self._cancel_parent(session, name, msg.order_id)
            elif isinstance(msg, CancelAll):
                for parent in self.book.live():
                    if parent.session == name and msg.account in ("", parent.order.account):
                        self._cancel_parent(session, name, parent.order.parent_id)
        return self._flush()

    def _new_parent(self, session: int, name: str, msg: NewParent, now: int) -> None:
        problem = self._refusal(name, msg)
        if problem is not None:
            reason, text = problem
            self.counters.parents_rejected += 1
            self.counters.reject_sent(reason)
            self._out.append(ToStrategy(session, Reject(msg.parent_id, reason, text[:48])))
            return
        route = Route.for_flags(msg.flags, self.behaviour.bit3)
        parent = ParentOrder(
            self.book.next_index(), name, msg, route, self.build.version, now,
            CumulativeQuantity(msg.qty),
        )  # fmt: skip
        self.book.add(parent)
        self.counters.parents += 1
        self.counters.parent_qty += msg.qty
        self._out.append(ToStrategy(session, Ack(msg.parent_id, now)))
        before_open = now < self.config.market_open_us
        if route is Route.POWER_PEG:
            self.counters.power_peg_parents += 1
            start = max(now, self.config.market_open_us)
            parent.path = PowerPegPath(
                parent, self.config.power_peg, self.behaviour.power_peg_cum_qty, start
            )
            if before_open:
                self._power_peg_disabled(parent, now)
        else:
            if route is Route.RLP:
                self.counters.rlp_parents += 1
            parent.path = SlicingPath(parent, self.config.slicing)
        if before_open and route is not Route.NORMAL:
            self.book.hold(parent)
        else:
            self.book.start(parent, now)

    def _refusal(self, name: str, msg: NewParent) -> tuple[RejectReason, str] | None:
        if self.disabled:
            return RejectReason.ROUTER_DISABLED, f"{self.name} disabled"
        if (name, msg.parent_id) in self.book.by_key:
            return RejectReason.DUPLICATE_ID, f"parent id {msg.parent_id} already used"
        if msg.flags & ~Flags.KNOWN:
            return RejectReason.BAD_FIELD, f"flags: unknown bits {msg.flags & ~Flags.KNOWN:#x}"
        if not msg.symbol:
            return RejectReason.BAD_FIELD, "symbol: empty"
        return None

    def _power_peg_disabled(self, parent: ParentOrder, now: int) -> None:
        # Knight's 97 e-mails from 8:01: the old code saying it would not peg
        # before the open, sent to a mailbox nobody read.
        o = parent.order
        text = (
            f"{self.name}: Power Peg disabled - {o.side.name} {o.qty} {o.symbol} "
            f"parent {o.parent_id} ({o.strategy}) at {format_hhmmss(now)}, "
            f"flag bit 3, build {self.build.version}"
        )
        self.counters.alert("power_peg_disabled")
        self._out.append(PostAlert("power_peg_disabled", "info", text, now))

    def _cancel_parent(self, session: int, name: str, parent_id: int) -> None:
        parent = self.book.by_key.get((name, parent_id))
        if parent is None or not parent.state.live:
            self.counters.reject_sent(RejectReason.UNKNOWN_ORDER)
            reject = Reject(
                parent_id, RejectReason.UNKNOWN_ORDER, f"no live parent {parent_id}"[:48]
            )
            self._out.append(ToStrategy(session, reject))
            return
        self.book.end(parent, ParentState.CANCELLED, "cancelled by strategy")

    # -- the gate ----------------------------------------------------------
    def on_gate_up(self, now: int) -> list[Action]:
        self.gate_up = True
        self._update_can_send()
        self.counters.gate_ups += 1
        for parent in self.book.live():
            if parent.state is ParentState.WORKING and parent.path is not None:
                parent.path.on_gate_up(now, self.book)
                self.book.settle(parent, now)
        return self._flush()

    def on_gate_down(self, now: int) -> list[Action]:
        if self.gate_up:
            self.gate_up = False
            self._update_can_send()
            self.counters.gate_downs += 1
            for parent in self.book.live():
                if parent.state is ParentState.WORKING and parent.path is not None:
                    parent.path.on_gate_down()
                    self.book.settle(parent, now)
        return self._flush()

    def on_gate_messages(self, messages: Sequence[Message], now: int) -> list[Action]:
        for msg in messages:
            if isinstance(msg, Execution):
                self._execution(msg, now)
            elif isinstance(msg, Ack):
                self.counters.child_acks += 1
            elif isinstance(msg, Reject):
                self._gate_reject(msg, now)
            elif isinstance(msg, CancelAck):
                self._cancel_ack(msg, now)
            elif not isinstance(msg, Heartbeat | Logon):
                self.counters.gate_unexpected += 1
        return self._flush()

    def _cancel_ack(self, msg: CancelAck, now: int) -> None:
        if msg.order_id == 0:
            return  # closes a cancel-all whose orders were acked one by one
        parent = self._parent_of(msg.order_id)
        if parent is not None and parent.path is not None:
            parent.path.on_child_ended(msg.order_id, now)
            self.book.settle(parent, now)

    def _parent_of(self, order_id: int) -> ParentOrder | None:
        parent = self.book.parents.get(parent_index_of(order_id))
        if parent is None:
            self.counters.unknown_child_reports += 1
        return parent

    def _execution(self, msg: Execution, now: int) -> None:
        parent = self._parent_of(msg.order_id)
        if parent is None or parent.path is None:
            return
        counters = self.counters
        counters.fills += 1
        counters.filled_qty += msg.qty
        self.book.record_fill_price(msg.symbol, msg.price)
        counter = parent.counter
        counter.filled += msg.qty
        parent.path.on_execution(msg.order_id, msg.qty, msg.leaves, now)
        session = self.sessions.by_name(parent.session)
        if session is None:
            counters.executions_unrouted += 1
        else:
            counters.executions_relayed += 1
            o = parent.order
            relay = Execution(
                o.parent_id, msg.exec_id, o.symbol, o.side, msg.qty, msg.price,
                max(0, o.qty - counter.filled) if parent.state.live else 0, msg.ts,
            )  # fmt: skip
            self._out.append(ToStrategy(session, relay))
        path = parent.path
        if type(path) is PowerPegPath and not path.counter_attached:
            # A fill changes nothing for Power Peg without its counter: no end, same
            # next tick (``settle`` would find nothing to do, one call per execution).
            return
        self.book.settle(parent, now)

    def _gate_reject(self, msg: Reject, now: int) -> None:
        self.counters.reject_received(msg.reason)
        if msg.order_id == 0:
            self.counters.gate_session_rejects += 1
            return
        parent = self._parent_of(msg.order_id)
        if parent is None or parent.path is None:
            return
        parent.path.on_child_ended(msg.order_id, now)
        if isinstance(parent.path, SlicingPath) and parent.state.live:
            # The normal path takes a refusal as final; Power Peg never does.
            text = f"gate: {msg.text}" if msg.text else f"gate: {msg.reason.name}"
            self.book.end(parent, ParentState.DONE, text, reject=(msg.reason, text[:48]))
        else:
            self.book.settle(parent, now)

    # -- time --------------------------------------------------------------
    def next_wakeup(self) -> int | None:
        """Drill time at which ``on_timer`` has work to do, if any."""
        return self.book.next_wakeup(self.config.market_open_us)

    def on_timer(self, now: int) -> list[Action]:
        if self.book.held and now >= self.config.market_open_us:
            self.book.release_held(now)
        self.book.run_timers(now)
        return self._flush()

    # -- views ---------------------------------------------------------------
    def parents(self) -> list[ParentOrder]:
        return list(self.book.parents.values())

    def parent(self, session: str, parent_id: int) -> ParentOrder | None:
        return self.book.by_key.get((session, parent_id))

    def stats(self) -> dict[str, object]:
        return {
            "name": self.name,
            "version": self.build.version,
            "sha256": self.build.sha256,
            "flag_bit_3": self.behaviour.bit3.value,
            "disabled": self.disabled,
            "gate_up": self.gate_up,
            "live_parents": len(self.book.live()),
            "held_parents": len(self.book.held),
            **self.counters.as_dict(),
        }
