"""Message types of the gameday wire protocol.

Every message is a fixed-layout little-endian struct. A frame on the wire is
``u16 length`` (bytes after the length field) followed by ``u8 type`` and the
struct body, so a frame's length is known from its type alone and a frame of
the wrong length can be rejected before any field is read. ``docs/protocol.md``
documents every layout byte by byte; the table there is generated from
``LAYOUTS`` below so the two cannot drift apart.
"""

from __future__ import annotations

import struct
from dataclasses import MISSING, dataclass, fields
from enum import IntEnum
from typing import Any, ClassVar, Final

PRICE_SCALE: Final = 10_000
"""Prices are integers in units of 1e-4 dollars (``$3.50`` is ``35_000``)."""


class MsgType(IntEnum):
    """One byte after the length prefix: which struct follows."""

    LOGON = 1
    NEW_PARENT = 2
    NEW_CHILD = 3
    CANCEL = 4
    CANCEL_ALL = 5
    ACK = 6
    REJECT = 7
    EXECUTION = 8
    CANCEL_ACK = 9
    HEARTBEAT = 10
    DROP_COPY = 11
    MARKET_DATA = 12


class Side(IntEnum):
    BUY = 1
    SELL = 2


class TimeInForce(IntEnum):
    DAY = 0
    IOC = 1


class Flags:
    """Bits of the 32-bit ``flags`` word of a parent order.

    Bit 3 is the one Knight reused: builds up to 2003.1 read it as POWER_PEG,
    build 2012.07 reads the same bit as RLP (Retail Liquidity Program). Nothing
    on the wire says which meaning the sender intended; the router's build
    decides.
    """

    ISO: Final = 1 << 0
    POST_ONLY: Final = 1 << 1
    SHORT_SALE: Final = 1 << 2
    REPURPOSED: Final = 1 << 3
    POWER_PEG: Final = REPURPOSED
    RLP: Final = REPURPOSED
    RISK_REDUCING: Final = 1 << 4
    TEST_ORDER: Final = 1 << 5
    KNOWN: Final = (1 << 6) - 1


class RejectReason(IntEnum):
    """Reason codes carried by REJECT. Codes below 10 are protocol errors."""

    UNKNOWN_TYPE = 1
    BAD_LENGTH = 2
    BAD_FIELD = 3
    NOT_LOGGED_ON = 4
    UNKNOWN_SYMBOL = 5
    UNKNOWN_ORDER = 6
    DUPLICATE_ID = 7
    KILL_SWITCH = 10
    MAX_ORDER_SIZE = 11
    MAX_ORDER_VALUE = 12
    PRICE_COLLAR = 13
    MESSAGE_THROTTLE = 14
    POSITION_LIMIT = 15
    CAPITAL_THRESHOLD = 16
    DUPLICATE_ORDER = 17
    REPEATED_EXECUTION = 18
    RECONCILIATION = 19
    DAILY_LOSS_LIMIT = 20
    STALE_MARKET_DATA = 21
    POWER_PEG_DISABLED = 30
    ROUTER_DISABLED = 31
    MARKET_CLOSED = 32
    UPSTREAM_DOWN = 33


@dataclass(frozen=True, slots=True)
class Logon:
    """First message of every order session: who is on the other end."""

    session: str
    TYPE: ClassVar[MsgType] = MsgType.LOGON


@dataclass(frozen=True, slots=True)
class NewParent:
    """A strategy's order to a router (SMARS): the router slices it into children."""

    parent_id: int
    symbol: str
    side: Side
    tif: TimeInForce
    qty: int
    price: int
    account: str
    strategy: str
    flags: int
    TYPE: ClassVar[MsgType] = MsgType.NEW_PARENT


@dataclass(frozen=True, slots=True)
class NewChild:
    """An order a router sends towards the exchange, through the risk gate."""

    order_id: int
    parent_id: int
    symbol: str
    side: Side
    tif: TimeInForce
    qty: int
    price: int
    account: str
    parent_qty: int
    TYPE: ClassVar[MsgType] = MsgType.NEW_CHILD


