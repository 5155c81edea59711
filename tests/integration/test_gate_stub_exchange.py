"""A protocol-speaking stand-in for the exchange, and the gate against it over real TCP.

``StubExchange`` runs three real TCP ports (orders, drop copy, market data) on
an event loop in a thread: it acks every child order, fills IOC orders in full
at its ask (or bid) and lifts the price a cent per fill, rests DAY orders,
answers CANCEL_ALL the way the exchange does, publishes top of book and a
drop copy of every execution, and can write arbitrary bytes on its feeds. It
lets a test hold the exchange's side of the seam exactly where it needs to
(come up late, send garbage) without depending on the exchange's liquidity
model. ``RouterClient`` is a router's end of an order session on a blocking
socket. Other gate and monitor test modules import both from here.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from harness.netproxy import launch
from harness.processes import ServiceProcess
from services.clock import ScaledClock, parse_hhmm
from services.net.admin_client import call
from services.net.framing import FrameSession, NetStats, bound_port, listen
from services.protocol import (
    Ack,
    Cancel,
    CancelAck,
    CancelAll,
    DropCopy,
    Execution,
    FrameDecoder,
    Logon,
    MarketData,
    Message,
    NewChild,
    Reject,
    RejectReason,
    Side,
    TimeInForce,
    encode,
    to_price,
)
from tests.conftest import ServiceStarter

T = TypeVar("T")
SPEED = 20.0
START = "09:30"


class DrillClock:
    """The drill clock every process of a test shares (same start, speed and epoch)."""

    def __init__(self, speed: float = SPEED, start: str = START) -> None:
        self.speed = speed
        self.start = start
        self.epoch = time.time()
        self.clock = ScaledClock(parse_hhmm(start), speed, self.epoch)

    @property
    def args(self) -> list[str]:
        return [
            "--drill-start",
            self.start,
            "--speed",
            repr(self.speed),
            "--epoch",
            repr(self.epoch),
        ]

    def now(self) -> int:
        return self.clock.now()

    def sleep(self, drill_seconds: float) -> None:
        time.sleep(drill_seconds / self.speed)


def wait_until(probe: Callable[[], T | None], timeout: float = 10.0, what: str = "") -> T:
    """Poll ``probe`` until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:.0f} s waiting for {what or probe}")
        time.sleep(0.02)


