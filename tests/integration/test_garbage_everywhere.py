"""Random, truncated and malformed bytes on every port of every service of the topology.

Frame ports must answer a REJECT naming the problem and close the session;
admin and SSH ports must refuse politely; afterwards every service is healthy,
counts what it refused, and still serves a well-behaved client.
"""

from __future__ import annotations

import random
import socket
import struct
from collections.abc import Iterator

import pytest

from harness.backends.local import LocalBackend
from harness.runstate import RunState
from harness.topology import TopologySettings
from services.net.admin_client import call
from services.protocol import FrameDecoder, Heartbeat, Logon, Reject, encode

HOST = "127.0.0.1"
FRAME_PORTS = {
    "exchange": ("orders", "dropcopy", "marketdata"),
    "gate": ("orders",),
    "router-1": ("orders",),
    "router-2": ("orders",),
}


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunState]:
    home = tmp_path_factory.mktemp("home")
    mp = pytest.MonkeyPatch()
    mp.setenv("GAMEDAY_HOME", str(home))
    backend = LocalBackend()
    state = backend.up(TopologySettings(routers=2, profile="modern", flow=False))
    try:
        yield state
    finally:
        backend.down(state)
        mp.undo()


def exchange_bytes(port: int, payload: bytes, half_close: bool = True) -> tuple[bytes, bool]:
    """Send ``payload``; return what came back and whether the server closed the session."""
    with socket.create_connection((HOST, port), timeout=5) as sock:
        sock.sendall(payload)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        received = b""
        try:
            while chunk := sock.recv(65536):
                received += chunk
        except TimeoutError:
            return received, False
        return received, True


def malformed_inputs(seed: int) -> list[tuple[str, bytes]]:
    rng = random.Random(seed)
    frame = encode(Logon("probe"))
    return [
        ("unknown type", struct.pack("<HB", 5, 200) + b"abcd"),
        ("bad length", struct.pack("<HB", 3, 10) + b"xy"),
        ("truncated frame", frame[: len(frame) // 2]),
        ("random bytes", bytes([0xFF, 0x00, 0x7F]) + rng.randbytes(200)),
        ("zero length", b"\x00\x00\x00"),
    ]


@pytest.mark.parametrize(
    ("service", "port_name"),
    [(s, p) for s, ports in FRAME_PORTS.items() for p in ports],
)
def test_frame_ports_reject_and_close(topology: RunState, service: str, port_name: str) -> None:
    port = topology.services[service].ports[port_name]
    before = call(HOST, topology.services[service].ports["admin"], "GET", "/stats")
    for what, payload in malformed_inputs(seed=port):
        received, closed = exchange_bytes(port, payload)
        replies = FrameDecoder().feed(received)
        rejects = [m for m in replies if isinstance(m, Reject)]
        assert closed, f"{service}:{port_name} kept the session open after {what}"
        assert rejects, f"{service}:{port_name} sent no reject for {what}: {replies}"
        assert rejects[-1].text, f"{service}:{port_name}: reject without a reason ({what})"
    after = call(HOST, topology.services[service].ports["admin"], "GET", "/stats")
    assert after["protocol_errors"] >= before["protocol_errors"] + len(malformed_inputs(0))


@pytest.mark.parametrize("kind", ["admin", "ssh"])
def test_admin_and_ssh_ports_survive_garbage(topology: RunState, kind: str) -> None:
    rng = random.Random(7)
    for name, record in topology.services.items():
        if kind not in record.ports:
            continue
        for payload in (
            rng.randbytes(300),
            b"GET\r\n\r\n",
            b"\x00" * 64,
            b"SSH-2.0-x\r\n" + b"\xff" * 40,
        ):
            exchange_bytes(record.ports[kind], payload)
        assert call(HOST, record.ports["admin"], "GET", "/health")["ok"] is True, name


def test_every_service_still_serves_a_good_client(topology: RunState) -> None:
    for service, ports in FRAME_PORTS.items():
        for port_name in ports:
            port = topology.services[service].ports[port_name]
            with socket.create_connection((HOST, port), timeout=5) as sock:
                if port_name == "orders":
                    sock.sendall(encode(Logon("well-behaved")))
                sock.sendall(encode(Heartbeat(1)))
                sock.settimeout(0.5)
                try:
                    data = sock.recv(65536)
                    closed = data == b""
                except TimeoutError:
                    data, closed = b"", False
                decoder = FrameDecoder()
                replies = decoder.feed(data)
                where = f"{service}:{port_name}"
                assert not closed, f"{where} closed a well-behaved session"
                assert decoder.error is None, where
                assert not any(isinstance(m, Reject) for m in replies), (where, replies)
    for name, record in topology.services.items():
        assert call(HOST, record.ports["admin"], "GET", "/health")["ok"] is True, name
