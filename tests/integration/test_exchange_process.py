"""The exchange as a process over TCP: sessions, drop copy, market data, admin endpoints."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import pytest

from harness.processes import ServiceProcess
from services.net.admin_client import AdminCallError, call
from services.protocol import (
    Ack,
    CancelAck,
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
)
from tests.conftest import ServiceStarter

M = TypeVar("M", bound=Message)


class Client:
    """A blocking frame client for tests."""

    def __init__(self, port: int, *messages: Message) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.decoder = FrameDecoder()
        self.received: list[Message] = []
        self.eof = False
        if messages:
            self.send(*messages)

    def send(self, *messages: Message) -> None:
        self.sock.sendall(b"".join(encode(m) for m in messages))

    def read_until(self, done: Callable[[list[Message]], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not done(self.received):
            if self.eof:
                raise AssertionError(f"closed by the exchange; got {self.received[-5:]}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"timed out; got {self.received[-5:]}")
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            if not data:
                self.eof = True
            self.received += self.decoder.feed(data)

    def of(self, kind: type[M]) -> list[M]:
        return [m for m in self.received if isinstance(m, kind)]

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def connect() -> Iterator[Callable[..., Client]]:
    """``connect(port, *messages)``: a client, closed when the test ends."""
    opened: list[Client] = []

    def make(port: int, *messages: Message) -> Client:
        opened.append(Client(port, *messages))
        return opened[-1]

    yield make
    for c in opened:
        c.close()


def admin(proc: ServiceProcess, path: str) -> dict[str, Any]:
    return call("127.0.0.1", proc.ports["admin"], "GET", path)


def child(
    oid: int, side: Side, price: int, qty: int = 100, tif: TimeInForce = TimeInForce.DAY
) -> NewChild:
    return NewChild(oid, oid, "WZE", side, tif, qty, price, "33", qty)


@pytest.fixture
def exchange(services: ServiceStarter) -> ServiceProcess:
    return services("exchange", "exchange", "--symbols", "20", "--seed", "3")


@pytest.fixture
def bare(services: ServiceStarter) -> ServiceProcess:
    """No liquidity providers: the books hold only what a test puts there."""
    return services("exchange", "exchange", "--symbols", "20", "--lp-levels", "0")


def test_help_describes_the_options() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "services.exchange", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    ).stdout
    for option in (
        "--orders-port",
        "--dropcopy-port",
        "--marketdata-port",
        "--symbols",
        "--impact",
    ):
        assert option in out


def test_a_bad_option_stops_it_with_one_line_naming_the_option() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "services.exchange", "--lp-lag-ms", "-1"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode != 0
    assert done.stderr.strip().splitlines() == [
        "exchange: --lp-lag-ms: Input should be greater than or equal to 0"
    ]


def test_ready_line_and_admin_endpoints(exchange: ServiceProcess) -> None:
    assert set(exchange.ports) == {"orders", "dropcopy", "marketdata", "admin"}
    health = admin(exchange, "/health")
    assert health["service"] == "exchange" and health["ok"] is True
    assert health["now_us"] >= 8 * 3600 * 1_000_000  # its drill time, from 08:00
    symbols = admin(exchange, "/symbols")["symbols"]
    assert isinstance(symbols, list) and len(symbols) == 20
    assert symbols[0]["symbol"] == "WZE" and symbols[0]["price"] == 3.5
    book = admin(exchange, "/book?symbol=WZE&depth=3")
    assert book["bid"] is not None and book["ask"] is not None
    assert len(book["bids"]) == 3
    stats = admin(exchange, "/stats")
    assert stats["protocol_errors"] == 0 and "net" in stats
    with pytest.raises(AdminCallError, match="404"):
        admin(exchange, "/book?symbol=NOPE")
    with pytest.raises(AdminCallError, match="400"):
        admin(exchange, "/book")


def test_orders_executions_drop_copy_and_market_data(
    bare: ServiceProcess, connect: Callable[..., Client]
) -> None:
    md = connect(bare.ports["marketdata"])
    md.read_until(lambda r: len(r) >= 20)
    assert {m.symbol for m in md.of(MarketData)} >= {"WZE", "CO"}
    dc = connect(bare.ports["dropcopy"], Logon("monitor"))
    seller = connect(bare.ports["orders"], Logon("router-2"), child(1, Side.SELL, 20_000, 300))
    seller.read_until(lambda r: any(isinstance(m, Ack) for m in r))
    buyer = connect(bare.ports["orders"], Logon("router-1"))
    buyer.send(child(1, Side.BUY, 20_000, 500, TimeInForce.IOC))
    buyer.read_until(lambda r: any(isinstance(m, CancelAck) for m in r))
    acks, execs = buyer.of(Ack), buyer.of(Execution)
    assert len(acks) == 1 and len(execs) == 1
    e = execs[0]
    assert (e.order_id, e.side, e.qty, e.price, e.leaves) == (1, Side.BUY, 300, 20_000, 200)
    assert buyer.of(CancelAck)[-1] == CancelAck(1, 200)
    seller.read_until(lambda r: any(isinstance(m, Execution) for m in r))
    dc.read_until(lambda r: len(r) >= 2)
    copies = dc.of(DropCopy)
    assert {(c.session, c.side, c.qty, c.price) for c in copies} == {
        ("router-1", Side.BUY, 300, 20_000),
        ("router-2", Side.SELL, 300, 20_000),
    }
    md.read_until(lambda r: any(isinstance(m, MarketData) and m.last == 20_000 for m in r))


def test_a_dropped_session_has_its_orders_cancelled(
    exchange: ServiceProcess, connect: Callable[..., Client]
) -> None:
    c = connect(exchange.ports["orders"], Logon("router-5"), child(1, Side.BUY, 10_000, 700))
    c.read_until(lambda r: any(isinstance(m, Ack) for m in r))
    bids = admin(exchange, "/book?symbol=WZE&depth=20")["bids"]
    assert {"price": 1.0, "qty": 700, "orders": 1} in bids
    c.close()
    deadline = time.monotonic() + 5
    while admin(exchange, "/stats")["cancelled_on_disconnect"] != 1:
        assert time.monotonic() < deadline, "order still working after the session dropped"
        time.sleep(0.02)
    bids = admin(exchange, "/book?symbol=WZE&depth=20")["bids"]
    assert all(b["price"] != 1.0 for b in bids)


def test_a_semantic_error_is_rejected_and_the_session_closed(
    exchange: ServiceProcess, connect: Callable[..., Client]
) -> None:
    c = connect(exchange.ports["orders"], Ack(1, 2))
    c.read_until(lambda r: c.eof)
    [reject] = c.of(Reject)
    assert reject.reason is RejectReason.UNKNOWN_TYPE
    assert "ACK" in reject.text
    assert admin(exchange, "/stats")["protocol_errors"] == 1
