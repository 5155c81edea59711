"""Sans-I/O order-flow source: sends planned parents when their time comes.

Knight's new RLP code reused the flag bit that once switched Power Peg on
(SEC ¶12 to ¶16). Whether retail parents carry that bit is a switch of the
running flow, ``rlp_flagged``: on, every RLP parent leaves with bit 3 set
(the RLP code live, as on 1 August 2012); off, retail parents leave as plain
orders (the RLP code not yet switched on). The bit is applied at send time, so a
parent held for an unreachable router leaves with the switch's state at the
moment it is finally sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from services.flow.plan import PlannedParent
from services.protocol import Ack, Execution, Flags, Message, NewParent, Reject


@dataclass
class RouterTally:
    """What one router has done with the parents sent to it."""

    sent: int = 0
    rlp_sent: int = 0
    rlp_flagged_sent: int = 0
    acked: int = 0
    rejected: int = 0
    executions: int = 0
    filled_qty: int = 0
    rejects_by_text: dict[str, int] = field(default_factory=dict)


class FlowCore:
    """Walks a plan in drill time; tallies what comes back from each router.

    Parents due while their router is unreachable are held and sent when it
    comes back, in plan order, so no parent is silently dropped.
    """

    def __init__(self, plan: list[PlannedParent], routers: int, rlp_flagged: bool = True) -> None:
        self._plan = plan
        self._next = 0
        self._held: dict[int, list[PlannedParent]] = {r: [] for r in range(routers)}
        self.connected = [False] * routers
        self.tallies = [RouterTally() for _ in range(routers)]
        self.parent_qty: dict[int, int] = {p.order.parent_id: p.order.qty for p in plan}
        self.stopped = False
        self.rlp_flagged = rlp_flagged

    def set_rlp_flag(self, on: bool) -> bool:
        """Turn the reused bit on RLP parents on or off; returns the previous state."""
        was, self.rlp_flagged = self.rlp_flagged, on
        return was

    def _send(self, planned: PlannedParent) -> NewParent:
        tally = self.tallies[planned.router]
        tally.sent += 1
        if not planned.rlp:
            return planned.order
        tally.rlp_sent += 1
        if not self.rlp_flagged:
            return planned.order
        tally.rlp_flagged_sent += 1
        return replace(planned.order, flags=planned.order.flags | Flags.RLP)

    def next_wakeup(self) -> int | None:
        if self.stopped or self._next >= len(self._plan):
            return None
        return self._plan[self._next].at_us

    def on_timer(self, now: int) -> list[tuple[int, NewParent]]:
        """Parents now due, paired with their router index."""
        due: list[tuple[int, NewParent]] = []
        while not self.stopped and self._next < len(self._plan):
            planned = self._plan[self._next]
            if planned.at_us > now:
                break
            self._next += 1
            if self.connected[planned.router]:
                due.append((planned.router, self._send(planned)))
            else:
                self._held[planned.router].append(planned)
        return due

    def on_connected(self, router: int) -> list[NewParent]:
        """The router is reachable again: everything held for it."""
        self.connected[router] = True
        held, self._held[router] = self._held[router], []
        return [self._send(planned) for planned in held]

    def on_disconnected(self, router: int) -> None:
        self.connected[router] = False

    def on_message(self, router: int, msg: Message) -> None:
        tally = self.tallies[router]
        if isinstance(msg, Ack):
            tally.acked += 1
        elif isinstance(msg, Reject):
            tally.rejected += 1
            tally.rejects_by_text[msg.text] = tally.rejects_by_text.get(msg.text, 0) + 1
        elif isinstance(msg, Execution):
            tally.executions += 1
            tally.filled_qty += msg.qty

    def stop(self) -> None:
        self.stopped = True

    @property
    def remaining(self) -> int:
        return len(self._plan) - self._next + sum(len(h) for h in self._held.values())

    def stats(self) -> dict[str, object]:
        return {
            "planned": len(self._plan),
            "remaining": self.remaining,
            "stopped": self.stopped,
            "rlp_flag": self.rlp_flagged,
            "rlp_sent": sum(t.rlp_sent for t in self.tallies),
            "rlp_flagged_sent": sum(t.rlp_flagged_sent for t in self.tallies),
            "routers": [
                {
                    "connected": self.connected[i],
                    "sent": t.sent,
                    "rlp_sent": t.rlp_sent,
                    "rlp_flagged_sent": t.rlp_flagged_sent,
                    "acked": t.acked,
                    "rejected": t.rejected,
                    "executions": t.executions,
                    "filled_qty": t.filled_qty,
                }
                for i, t in enumerate(self.tallies)
            ],
        }