@dataclass(frozen=True, slots=True)
class Cancel:
    order_id: int
    symbol: str
    TYPE: ClassVar[MsgType] = MsgType.CANCEL


@dataclass(frozen=True, slots=True)
class CancelAll:
    """Cancel every working order of the session (blank account) or of one account."""

    account: str
    TYPE: ClassVar[MsgType] = MsgType.CANCEL_ALL


@dataclass(frozen=True, slots=True)
class Ack:
    order_id: int
    ts: int
    TYPE: ClassVar[MsgType] = MsgType.ACK


@dataclass(frozen=True, slots=True)
class Reject:
    """A refusal; ``text`` names the problem for a person (at most 48 bytes)."""

    order_id: int
    reason: RejectReason
    text: str
    TYPE: ClassVar[MsgType] = MsgType.REJECT


@dataclass(frozen=True, slots=True)
class Execution:
    order_id: int
    exec_id: int
    symbol: str
    side: Side
    qty: int
    price: int
    leaves: int
    ts: int
    TYPE: ClassVar[MsgType] = MsgType.EXECUTION


@dataclass(frozen=True, slots=True)
class CancelAck:
    order_id: int
    cancelled_qty: int
    TYPE: ClassVar[MsgType] = MsgType.CANCEL_ACK


@dataclass(frozen=True, slots=True)
class Heartbeat:
    ts: int
    TYPE: ClassVar[MsgType] = MsgType.HEARTBEAT


@dataclass(frozen=True, slots=True)
class DropCopy:
    """The exchange's own record of an execution, sent to post-trade risk."""

    exec_id: int
    order_id: int
    session: str
    account: str
    symbol: str
    side: Side
    qty: int
    price: int
    ts: int
    TYPE: ClassVar[MsgType] = MsgType.DROP_COPY


@dataclass(frozen=True, slots=True)
class MarketData:
    """Top of book for one symbol; a price of 0 means that side is empty."""

    symbol: str
    bid: int
    bid_qty: int
    ask: int
    ask_qty: int
    last: int
    ts: int
    TYPE: ClassVar[MsgType] = MsgType.MARKET_DATA


Message = (
    Logon
    | NewParent
    | NewChild
    | Cancel
    | CancelAll
    | Ack
    | Reject
    | Execution
    | CancelAck
    | Heartbeat
    | DropCopy
    | MarketData
)

# Field layouts: (name, struct code, meaning). Strings are fixed-width ASCII,
# right-padded with NUL. Timestamps are drill microseconds since midnight.
LAYOUTS: Final[dict[MsgType, tuple[tuple[str, str, str], ...]]] = {
    MsgType.LOGON: (("session", "16s", "session name, e.g. router-3"),),
    MsgType.NEW_PARENT: (
        ("parent_id", "Q", "client's parent order id"),
        ("symbol", "8s", "ticker"),
        ("side", "B", "1 buy, 2 sell"),
        ("tif", "B", "0 day, 1 immediate-or-cancel"),
        ("qty", "I", "shares"),
        ("price", "q", "limit price, 1e-4 dollars"),
        ("account", "8s", "trading account"),
        ("strategy", "8s", "originating strategy"),
        ("flags", "I", "flag bits (see the flag table)"),
    ),
    MsgType.NEW_CHILD: (
        ("order_id", "Q", "child order id, unique per session"),
        ("parent_id", "Q", "parent it was sliced from"),
        ("symbol", "8s", "ticker"),
        ("side", "B", "1 buy, 2 sell"),
        ("tif", "B", "0 day, 1 immediate-or-cancel"),
        ("qty", "I", "shares"),
        ("price", "q", "limit price, 1e-4 dollars"),
        ("account", "8s", "trading account"),
        ("parent_qty", "I", "quantity of the parent, for output-vs-input checks"),
    ),
    MsgType.CANCEL: (("order_id", "Q", "order to cancel"), ("symbol", "8s", "ticker")),
    MsgType.CANCEL_ALL: (("account", "8s", "account, or blank for the whole session"),),
    MsgType.ACK: (("order_id", "Q", "accepted order"), ("ts", "q", "drill time, µs")),
    MsgType.REJECT: (
        ("order_id", "Q", "refused order, 0 for a session-level reject"),
        ("reason", "H", "reason code (see the reject table)"),
        ("text", "48s", "what was wrong, for a person"),
    ),
    MsgType.EXECUTION: (
        ("order_id", "Q", "order that traded"),
        ("exec_id", "Q", "exchange execution id"),
        ("symbol", "8s", "ticker"),
        ("side", "B", "1 buy, 2 sell"),
        ("qty", "I", "shares traded"),
        ("price", "q", "trade price, 1e-4 dollars"),
        ("leaves", "I", "shares still working"),
        ("ts", "q", "drill time, µs"),
    ),
    MsgType.CANCEL_ACK: (
        ("order_id", "Q", "cancelled order"),
        ("cancelled_qty", "I", "shares taken off the book"),
    ),
    MsgType.HEARTBEAT: (("ts", "q", "drill time, µs"),),
    MsgType.DROP_COPY: (
        ("exec_id", "Q", "exchange execution id"),
        ("order_id", "Q", "order that traded"),
        ("session", "16s", "order session that owns the order"),
        ("account", "8s", "trading account"),
        ("symbol", "8s", "ticker"),
        ("side", "B", "1 buy, 2 sell"),
        ("qty", "I", "shares traded"),
        ("price", "q", "trade price, 1e-4 dollars"),
        ("ts", "q", "drill time, µs"),
    ),
    MsgType.MARKET_DATA: (
        ("symbol", "8s", "ticker"),
        ("bid", "q", "best bid, 0 if none"),
        ("bid_qty", "I", "shares at the best bid"),
        ("ask", "q", "best ask, 0 if none"),
        ("ask_qty", "I", "shares at the best ask"),
        ("last", "q", "last trade price, 0 if none"),
        ("ts", "q", "drill time, µs"),
    ),
}

