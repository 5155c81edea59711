"""Malformed input on a running router: REJECT naming the problem, session closed, service on.

One router process serves the whole module; a well-behaved strategy stays
logged on throughout and must still be served at the end.
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.processes import ServiceProcess, start_service
from services.net.admin_client import call
from services.protocol import (
    Ack,
    Execution,
    FrameDecoder,
    Logon,
    Message,
    MsgType,
    NewParent,
    Reject,
    RejectReason,
    Side,
    TimeInForce,
    encode,
)
from services.sshkeys import ensure_keys


@pytest.fixture(scope="module")
def router(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    base = tmp_path_factory.mktemp("router")
    ensure_keys(base / "keys")
    proc = start_service(
        "router-2", "router",
        ["--name", "router-2", "--keys", str(base / "keys"), "--build-dir", str(base / "b"),
         "--drill-start", "09:30"],
        base / "router-2.log",
    )  # fmt: skip
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def good(router: ServiceProcess) -> Iterator[socket.socket]:
    """A strategy that logs on before the abuse starts and stays connected."""
    with socket.create_connection(("127.0.0.1", router.ports["orders"]), timeout=5) as sock:
        sock.sendall(logon("good"))
        yield sock


def exchange(port: int, data: bytes, half_close: bool = True) -> tuple[list[Message], bool]:
    """Send ``data`` on a fresh session; what came back and whether the router hung up."""
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        decoder = FrameDecoder()
        got: list[Message] = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                return got, False
            except ConnectionResetError:
                return got, True
            if not chunk:
                return got, True
            got += decoder.feed(chunk)
        return got, False


def parent(pid: int) -> bytes:
    return encode(NewParent(pid, "WZE", Side.BUY, TimeInForce.DAY, 100, 35_000, "A", "S", 0))


def logon(name: str = "fuzz") -> bytes:
    return encode(Logon(name))


def with_side(frame: bytes, side: int) -> bytes:
    # NEW_PARENT body: parent_id (8), symbol (8), then the side byte.
    offset = 3 + 8 + 8
    return frame[:offset] + bytes([side]) + frame[offset + 1 :]


@pytest.mark.parametrize(
    ("data", "reason", "text"),
    [
        (b"\x05\x00\xfe\x00\x00\x00\x00", RejectReason.UNKNOWN_TYPE, "unknown message type 254"),
        (struct.pack("<HB", 9, MsgType.NEW_PARENT) + bytes(8), RejectReason.BAD_LENGTH,
         "NEW_PARENT: frame length 9"),
        (parent(1), RejectReason.NOT_LOGGED_ON, "log on first: got NEW_PARENT"),
        (logon() + logon(), RejectReason.BAD_FIELD, "already logged on as fuzz"),
        (logon() + encode(Execution(1, 1, "WZE", Side.BUY, 1, 1, 0, 0)),
         RejectReason.UNKNOWN_TYPE, "EXECUTION is not accepted from a strategy"),
        (logon() + with_side(parent(1), 9), RejectReason.BAD_FIELD, "side: invalid value 9"),
        (encode(Logon("")), RejectReason.BAD_FIELD, "LOGON: empty session name"),
    ],
)  # fmt: skip
def test_each_problem_is_rejected_by_name_and_closes_the_session(
    router: ServiceProcess, good: socket.socket, data: bytes, reason: RejectReason, text: str
) -> None:
    got, closed = exchange(router.ports["orders"], data, half_close=False)
    assert closed, f"session left open after {data!r}"
    rejects = [m for m in got if isinstance(m, Reject)]
    assert rejects and rejects[-1].order_id == 0
    assert rejects[-1].reason is reason and text in rejects[-1].text


def test_truncated_frames_are_dropped_with_the_session(router: ServiceProcess) -> None:
    frame = logon() + parent(1)
    for cut in (1, 2, 3, 10, len(frame) - 1):
        got, closed = exchange(router.ports["orders"], frame[:cut])
        assert closed
        assert all(isinstance(m, Reject) for m in got)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(noise=st.binary(min_size=1, max_size=300), after_logon=st.booleans())
def test_random_bytes_never_take_the_router_down(
    router: ServiceProcess, noise: bytes, after_logon: bool
) -> None:
    data = (logon() if after_logon else b"") + noise
    got, _ = exchange(router.ports["orders"], data)
    for msg in got:
        # Random bytes can spell a valid parent (ACK) but anything else is a refusal.
        assert isinstance(msg, Reject | Ack), msg


def test_a_well_behaved_strategy_is_served_after_all_that(
    router: ServiceProcess, good: socket.socket
) -> None:
    good.sendall(parent(42))
    decoder = FrameDecoder()
    got: list[Message] = []
    while not got:
        got += decoder.feed(good.recv(4096))
    assert isinstance(got[0], Ack) and got[0].order_id == 42
    stats = call("127.0.0.1", router.ports["admin"], "GET", "/stats")
    assert stats["protocol_errors"] >= 7 and stats["session_errors"] >= 4
    assert stats["errors_by_reason"]["UNKNOWN_TYPE"] >= 1
    assert stats["errors_by_reason"]["NOT_LOGGED_ON"] >= 1
    assert stats["sessions_open"] == 1
    assert router.alive()


def test_log_file_has_no_tracebacks(router: ServiceProcess) -> None:
    assert router.log_path is not None
    log = Path(router.log_path).read_text()
    assert "Traceback" not in log, log[-2000:]
