"""Orders the gate has sent to the exchange that are still working.

"Position limits that ignored working orders" is one of the controls Knight
lacked: an order that has not filled yet is exposure the firm has already
committed to. This table keeps, per account and symbol, the shares working on
each side, the notional of everything working, and per parent the shares still
open, all updated incrementally as orders are sent, fill and end.

An order ends on an execution that leaves nothing, a cancel ack, an exchange
reject, or when its exchange session is lost (the venue cancels on
disconnect). The exchange's ``leaves`` on an execution is taken as the truth,
which also closes an immediate-or-cancel order whose remainder the venue
dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.protocol import NewChild, Side, TimeInForce

# Enum members as module constants: in CPython 3.11 ``Side.BUY`` is a
# descriptor call, about ten times the cost of a global on a hot path.
_BUY = Side.BUY


@dataclass(slots=True)
class WorkingOrder:
    """A child order accepted by the gate and not yet finished."""

    sid: int
    order_id: int
    session: str
    account: str
    symbol: str
    side: Side
    tif: TimeInForce
    price: int
    parent_id: int
    qty: int
    leaves: int
    sent_at: int


class WorkingOrders:
    """Working child orders with per-side, per-account and per-parent aggregates."""

    def __init__(self) -> None:
        self.orders: dict[tuple[int, int], WorkingOrder] = {}
        self.notional = 0
        self._sides: dict[tuple[str, str], list[int]] = {}
        self._account_notional: dict[str, int] = {}
        self._parent_open: dict[tuple[str, int], int] = {}

    def __len__(self) -> int:
        return len(self.orders)

    def __contains__(self, key: tuple[int, int]) -> bool:
        return key in self.orders

    def add(self, sid: int, session: str, child: NewChild, now: int) -> WorkingOrder:
        order = WorkingOrder(
            sid,
            child.order_id,
            session,
            child.account,
            child.symbol,
            child.side,
            child.tif,
            child.price,
            child.parent_id,
            child.qty,
            0,
            now,
        )
        self.orders[(sid, child.order_id)] = order
        self._adjust(order, child.qty)
        return order

    def _adjust(self, order: WorkingOrder, delta: int) -> None:
        """Change an order's leaves by ``delta`` and every aggregate with it."""
        order.leaves += delta
        sides = self._sides.get((order.account, order.symbol))
        if sides is None:
            sides = self._sides[(order.account, order.symbol)] = [0, 0]
        sides[0 if order.side is _BUY else 1] += delta
        value = delta * order.price
        self.notional += value
        self._account_notional[order.account] = self._account_notional.get(order.account, 0) + value
        pkey = (order.session, order.parent_id)
        self._parent_open[pkey] = self._parent_open.get(pkey, 0) + delta

    def executed(self, sid: int, order_id: int, qty: int, leaves: int) -> WorkingOrder | None:
        """An execution of ``qty``; the order is gone when the venue says nothing is left."""
        order = self.orders.get((sid, order_id))
        if order is None:
            return None
        target = max(0, min(leaves, order.leaves - qty))
        self._adjust(order, target - order.leaves)
        if target == 0:
            del self.orders[(sid, order_id)]
        return order

    def remove(self, sid: int, order_id: int) -> WorkingOrder | None:
        """The order ended without (further) fills: cancel ack, reject, lost session."""
        order = self.orders.pop((sid, order_id), None)
        if order is not None and order.leaves:
            self._adjust(order, -order.leaves)
        return order

    def remove_session(self, sid: int) -> list[WorkingOrder]:
        gone = [o for (s, _), o in self.orders.items() if s == sid]
        for order in gone:
            left = order.leaves
            self.remove(sid, order.order_id)
            order.leaves = left
        return gone

    # reads on the order path ---------------------------------------------
    def side_qty(self, account: str, symbol: str, side: Side) -> int:
        sides = self._sides.get((account, symbol))
        if sides is None:
            return 0
        return sides[0 if side is _BUY else 1]

    def account_notional(self, account: str) -> int:
        return self._account_notional.get(account, 0)

    def parent_open(self, session: str, parent_id: int) -> int:
        return self._parent_open.get((session, parent_id), 0)

    def session_orders(self, sid: int) -> int:
        return sum(1 for s, _ in self.orders if s == sid)