MESSAGE_CLASSES: Final[dict[MsgType, type[Message]]] = {
    MsgType.LOGON: Logon,
    MsgType.NEW_PARENT: NewParent,
    MsgType.NEW_CHILD: NewChild,
    MsgType.CANCEL: Cancel,
    MsgType.CANCEL_ALL: CancelAll,
    MsgType.ACK: Ack,
    MsgType.REJECT: Reject,
    MsgType.EXECUTION: Execution,
    MsgType.CANCEL_ACK: CancelAck,
    MsgType.HEARTBEAT: Heartbeat,
    MsgType.DROP_COPY: DropCopy,
    MsgType.MARKET_DATA: MarketData,
}


def _fast_init(cls: type[Any]) -> None:
    """Give a frozen slotted message class a cheaper ``__init__`` with the same signature.

    The ``__init__`` that ``dataclass(frozen=True)`` writes sets each field
    through ``object.__setattr__(self, name, value)``, a generic attribute
    lookup per field; messages are made millions of times a drill (every
    order, execution and drop copy), so this sets each slot through its own
    descriptor instead. Nothing else changes: fields, equality, hashing,
    ``repr``, ``dataclasses.replace`` and the refusal of assignment after
    construction are still the dataclass's.
    """
    names = [f.name for f in fields(cls)]
    if any(f.default is not MISSING or f.default_factory is not MISSING for f in fields(cls)):
        return  # only the all-positional layout below is generated
    setters = {f"_set_{name}": cls.__dict__[name].__set__ for name in names}
    body = "".join(f"    _set_{name}(self, {name})\n" for name in names)
    namespace: dict[str, Any] = {}
    exec(f"def __init__(self, {', '.join(names)}):\n{body}", setters, namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = dict(cls.__init__.__annotations__)
    cls.__init__ = init


for _cls in MESSAGE_CLASSES.values():
    _fast_init(_cls)
del _cls

STRUCTS: Final[dict[MsgType, struct.Struct]] = {
    t: struct.Struct("<" + "".join(code for _, code, _ in fields)) for t, fields in LAYOUTS.items()
}


def to_price(dollars: float) -> int:
    """Dollars to wire price units, rounded to the nearest 1e-4."""
    return round(dollars * PRICE_SCALE)


def to_dollars(price: int) -> float:
    return price / PRICE_SCALE
