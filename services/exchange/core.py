"""The exchange as a sans-I/O state machine: messages and drill time in, messages out.

``ExchangeCore`` owns one ``OrderBook`` per symbol, the liquidity providers
(``LiquidityModel``) and the market-data conflation. It never reads a clock or
touches a socket: every call takes ``now`` (drill µs) and returns an
``Outbox`` of messages per connection and connections to close. Given the
same config and the same sequence of calls, it returns the same outboxes.

Order sessions: ``LOGON`` first (a later LOGON under the same name takes the
session over: the older connection is closed and its orders cancelled);
``NEW_CHILD`` is answered ACK then EXECUTIONs (aggressor, and the resting
side when a session owns it), or REJECT; an IOC's unfilled rest is reported
by a CANCEL_ACK; ``CANCEL`` by CANCEL_ACK or REJECT UNKNOWN_ORDER;
``CANCEL_ALL`` by one CANCEL_ACK per order then ``CANCEL_ACK(0, total)``.
A closed connection's orders are cancelled (cancel-on-disconnect). Every
execution of a session's order goes to every drop-copy subscriber. A message
a port does not take closes the connection with a REJECT naming it.
"""

from __future__ import annotations

from collections.abc import Sequence

from services.exchange import views
from services.exchange.book import OrderBook
from services.exchange.config import ExchangeConfig
from services.exchange.liquidity import LiquidityModel
from services.exchange.marketdata import MarketDataConflator, TopState
from services.exchange.matching import Matcher
from services.exchange.sessions import Channel, Connection, ConnId, Counters, OrderOwner, Outbox
from services.exchange.symbols import SymbolSpec, make_symbols
from services.protocol import (
    Ack,
    Cancel,
    CancelAck,
    CancelAll,
    Heartbeat,
    Logon,
    Message,
    NewChild,
    Reject,
    RejectReason,
    TimeInForce,
)

# Enum members as module constants: in CPython 3.11 ``Channel.ORDERS`` is a
# descriptor call, about ten times the cost of a global on a hot path.
_IOC = TimeInForce.IOC
_ORDERS = Channel.ORDERS


