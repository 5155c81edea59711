"""Malformed input on the gate's ports: refused, counted, and nobody else is disturbed."""

from __future__ import annotations

import itertools
import random
import socket
import struct
from collections.abc import Callable, Iterator
from dataclasses import replace

import pytest

from harness.processes import ServiceProcess
from services.net.admin_client import AdminCallError
from services.protocol import (
    Ack,
    CancelAck,
    Execution,
    FrameDecoder,
    Logon,
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
from tests.integration.test_gate_stub_exchange import (
    DrillClock,
    RouterClient,
    StubExchange,
    admin,
    start_gate,
    wait_until,
)

GOOD = NewChild(1, 1, "WIZZ", Side.BUY, TimeInForce.IOC, 100, to_price(3.60), "RLP", 100)


@pytest.fixture(scope="module")
def stub() -> Iterator[StubExchange]:
    exchange = StubExchange(DrillClock()).start()
    try:
        yield exchange
    finally:
        exchange.stop()


@pytest.fixture(scope="module")
def gate(tmp_path_factory: pytest.TempPathFactory, stub: StubExchange) -> Iterator[ServiceProcess]:
    """One gate for the module: each test checks counters as differences."""
    services = ServiceStarter(tmp_path_factory.mktemp("logs"))
    try:
        md = f"127.0.0.1:{stub.ports['marketdata']}"
        proc = start_gate(services, stub.drill, stub.ports["orders"], "--marketdata", md)
        wait_until(lambda: admin(proc, "GET", "/stats")["marketdata"]["frames_in"], what="quotes")
        yield proc
    finally:
        services.stop_all()


def raw_session(gate: ServiceProcess, data: bytes, half_close: bool = False) -> bytes:
    """Send ``data`` on a fresh connection; everything the gate answered before closing."""
    with socket.create_connection(("127.0.0.1", gate.ports["orders"]), timeout=5) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        chunks = []
        try:
            while chunk := sock.recv(4096):
                chunks.append(chunk)
        except ConnectionResetError:
            pass
        return b"".join(chunks)


def first_reject(answer: bytes) -> Reject:
    msgs = FrameDecoder().feed(answer)
    rejects = [m for m in msgs if isinstance(m, Reject)]
    assert rejects, f"no REJECT in {answer!r}"
    return rejects[0]


_names = itertools.count(1)


def assert_still_serving(gate: ServiceProcess, name: str) -> None:
    # A fresh session name each time: parents are counted per session.
    router = RouterClient(gate.ports["orders"], f"{name}-{next(_names)}")
    try:
        router.send(GOOD)
        router.wait_for(lambda m: isinstance(m, Ack))
        router.wait_for(lambda m: isinstance(m, Execution | CancelAck))
    finally:
        router.close()


def ack_of(order_id: int) -> Callable[[Message], bool]:
    return lambda m: isinstance(m, Ack) and m.order_id == order_id


LOGON = encode(Logon("router-x"))
CHILD = encode(GOOD)


@pytest.mark.parametrize(
    ("data", "half_close", "reason"),
    [
        (b"\x05\x00\xff\x01\x02\x03\x04", False, RejectReason.UNKNOWN_TYPE),
        (struct.pack("<HB", 9, 3) + b"\0" * 9, False, RejectReason.BAD_LENGTH),
        (LOGON + CHILD[:20], True, RejectReason.BAD_LENGTH),
        (LOGON + CHILD[:-29] + b"\x07" + CHILD[-28:], False, RejectReason.BAD_FIELD),
        (CHILD, False, RejectReason.NOT_LOGGED_ON),
    ],
    ids=["unknown-type", "bad-length", "truncated", "bad-side", "before-logon"],
)
def test_a_malformed_session_is_refused_closed_and_counted(
    gate: ServiceProcess, data: bytes, half_close: bool, reason: RejectReason
) -> None:
    before = admin(gate, "GET", "/stats")["protocol_errors"]
    reject = first_reject(raw_session(gate, data, half_close))
    assert reject.reason is reason
    stats = admin(gate, "GET", "/stats")
    if reason is not RejectReason.NOT_LOGGED_ON:
        assert stats["protocol_errors"] == before + 1
        assert stats["errors_by_reason"][reason.name] >= 1
    assert_still_serving(gate, "router-ok")


def test_random_bytes_never_take_the_gate_down(gate: ServiceProcess) -> None:
    rng = random.Random(2012)
    good = RouterClient(gate.ports["orders"], "router-steady")
    try:
        for i in range(40):
            blob = rng.randbytes(rng.randint(1, 300))
            raw_session(gate, blob if i % 2 else LOGON + blob, half_close=True)
            if i % 10 == 0:
                good.send(replace(GOOD, order_id=100 + i, parent_id=100 + i))
        for oid in (100, 110, 120, 130):
            good.wait_for(ack_of(oid))
        stats = admin(gate, "GET", "/stats")
        assert stats["protocol_errors"] >= 30
        assert stats["sessions_open"] == 1
    finally:
        good.close()
    assert_still_serving(gate, "router-after")


@pytest.mark.parametrize(
    ("method", "path", "body", "message"),
    [
        ("POST", "/controls", {"price_collar": {"percent": -1}}, "price_collar.percent"),
        ("POST", "/controls", {"kil_switch": {}}, "did you mean 'kill_switch'"),
        ("POST", "/kill", {"reason": "x"}, "by: Field required"),
        ("POST", "/unkill", {"by": ""}, "by: String should have at least 1 character"),
        ("GET", "/executions", {"before": "soon"}, "before: Input should be a valid integer"),
    ],
)
def test_bad_admin_requests_are_400s_naming_the_field(
    gate: ServiceProcess, method: str, path: str, body: dict[str, object], message: str
) -> None:
    with pytest.raises(AdminCallError, match="HTTP 400") as info:
        admin(gate, method, path, body)
    assert message in str(info.value)
    assert admin(gate, "GET", "/stats")["admin"]["by_path"][path] >= 1


def test_garbage_on_the_admin_port(gate: ServiceProcess) -> None:
    for blob in (
        b"\x00\xff" * 50 + b"\r\n\r\n",
        b"POST /kill HTTP/1.1\r\nContent-Length: 5\r\n\r\n{{{{{",
    ):
        with socket.create_connection(("127.0.0.1", gate.ports["admin"]), timeout=5) as sock:
            sock.sendall(blob)
            assert sock.recv(4096).startswith(b"HTTP/1.1 400")
    assert not admin(gate, "GET", "/stats")["kill_switch"]["thrown"]
    assert admin(gate, "POST", "/kill", {"reason": "drill", "by": "ops"})["kill_switch"]["thrown"]
    assert admin(gate, "POST", "/unkill", {"by": "ops"})["reset"]
