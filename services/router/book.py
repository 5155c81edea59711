"""The router's parent orders: their life from arrival to end, and their timers.

``ParentBook`` owns every parent, the ones held for the open, the heap of
path wake-ups and the last fill price per symbol; it is the ``ChildSink``
the paths send children through. It writes what must leave the router into
the core's outbox and never decides routes or reads messages itself.
"""

from __future__ import annotations

import heapq

from services.protocol import Cancel, CancelAck, NewChild, Reject, RejectReason, TimeInForce
from services.router.actions import Action, RouterCounters, ToGate, ToStrategy
from services.router.parents import ParentOrder, ParentState, Route
from services.router.power_peg import PowerPegPath
from services.router.sessions import StrategySessions
from services.router.slicing import SlicingPath

UNALLOCATED_ACCOUNT = "33"

# Enum members as module constants: in CPython 3.11 ``Route.POWER_PEG`` is a
# descriptor call, about ten times the cost of a global on a hot path.
_POWER_PEG = Route.POWER_PEG
_WORKING = ParentState.WORKING


class ParentBook:
    """Parents by router index and by (session, parent id); see the module docstring."""

    def __init__(
        self, counters: RouterCounters, sessions: StrategySessions, out: list[Action]
    ) -> None:
        self.counters = counters
        self.sessions = sessions
        self.out = out
        self.can_send = False  # the core keeps this at "gate up and not disabled"
        self.parents: dict[int, ParentOrder] = {}
        self.by_key: dict[tuple[str, int], ParentOrder] = {}
        self.held: list[ParentOrder] = []
        self._timers: list[tuple[int, int]] = []
        self._due: dict[int, int] = {}
        self._last_price: dict[str, int] = {}

    def next_index(self) -> int:
        return len(self.parents) + 1

    def add(self, parent: ParentOrder) -> None:
        self.parents[parent.index] = parent
        self.by_key[(parent.session, parent.order.parent_id)] = parent

    def live(self) -> list[ParentOrder]:
        return [p for p in self.parents.values() if p.state.live]

    def hold(self, parent: ParentOrder) -> None:
        parent.state = ParentState.HELD
        self.held.append(parent)

    def release_held(self, now: int) -> None:
        held, self.held = self.held, []
        for parent in held:
            self.start(parent, now)

    def start(self, parent: ParentOrder, now: int) -> None:
        parent.state = ParentState.WORKING
        if isinstance(parent.path, SlicingPath):
            parent.path.work(now, self)
        else:
            self._tick(parent, now)
        self.settle(parent, now)

    def settle(self, parent: ParentOrder, now: int) -> None:
        """After a path acted: end the parent if it is finished, else re-arm its timer."""
        path = parent.path
        if path is None or not parent.state.live:
            return
        if path.stops_when_filled and parent.counter.complete:
            self.end(parent, ParentState.FILLED, "filled")
        elif path.ended:
            self.end(parent, ParentState.DONE, path.ended)
        else:
            due = path.next_wakeup()
            if due is not None and self._due.get(parent.index) != due:
                self._due[parent.index] = due
                heapq.heappush(self._timers, (due, parent.index))

    def end(
        self,
        parent: ParentOrder,
        state: ParentState,
        reason: str,
        reject: tuple[RejectReason, str] | None = None,
    ) -> None:
        """End a live parent, take its children off the book, tell its strategy."""
        leaves = parent.leaves
        if parent.state is ParentState.HELD and parent in self.held:
            self.held.remove(parent)
        parent.state = state
        parent.end_reason = reason
        self._due.pop(parent.index, None)
        if self.can_send and parent.path is not None:
            for cid in parent.path.working_children():
                self.counters.cancels_sent += 1
                self.out.append(ToGate(Cancel(cid, parent.order.symbol)))
        session = self.sessions.by_name(parent.session)
        if session is None or state is ParentState.FILLED:
            return
        parent_id = parent.order.parent_id
        if reject is not None and parent.filled == 0:
            self.counters.reject_sent(reject[0])
            self.out.append(ToStrategy(session, Reject(parent_id, *reject)))
        else:
            self.out.append(ToStrategy(session, CancelAck(parent_id, leaves)))

    # ChildSink ------------------------------------------------------------
    def send_child(
        self, parent: ParentOrder, qty: int, price: int, tif: TimeInForce, now: int
    ) -> int | None:
        if not self.can_send:
            parent.children_blocked += 1
            self.counters.children_blocked += 1
            return None
        cid = parent.next_child_id()
        o = parent.order
        # parent_id on the child is the router's own parent index: unique per
        # router session, which is what the gate reconciles children against.
        # Power Peg books its fills to the unallocated "33 Account", as at Knight:
        # positions from several sources, so nobody could see where they came from.
        account = UNALLOCATED_ACCOUNT if parent.route is _POWER_PEG else o.account
        child = NewChild(cid, parent.index, o.symbol, o.side, tif, qty, price, account, o.qty)
        self.out.append(ToGate(child))
        parent.children_sent += 1
        parent.child_qty_sent += qty
        self.counters.children_sent += 1
        self.counters.child_qty_sent += qty
        return cid

    def last_price(self, symbol: str) -> int | None:
        return self._last_price.get(symbol)

    def record_fill_price(self, symbol: str, price: int) -> None:
        self._last_price[symbol] = price

    # timers ---------------------------------------------------------------
    def next_wakeup(self, market_open_us: int) -> int | None:
        timers = self._timers
        while timers and self._due.get(timers[0][1]) != timers[0][0]:
            heapq.heappop(timers)
        wake = timers[0][0] if timers else None
        if self.held:
            wake = market_open_us if wake is None else min(wake, market_open_us)
        return wake

    def run_timers(self, now: int) -> None:
        timers, due_at, parents = self._timers, self._due, self.parents
        heappop = heapq.heappop
        while timers and timers[0][0] <= now:
            due, index = heappop(timers)
            if due_at.get(index) != due:
                continue
            del due_at[index]
            parent = parents[index]
            if parent.state is _WORKING:
                self._tick(parent, now)
                self.settle(parent, now)

    def _tick(self, parent: ParentOrder, now: int) -> None:
        path = parent.path
        if isinstance(path, PowerPegPath):
            skipped = path.ticks_skipped
            path.on_timer(now, self)
            self.counters.power_peg_ticks_skipped += path.ticks_skipped - skipped
        elif path is not None:
            path.on_timer(now, self)