class ExchangeCore:
    """Books, liquidity providers, sessions, drop copy and market data of one exchange."""

    def __init__(
        self,
        config: ExchangeConfig | None = None,
        start_us: int = 0,
        symbols: list[SymbolSpec] | None = None,
    ) -> None:
        self.config = config = config or ExchangeConfig()
        self.specs = symbols if symbols is not None else make_symbols(config.symbols, config.seed)
        self.index = {s.symbol: i for i, s in enumerate(self.specs)}
        self.lp = LiquidityModel(self.specs, config.lp, config.seed, start_us)
        self.md = MarketDataConflator(
            [s.symbol for s in self.specs], round(config.md_interval_ms * 1000), self._top
        )
        self.counters = Counters()
        self.now = start_us
        self._conns: dict[ConnId, Connection] = {}
        self._names: dict[str, Connection] = {}
        self._dc_subs: dict[ConnId, None] = {}
        self._md_subs: dict[ConnId, None] = {}
        self.matcher = Matcher(self.specs, self.lp, self.md, self.counters, self._dc_subs)
        self.books: list[OrderBook] = self.matcher.books

    # public API -------------------------------------------------------------
    def open(self, conn: ConnId, channel: Channel | str, now: int) -> Outbox:
        """A client connected to one of the ports; a market-data subscriber gets a snapshot."""
        out = self._advance(now)
        channel = Channel(channel)
        if conn in self._conns:
            raise ValueError(f"connection {conn} is already open")
        self._conns[conn] = Connection(conn, channel, self.config.dup_window)
        if channel is Channel.MARKET_DATA:
            self._flush_md(out)
            first = not self._md_subs
            self._md_subs[conn] = None
            out.to(conn).extend(self.md.snapshot(self.now, first))
            self.counters.md_messages += len(self.specs)
        elif channel is Channel.DROP_COPY:
            self._dc_subs[conn] = None
        return out

    def on_messages(self, conn: ConnId, messages: Sequence[Message], now: int) -> Outbox:
        """Messages read from one connection, in order."""
        out = self._advance(now)
        c = self._conns.get(conn)
        if c is None:
            raise ValueError(f"connection {conn} is not open")
        now = self.now
        for msg in messages:
            if c.closing:
                break
            if isinstance(msg, NewChild) and c.channel is _ORDERS:
                self._new_child(c, msg, now, out)
            elif isinstance(msg, Cancel) and c.channel is _ORDERS:
                self._cancel(c, msg, out)
            elif isinstance(msg, CancelAll) and c.channel is _ORDERS:
                self._cancel_all(c, msg, out)
            elif isinstance(msg, Logon):
                self._logon(c, msg, out)
            elif isinstance(msg, Heartbeat):
                out.to(conn).append(Heartbeat(now))
            else:
                self._fatal(
                    c, RejectReason.UNKNOWN_TYPE, f"{msg.TYPE.name} not taken on {c.channel}", out
                )
        self._flush_md(out)
        return out

    def close(self, conn: ConnId, now: int) -> Outbox:
        """A connection is gone: cancel its working orders (cancel-on-disconnect)."""
        out = self._advance(now)
        c = self._conns.pop(conn, None)
        if c is None:
            return out
        self._dc_subs.pop(conn, None)
        self._md_subs.pop(conn, None)
        self._release(c)
        self._flush_md(out)
        return out

    def next_wakeup(self) -> int | None:
        """Drill µs at which ``on_timer`` has work (LP steps and refills, held market data)."""
        lp = self.lp.next_wakeup()
        md = self.md.next_wakeup()
        if lp is None:
            return md
        return lp if md is None or lp <= md else md

    def on_timer(self, now: int) -> Outbox:
        """Do the time-based work due by ``now``."""
        out = self._advance(now)
        self._flush_md(out)
        return out

    # views for the admin endpoint ---------------------------------------------
    def stats(self) -> dict[str, object]:
        return views.stats(self)

    def book_view(self, symbol: str, depth: int = 10) -> dict[str, object]:
        return views.book(self, symbol, depth)

    def symbols_view(self) -> list[dict[str, object]]:
        return views.symbols(self)

    @property
    def connections(self) -> dict[ConnId, Connection]:
        return self._conns

    # sessions -------------------------------------------------------------------
    def _logon(self, c: Connection, msg: Logon, out: Outbox) -> None:
        if c.channel is not Channel.ORDERS:
            c.name = msg.session
            return
        if c.name:
            self._fatal(c, RejectReason.BAD_FIELD, f"LOGON again: already {c.name}", out)
            return
        if not msg.session.strip():
            self._fatal(c, RejectReason.BAD_FIELD, "LOGON: blank session name", out)
            return
        older = self._names.get(msg.session)
        if older is not None:
            # The newest logon wins: a client reconnecting over a half-dead
            # link must not be locked out by its own ghost.
            out.to(older.conn).append(
                Reject(0, RejectReason.NOT_LOGGED_ON, f"{msg.session} logged on elsewhere")
            )
            out.closes[older.conn] = "session taken over by a new logon"
            older.closing = True
            self._release(older)
        c.name = msg.session
        self._names[msg.session] = c

    def _release(self, c: Connection) -> None:
        if self._names.get(c.name) is c:
            del self._names[c.name]
        for rec in c.orders.values():
            owner: OrderOwner = rec[4]
            self.matcher.cancel(owner[3], rec)
            self.counters.cancelled_on_disconnect += 1
        c.orders.clear()

    def _fatal(self, c: Connection, reason: RejectReason, text: str, out: Outbox) -> None:
        out.to(c.conn).append(Reject(0, reason, text[:48]))
        out.closes[c.conn] = text
        c.closing = True
        self.counters.protocol_errors += 1
        self.counters.reject(reason.name)

    def _reject(
        self, c: Connection, oid: int, reason: RejectReason, text: str, out: Outbox
    ) -> None:
        out.to(c.conn).append(Reject(oid, reason, text[:48]))
        self.counters.reject(reason.name)

    # orders -----------------------------------------------------------------------
    def _new_child(self, c: Connection, m: NewChild, now: int, out: Outbox) -> None:
        oid = m.order_id
        if not c.name:
            self._reject(c, oid, RejectReason.NOT_LOGGED_ON, "NEW_CHILD before LOGON", out)
            return
        idx = self.index.get(m.symbol)
        if idx is None:
            self._reject(c, oid, RejectReason.UNKNOWN_SYMBOL, f"unknown symbol {m.symbol}", out)
            return
        if not oid:
            self._reject(c, oid, RejectReason.BAD_FIELD, "order_id 0 is reserved", out)
            return
        if c.is_duplicate(oid):
            self._reject(c, oid, RejectReason.DUPLICATE_ID, f"duplicate order id {oid}", out)
            return
        c.remember(oid)
        sends = out.to(c.conn)
        sends.append(Ack(oid, now))
        self.counters.orders += 1
        owner: OrderOwner = (c, oid, m.account, idx)
        ioc = m.tif is _IOC
        leaves, rec = self.matcher.submit(idx, m.side, m.price, m.qty, ioc, owner, now, out)
        if rec is not None:
            c.orders[oid] = rec
        elif leaves:
            sends.append(CancelAck(oid, leaves))

    def _cancel(self, c: Connection, m: Cancel, out: Outbox) -> None:
        oid = m.order_id
        if not c.name:
            self._reject(c, oid, RejectReason.NOT_LOGGED_ON, "CANCEL before LOGON", out)
            return
        rec = c.orders.get(oid)
        if rec is None or self.specs[rec[4][3]].symbol != m.symbol:
            self._reject(c, oid, RejectReason.UNKNOWN_ORDER, f"no working order {oid}", out)
            return
        idx: int = rec[4][3]
        del c.orders[oid]
        qty = self.matcher.cancel(idx, rec)
        self.counters.cancels += 1
        out.to(c.conn).append(CancelAck(oid, qty))

    def _cancel_all(self, c: Connection, m: CancelAll, out: Outbox) -> None:
        if not c.name:
            self._reject(c, 0, RejectReason.NOT_LOGGED_ON, "CANCEL_ALL before LOGON", out)
            return
        sends = out.to(c.conn)
        total = 0
        for oid, rec in list(c.orders.items()):
            owner: OrderOwner = rec[4]
            if m.account and owner[2] != m.account:
                continue
            del c.orders[oid]
            qty = self.matcher.cancel(owner[3], rec)
            total += qty
            self.counters.cancels += 1
            sends.append(CancelAck(oid, qty))
        sends.append(CancelAck(0, total))

    # time: liquidity providers and market data ---------------------------------------
    def _advance(self, now: int) -> Outbox:
        out = Outbox()
        if now > self.now:
            self.now = now
        now = self.now
        wake = self.lp.next_wakeup()
        if wake is not None and wake <= now:
            self.matcher.requote_many(self.lp.due(now), now, out)
        wake = self.md.next_wakeup()
        if wake is not None and wake <= now:
            self._broadcast_md(self.md.on_timer(now), out)
        return out

    def _top(self, idx: int) -> TopState:
        book = self.books[idx]
        bid, bid_qty, ask, ask_qty = book.top()
        return bid, bid_qty, ask, ask_qty, book.last

    def _flush_md(self, out: Outbox) -> None:
        if self._md_subs:
            self._broadcast_md(self.md.flush(self.now), out)

    def _broadcast_md(self, msgs: list[Message] | Sequence[Message], out: Outbox) -> None:
        if not msgs or not self._md_subs:
            return
        for sub in self._md_subs:
            out.to(sub).extend(msgs)
        self.counters.md_messages += len(msgs) * len(self._md_subs)
