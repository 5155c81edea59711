"""Random and truncated bytes on every port of a real exchange process.

Whatever arrives, a connection whose bytes are not a well-formed stream of
messages that port takes gets a REJECT naming the problem and is closed, the
exchange counts it, and it goes on serving a well-behaved client.
"""

from __future__ import annotations

import contextlib
import random
import socket

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.processes import ServiceProcess
from services.net.admin_client import call
from services.protocol import (
    Ack,
    Cancel,
    CancelAll,
    FrameDecoder,
    Heartbeat,
    Logon,
    Message,
    NewChild,
    Reject,
    RejectReason,
    Side,
    TimeInForce,
    encode,
)
from tests.conftest import ServiceStarter
from tests.integration.test_exchange_process import Client

PORTS = ("orders", "dropcopy", "marketdata")
# What each port takes from a client; anything else is a semantic error.
ACCEPTED: dict[str, tuple[type[Message], ...]] = {
    "orders": (Logon, NewChild, Cancel, CancelAll, Heartbeat),
    "dropcopy": (Logon, Heartbeat),
    "marketdata": (Logon, Heartbeat),
}
PROTOCOL_REASONS = {RejectReason.UNKNOWN_TYPE, RejectReason.BAD_LENGTH, RejectReason.BAD_FIELD}


def exchange_of_bytes(port: int, data: bytes) -> tuple[list[Message], bool]:
    """Send ``data``, end the stream, read until the exchange closes: (messages, closed)."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        decoder = FrameDecoder()
        got: list[Message] = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                return got, False
            if not chunk:
                return got, True
            got += decoder.feed(chunk)


def expect_reject(port_name: str, data: bytes) -> bool:
    """Whether ``data`` is something the exchange must refuse on this port."""
    decoder = FrameDecoder()
    msgs = decoder.feed(data)
    if decoder.error is not None or decoder.pending:
        return True
    if not all(isinstance(m, ACCEPTED[port_name]) for m in msgs):
        return True
    logons = [m for m in msgs if isinstance(m, Logon)]
    return port_name == "orders" and (len(logons) > 1 or any(not m.session.strip() for m in logons))


def check(proc: ServiceProcess, port_name: str, data: bytes) -> bool:
    got, closed = exchange_of_bytes(proc.ports[port_name], data)
    assert closed, "the exchange must close a stream that has ended"
    if not expect_reject(port_name, data):
        return False
    rejects = [m for m in got if isinstance(m, Reject) and m.order_id == 0]
    assert rejects, f"no REJECT for {data[:40]!r} on {port_name}"
    assert rejects[-1].reason in PROTOCOL_REASONS and rejects[-1].text
    assert got[-1] == rejects[-1], "nothing is sent after the REJECT"
    return True


def assert_still_serving(proc: ServiceProcess) -> None:
    c = Client(proc.ports["orders"], Logon("good-client"))
    try:
        c.send(NewChild(1, 1, "WZE", Side.BUY, TimeInForce.DAY, 100, 10_000, "33", 100))
        c.read_until(lambda r: any(isinstance(m, Ack) for m in r))
    finally:
        c.close()


@pytest.fixture
def exchange(services: ServiceStarter) -> ServiceProcess:
    return services("exchange", "exchange", "--symbols", "12")


def frames_and_noise() -> st.SearchStrategy[bytes]:
    """Mostly garbage, sometimes valid frames with garbage or a cut-off frame after them."""
    valid = st.sampled_from(
        [
            encode(Logon("fuzz")),
            encode(Heartbeat(1)),
            encode(Ack(1, 1)),
            encode(NewChild(1, 1, "WZE", Side.BUY, TimeInForce.DAY, 100, 10_000, "33", 100)),
        ]
    )
    return st.one_of(
        st.binary(min_size=1, max_size=64),
        st.tuples(st.lists(valid, max_size=3), st.binary(max_size=24)).map(
            lambda t: b"".join(t[0]) + t[1]
        ),
        st.tuples(valid, st.integers(1, 60)).map(lambda t: t[0][: max(1, len(t[0]) - t[1])]),
    )


@pytest.mark.parametrize("port_name", PORTS)
def test_random_bytes_get_a_reject_and_a_closed_session(
    exchange: ServiceProcess, port_name: str
) -> None:
    refused = 0

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
        derandomize=True,
    )
    @given(frames_and_noise())
    def one(data: bytes) -> None:
        nonlocal refused
        refused += check(exchange, port_name, data)

    one()
    assert refused > 20
    stats = call("127.0.0.1", exchange.ports["admin"], "GET", "/stats")
    assert stats["protocol_errors"] >= refused
    assert_still_serving(exchange)


def test_seeded_streams_of_noise_on_every_port_at_once(exchange: ServiceProcess) -> None:
    rng = random.Random(2012)
    socks = []
    for i in range(30):
        port = exchange.ports[PORTS[i % 3]]
        s = socket.create_connection(("127.0.0.1", port), timeout=5)
        socks.append(s)
        # The exchange may close on the first bad frame while the rest is in flight.
        with contextlib.suppress(ConnectionError):
            s.sendall(rng.randbytes(rng.randint(1, 4096)))
    assert_still_serving(exchange)
    for s in socks:
        with contextlib.suppress(ConnectionError):
            s.shutdown(socket.SHUT_WR)
            while s.recv(65536):
                pass
        s.close()
    stats = call("127.0.0.1", exchange.ports["admin"], "GET", "/stats")
    assert stats["protocol_errors"] >= 30
    assert stats["sessions"] == {"orders": 0, "logged_on": [], "dropcopy": 0, "marketdata": 0}
    assert_still_serving(exchange)