def admin(proc: ServiceProcess, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    return call("127.0.0.1", proc.ports["admin"], method, path, body)


class RouterClient:
    """A router's order session to the gate, on a blocking socket."""

    def __init__(self, port: int, name: str | None = None) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.decoder = FrameDecoder()
        self.received: list[Message] = []
        if name is not None:
            self.send(Logon(name))

    def send(self, *messages: Message) -> None:
        self.sock.sendall(b"".join(encode(m) for m in messages))

    def poll(self, wait: float = 0.0) -> list[Message]:
        self.sock.settimeout(wait if wait > 0 else 0.001)
        try:
            data = self.sock.recv(1 << 16)
        except (TimeoutError, BlockingIOError):
            return []
        if not data:
            raise ConnectionResetError("gate closed the session")
        msgs = self.decoder.feed(data)
        self.received += msgs
        return msgs

    def wait_for(self, match: Callable[[Message], bool], timeout: float = 10.0) -> Message:
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            for msg in self.received[seen:]:
                if match(msg):
                    return msg
            seen = len(self.received)
            self.poll(0.05)
        pytest.fail(f"no matching message in {timeout} s; got {self.received[-5:]}")

    def closed_by_peer(self, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.poll(0.05)
            except (ConnectionResetError, OSError):
                return True
        return False

    def close(self) -> None:
        self.sock.close()


class _Port:
    """One of the stub's ports; a ``FrameHandler``."""

    def __init__(self, stub: StubExchange, channel: str) -> None:
        self.stub = stub
        self.channel = channel

    def on_open(self, session: FrameSession) -> None:
        self.stub.sessions[self.channel].append(session)
        if self.channel == "marketdata":
            session.send_many(self.stub.quotes())

    def on_messages(self, session: FrameSession, messages: list[Message]) -> None:
        if self.channel == "orders":
            self.stub.on_orders(session, messages)

    def on_close(self, session: FrameSession) -> None:
        sessions = self.stub.sessions[self.channel]
        if session in sessions:
            sessions.remove(session)
        if self.channel == "orders":
            self.stub.resting.pop(session.id, None)


class StubExchange:
    """Orders, drop copy and market data on real TCP ports, in a background thread."""

    def __init__(self, drill: DrillClock, symbols: dict[str, float] | None = None) -> None:
        self.drill = drill
        self.asks = {s: to_price(p) for s, p in (symbols or {"WIZZ": 3.50}).items()}
        self.stats = NetStats()
        self.sessions: dict[str, list[FrameSession]] = {
            "orders": [],
            "dropcopy": [],
            "marketdata": [],
        }
        self.ports: dict[str, int] = {}
        self.received: list[tuple[str, Message]] = []
        self.resting: dict[int, dict[int, NewChild]] = {}
        self.fills = 0
        self._exec_id = 0
        self._servers: list[asyncio.Server] = []
        self._ticker: asyncio.Task[None] | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    # thread plumbing ----------------------------------------------------------
    def _run(self, fn: Callable[[], Any]) -> Any:
        async def wrapper() -> Any:
            result = fn()
            if asyncio.iscoroutine(result):
                return await result
            return result

        return asyncio.run_coroutine_threadsafe(wrapper(), self._loop).result(10)

    def start(
        self, channels: tuple[str, ...] = ("orders", "dropcopy", "marketdata"), **fixed: int
    ) -> StubExchange:
        async def go() -> None:
            for channel in channels:
                server = await listen(
                    "127.0.0.1", fixed.get(channel, 0), _Port(self, channel), self.stats
                )
                self._servers.append(server)
                self.ports[channel] = bound_port(server)
            if self._ticker is None:
                self._ticker = asyncio.create_task(self._tick())

        self._run(go)
        return self

    def stop(self) -> None:
        async def go() -> None:
            if self._ticker is not None:
                self._ticker.cancel()
                await asyncio.gather(self._ticker, return_exceptions=True)
            for server in self._servers:
                server.close()
            for sessions in self.sessions.values():
                for s in list(sessions):
                    s.abort()
            for server in self._servers:
                await server.wait_closed()
            await asyncio.sleep(0)

        self._run(go)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    # behaviour --------------------------------------------------------------------
    def quotes(self) -> list[Message]:
        now = self.drill.now()
        return [MarketData(s, a - 100, 1000, a, 1000, a, now) for s, a in self.asks.items()]

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.05)
            quotes = self.quotes()
            for session in self.sessions["marketdata"]:
                session.send_many(quotes)

    def on_orders(self, session: FrameSession, messages: list[Message]) -> None:
        now = self.drill.now()
        out: list[Message] = []
        copies: list[Message] = []
        book = self.resting.setdefault(session.id, {})
        for msg in messages:
            if isinstance(msg, Logon):
                session.name = msg.session
            self.received.append((session.name, msg))
            if isinstance(msg, NewChild):
                out.append(Ack(msg.order_id, now))
                if msg.tif is TimeInForce.IOC:
                    self._fill(session, msg, now, out, copies)
                else:
                    book[msg.order_id] = msg
            elif isinstance(msg, Cancel):
                gone = book.pop(msg.order_id, None)
                out.append(
                    CancelAck(msg.order_id, gone.qty)
                    if gone
                    else Reject(msg.order_id, RejectReason.UNKNOWN_ORDER, "no such order")
                )
            elif isinstance(msg, CancelAll):
                total = 0
                for oid, order in list(book.items()):
                    total += order.qty
                    out.append(CancelAck(oid, order.qty))
                book.clear()
                out.append(CancelAck(0, total))
        session.send_many(out)
        for feed in self.sessions["dropcopy"]:
            feed.send_many(copies)

    def _fill(
        self,
        session: FrameSession,
        o: NewChild,
        now: int,
        out: list[Message],
        copies: list[Message],
    ) -> None:
        ask = self.asks.get(o.symbol, 0)
        marketable = o.price >= ask if o.side is Side.BUY else o.price <= ask - 100
        if not marketable:
            out.append(CancelAck(o.order_id, o.qty))
            return
        price = ask if o.side is Side.BUY else ask - 100
        self._exec_id += 1
        self.fills += 1
        out.append(Execution(o.order_id, self._exec_id, o.symbol, o.side, o.qty, price, 0, now))
        copies.append(
            DropCopy(
                self._exec_id,
                o.order_id,
                session.name,
                o.account,
                o.symbol,
                o.side,
                o.qty,
                price,
                now,
            )
        )
        self.asks[o.symbol] = ask + (100 if o.side is Side.BUY else -100)

    def push_drop_copies(self, copies: list[DropCopy]) -> None:
        def go() -> None:
            for feed in self.sessions["dropcopy"]:
                feed.send_many(list(copies))

        self._run(go)

    def write_raw(self, channel: str, data: bytes) -> int:
        """Write raw bytes to every session on a port; how many sessions got them."""

        def go() -> int:
            sessions = self.sessions[channel]
            for s in sessions:
                if s.transport is not None:
                    s.transport.write(data)
            return len(sessions)

        result: int = self._run(go)
        return result

    def subscribers(self, channel: str) -> int:
        result: int = self._run(lambda: len(self.sessions[channel]))
        return result

    def orders_from(self, session: str) -> list[Message]:
        return [m for name, m in list(self.received) if name == session]


@pytest.fixture
def drill() -> DrillClock:
    return DrillClock()


@pytest.fixture
def stub(drill: DrillClock) -> Iterator[StubExchange]:
    exchange = StubExchange(drill).start()
    try:
        yield exchange
    finally:
        exchange.stop()


def start_gate(
    services: ServiceStarter, drill: DrillClock, exchange: int, *extra: str, profile: str = "modern"
) -> ServiceProcess:
    return services(
        "gate",
        "gate",
        *drill.args,
        "--orders-port",
        "0",
        "--exchange",
        f"127.0.0.1:{exchange}",
        "--profile",
        profile,
        *extra,
    )


def free_port() -> int:
    return launch.free_port("127.0.0.1")


def test_gate_waits_for_a_late_exchange_rejecting_upstream_down(
    services: ServiceStarter, drill: DrillClock
) -> None:
    port = free_port()
    gate = start_gate(services, drill, port, profile="knight-2012")
    router = RouterClient(gate.ports["orders"], "router-1")
    child = NewChild(1, 1, "WIZZ", Side.BUY, TimeInForce.IOC, 100, to_price(3.6), "RLP", 100)
    router.send(child)
    reject = router.wait_for(lambda m: isinstance(m, Reject))
    assert isinstance(reject, Reject) and reject.reason is RejectReason.UPSTREAM_DOWN
    exchange = StubExchange(drill).start(("orders",), orders=port)
    try:

        def upstream_up() -> bool:
            routers = admin(gate, "GET", "/stats")["routers"]
            return any(r["upstream"] == "up" for r in routers.values())

        wait_until(upstream_up, what="upstream up")
        router.send(
            NewChild(2, 2, "WIZZ", Side.BUY, TimeInForce.IOC, 100, to_price(3.6), "RLP", 100)
        )
        fill = router.wait_for(lambda m: isinstance(m, Execution))
        assert isinstance(fill, Execution) and fill.order_id == 2
        assert exchange.orders_from("router-1")[0] == Logon("router-1")
        stats = admin(gate, "GET", "/stats")
        assert stats["rejects"]["UPSTREAM_DOWN"] == 1
        assert stats["exposure"]["shares"] == 100
    finally:
        router.close()
        exchange.stop()


def test_router_leaving_closes_its_exchange_session(
    services: ServiceStarter, drill: DrillClock, stub: StubExchange
) -> None:
    gate = start_gate(services, drill, stub.ports["orders"], profile="knight-2012")
    router = RouterClient(gate.ports["orders"], "router-2")
    resting = NewChild(1, 1, "WIZZ", Side.BUY, TimeInForce.DAY, 100, to_price(3.0), "RLP", 100)
    router.send(resting)
    router.wait_for(lambda m: isinstance(m, Ack))
    assert stub.subscribers("orders") == 1
    router.close()
    wait_until(lambda: stub.subscribers("orders") == 0, what="exchange session closed")
