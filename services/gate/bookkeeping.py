"""What the gate learns from the exchange: fills and quotes, booked where the controls read them.

Every execution relayed to a router also moves the firm's positions and
cash, ends or shrinks the working order, counts towards its parent's
executed quantity (output-vs-input reconciliation) and marks a fill for the
repeated-execution throttle; it is entered in the ledger that drop-copy
reconciliation compares with the venue's record. Market data keeps quotes
(collar references, feed age) and marks (exposure, P&L) current.
"""

from __future__ import annotations

from collections.abc import Iterable

from services.gate.controls import GateControls
from services.protocol import Execution, MarketData, Message
from services.risk.controls import RiskState
from services.risk.ledger import ExecutionLedger

UNKNOWN_ACCOUNT = "?"
"""Account booked for an execution of an order the gate has no record of."""


class Bookkeeper:
    """Books executions and market data into the state the gate's controls read."""

    def __init__(
        self,
        state: RiskState,
        controls: GateControls,
        ledger: ExecutionLedger,
        counters: dict[str, int],
    ) -> None:
        self.state = state
        self.controls = controls
        self.ledger = ledger
        self.counters = counters

    def execution(self, sid: int, session: str, ex: Execution) -> None:
        counters = self.counters
        counters["executions"] += 1
        counters["shares_executed"] += ex.qty
        order = self.state.working.executed(sid, ex.order_id, ex.qty, ex.leaves)
        if order is None:
            counters["unknown_executions"] += 1
            account = UNKNOWN_ACCOUNT
        else:
            account = order.account
            self.controls.reconciliation.on_fill(session, order.parent_id, ex.qty)
        self.controls.repeated_execution.on_fill(session, ex.symbol)
        self.state.book.fill(account, ex.symbol, ex.side, ex.qty, ex.price)
        self.ledger.record(session, ex.symbol, ex.side, ex.qty, ex.ts)

    def market_data(self, messages: Iterable[Message]) -> None:
        market, book = self.state.market, self.state.book
        for msg in messages:
            if isinstance(msg, MarketData):
                book.remark(msg.symbol, market.update(msg))
