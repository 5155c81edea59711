"""Parent orders as the router holds them, and how child ids point back to them.

A child order id carries its parent's router-local index in the high 32 bits
and a per-parent sequence number in the low 32, so a fill on any child finds
its parent without a child-to-parent table. That matters for Power Peg, which
sends children forever: a table would grow by ten entries a second per
parent for the whole incident.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Final, Protocol

from services.protocol import Flags, NewParent, TimeInForce
from services.router.builds import FlagMeaning
from services.router.slicing import CumulativeQuantity

if TYPE_CHECKING:
    from services.router.power_peg import PowerPegPath
    from services.router.slicing import SlicingPath

_SEQ_BITS: Final = 32
_SEQ_MASK: Final = (1 << _SEQ_BITS) - 1


def child_id(parent_index: int, seq: int) -> int:
    return (parent_index << _SEQ_BITS) | (seq & _SEQ_MASK)


def parent_index_of(order_id: int) -> int:
    return order_id >> _SEQ_BITS


class Route(StrEnum):
    """Which code path works a parent, decided by the build when it arrives."""

    NORMAL = "normal"
    RLP = "rlp"
    POWER_PEG = "power_peg"

    @classmethod
    def for_flags(cls, flags: int, bit3: FlagMeaning) -> Route:
        """The route of a parent with ``flags`` under a build reading bit 3 as ``bit3``."""
        if not flags & Flags.REPURPOSED or bit3 is FlagMeaning.IGNORED:
            return cls.NORMAL
        return cls.RLP if bit3 is FlagMeaning.RLP else cls.POWER_PEG


class ParentState(StrEnum):
    """Where a parent is in its life; only ``held`` and ``working`` are live."""

    HELD = "held"  # received before the open, waiting for 09:30
    WORKING = "working"
    FILLED = "filled"
    DONE = "done"  # ended without a full fill (IOC remainder, rejected upstream)
    CANCELLED = "cancelled"  # by its strategy
    STOPPED = "stopped"  # by disabling the router

    @property
    def live(self) -> bool:
        # Identity with module constants: asked for every parent on every
        # timer, and ``ParentState.HELD`` is a descriptor call in CPython 3.11.
        return self is _HELD or self is _WORKING


_HELD: Final = ParentState.HELD
_WORKING: Final = ParentState.WORKING


@dataclass(eq=False)
class ParentOrder:
    """One parent order and everything the router sent and received for it."""

    index: int
    session: str
    order: NewParent
    route: Route
    build: str
    received_us: int
    counter: CumulativeQuantity
    state: ParentState = ParentState.WORKING
    children_sent: int = 0
    child_qty_sent: int = 0
    children_blocked: int = 0
    end_reason: str = ""
    path: SlicingPath | PowerPegPath | None = None
    _seq: int = field(default=0, repr=False)

    def next_child_id(self) -> int:
        self._seq += 1
        return child_id(self.index, self._seq)

    @property
    def filled(self) -> int:
        return self.counter.filled

    @property
    def leaves(self) -> int:
        """Shares the strategy still expects; never negative, even after Power Peg."""
        if not self.state.live:
            return 0
        return max(0, self.order.qty - self.counter.filled)

    def view(self) -> dict[str, object]:
        o = self.order
        return {
            "index": self.index,
            "session": self.session,
            "parent_id": o.parent_id,
            "symbol": o.symbol,
            "side": o.side.name,
            "qty": o.qty,
            "price": o.price,
            "flags": o.flags,
            "route": self.route.value,
            "build": self.build,
            "state": self.state.value,
            "received_us": self.received_us,
            "children_sent": self.children_sent,
            "child_qty_sent": self.child_qty_sent,
            "children_blocked": self.children_blocked,
            "filled": self.counter.filled,
            "working": self.counter.working,
            "overfill": max(0, self.counter.filled - o.qty),
            "end_reason": self.end_reason,
        }


class ChildSink(Protocol):
    """What a path needs from the core to send children."""

    def send_child(
        self, parent: ParentOrder, qty: int, price: int, tif: TimeInForce, now: int
    ) -> int | None:
        """The child's id if it left for the gate, ``None`` if it could not."""
        ...

    def last_price(self, symbol: str) -> int | None:
        """The last fill price this router saw in ``symbol``."""
        ...
