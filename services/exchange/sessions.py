"""What the exchange core knows of its connections, and what it hands back to send."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

from services.exchange.book import Record
from services.protocol import Message

ConnId = int
"""A connection, numbered by whoever drives the core (a socket wrapper or the sim)."""


class Channel(StrEnum):
    """The exchange's three ports; a connection belongs to one of them."""

    ORDERS = "orders"
    DROP_COPY = "dropcopy"
    MARKET_DATA = "marketdata"


class Connection:
    """One client connection: its logon name and, on the orders port, its working orders.

    ``orders`` maps the client's order id to the resting book record. Order
    ids are checked for duplicates against the working orders and the last
    ``window`` ids the connection sent (bounded, so a day of runaway flow
    cannot exhaust memory).
    """

    __slots__ = ("_fifo", "_seen", "_window", "channel", "closing", "conn", "name", "orders")

    def __init__(self, conn: ConnId, channel: Channel, window: int) -> None:
        self.conn = conn
        self.channel = channel
        self.name = ""
        self.orders: dict[int, Record] = {}
        self.closing = False
        self._window = window
        self._seen: set[int] = set()
        self._fifo: deque[int] = deque()

    def is_duplicate(self, order_id: int) -> bool:
        return order_id in self.orders or order_id in self._seen

    def remember(self, order_id: int) -> None:
        if not self._window:
            return
        self._seen.add(order_id)
        self._fifo.append(order_id)
        if len(self._fifo) > self._window:
            self._seen.discard(self._fifo.popleft())


OrderOwner = tuple[Connection, int, str, int]
"""Owner of a session's book record: connection, client order id, account, symbol index."""


@dataclass(slots=True)
class Outbox:
    """The result of one call into the core.

    ``sends`` holds, per connection and in order, the messages to write
    (a wrapper writes each list in one go). ``closes`` names connections to
    close after their messages are written, with the reason.
    """

    sends: dict[ConnId, list[Message]] = field(default_factory=dict)
    closes: dict[ConnId, str] = field(default_factory=dict)

    def to(self, conn: ConnId) -> list[Message]:
        """The (appendable) list of messages for ``conn``."""
        out = self.sends.get(conn)
        if out is None:
            out = self.sends[conn] = []
        return out

    def messages(self) -> list[tuple[ConnId, Message]]:
        """Every message as ``(conn, message)``, grouped by connection."""
        return [(conn, msg) for conn, msgs in self.sends.items() for msg in msgs]


@dataclass(slots=True)
class Counters:
    """What the exchange has done since it started."""

    orders: int = 0
    cancels: int = 0
    cancelled_on_disconnect: int = 0
    executions: int = 0
    execution_reports: int = 0
    shares: int = 0
    notional: int = 0
    """Sum of price x shares, 1e-4 dollars."""
    drop_copies: int = 0
    md_messages: int = 0
    protocol_errors: int = 0
    lp_orders: int = 0
    lp_cancels: int = 0
    lp_shares: int = 0
    """Shares that sessions' aggressive orders traded against the liquidity providers."""
    rejects: dict[str, int] = field(default_factory=dict)

    def reject(self, reason_name: str) -> None:
        self.rejects[reason_name] = self.rejects.get(reason_name, 0) + 1

    def as_dict(self) -> dict[str, object]:
        return {
            "orders": self.orders,
            "cancels": self.cancels,
            "cancelled_on_disconnect": self.cancelled_on_disconnect,
            "executions": self.executions,
            "execution_reports": self.execution_reports,
            "shares": self.shares,
            "notional_usd": self.notional / 10_000,
            "drop_copies": self.drop_copies,
            "md_messages": self.md_messages,
            "semantic_errors": self.protocol_errors,
            "lp_orders": self.lp_orders,
            "lp_cancels": self.lp_cancels,
            "lp_shares": self.lp_shares,
            "rejects": dict(self.rejects),
            "rejects_total": sum(self.rejects.values()),
        }
