"""The latency toxic on the wire (spec 4.1, 6.6).

Tolerances are generous on the late side because a loaded two-core machine delays wake-ups;
being early is never allowed beyond clock granularity. These check behaviour, not speed.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import pytest

from .support import Server, Upstream, connect, recv_exactly

MESSAGE = b"hello world " + b"a" * 32 * 1024 + b"\n"
EARLY_MS = 5
LATE_MS = 250


def _within(actual_ms: float, expected_ms: float, jitter_ms: float = 0) -> bool:
    return expected_ms - jitter_ms - EARLY_MS <= actual_ms <= expected_ms + jitter_ms + LATE_MS


def _send_quietly(sock: socket.socket, data: bytes) -> None:
    with contextlib.suppress(OSError):  # the reader may give up first
        sock.sendall(data)


def _round_trip(port: int, sink: Upstream) -> tuple[float, float]:
    """Milliseconds until the upstream has the message, then until the reply is back."""
    with connect(port) as client:
        start = time.perf_counter()
        client.sendall(MESSAGE)
        upstream = sink.accept()
        assert recv_exactly(upstream, len(MESSAGE)) == MESSAGE
        server_read = time.perf_counter()
        upstream.sendall(MESSAGE)
        assert recv_exactly(client, len(MESSAGE)) == MESSAGE
        client_read = time.perf_counter()
        upstream.close()
    return (server_read - start) * 1000, (client_read - server_read) * 1000


@pytest.mark.parametrize(
    ("up", "down"), [(100, None), (None, 100), (100, 100), (1000, 100), (100, 1000), (0, 0)]
)
def test_latency_per_direction(
    server: Server, sink: Upstream, request: pytest.FixtureRequest, up: int | None, down: int | None
) -> None:
    if 1000 in (up, down):  # the message is more than one 32 KiB read
        server.differs(request, "N20")
    port = server.create_proxy("p", sink.address)
    if up is not None:
        server.add_toxic("p", "latency", "upstream", latency=up, jitter=0)
    if down is not None:
        server.add_toxic("p", "latency", "downstream", latency=down, jitter=0)
    server_read, client_read = _round_trip(port, sink)
    assert _within(server_read, up or 0), f"upstream took {server_read:.0f} ms, wanted {up}"
    assert _within(client_read, down or 0), f"downstream took {client_read:.0f} ms, wanted {down}"


def test_latency_toxics_stack(server: Server, sink: Upstream) -> None:
    port = server.create_proxy("p", sink.address)
    for name in ("a", "b"):
        body = {"name": name, "type": "latency", "stream": "upstream"}
        attributes = {"latency": 200, "jitter": 0}
        response = server.post("/proxies/p/toxics", {**body, "attributes": attributes})
        assert response.status_code == 200
    server_read, _ = _round_trip(port, sink)
    assert _within(server_read, 400), f"two 200 ms toxics took {server_read:.0f} ms"


def test_jitter_varies_within_bounds(server: Server, echo: Upstream) -> None:
    port = server.create_proxy("p", echo.address)
    server.add_toxic("p", "latency", "downstream", latency=100, jitter=50)
    delays = []
    with connect(port) as client:
        for _ in range(12):
            start = time.perf_counter()
            client.sendall(b"ping")
            assert recv_exactly(client, 4) == b"ping"
            delays.append((time.perf_counter() - start) * 1000)
    assert all(_within(d, 100, 50) for d in delays), delays
    assert max(delays) - min(delays) > 5, f"jitter had no effect: {delays}"


def test_latency_is_not_cumulative_for_a_stream(
    server: Server, sink: Upstream, request: pytest.FixtureRequest
) -> None:
    server.differs(request, "N20")
    port = server.create_proxy("p", sink.address)
    server.add_toxic("p", "latency", "downstream", latency=100, jitter=0)
    block = b"hello world " * 1000
    count = 200
    with connect(port, timeout=10) as client:
        client.sendall(b"go")
        upstream = sink.accept()
        assert upstream.recv(2) == b"go"
        start = time.perf_counter()
        sender = threading.Thread(target=_send_quietly, args=(upstream, block * count))
        sender.start()
        received = bytearray()
        while len(received) < len(block) * count and time.perf_counter() - start < 5:
            received += client.recv(1 << 20)
        took = time.perf_counter() - start
        # close() alone does not wake a sendall blocked in another thread; shutdown does.
        with contextlib.suppress(OSError):
            upstream.shutdown(socket.SHUT_RDWR)
        upstream.close()
        sender.join()
    assert received == block * count
    # One delay for the whole stream; a per-chunk delay would take tens of seconds.
    assert took < 5, f"{count} blocks under a 100 ms latency took {took:.1f} s"


def test_removal_releases_held_data_at_once(
    server: Server, sink: Upstream, request: pytest.FixtureRequest
) -> None:
    server.differs(request, "N21")
    port = server.create_proxy("p", sink.address)
    server.add_toxic("p", "latency", "downstream", latency=5000, jitter=0)
    with connect(port) as client:
        client.sendall(b"x")
        upstream = sink.accept()
        assert upstream.recv(1) == b"x"
        upstream.sendall(b"held")
        time.sleep(0.2)
        start = time.perf_counter()
        assert server.delete("/proxies/p/toxics/latency_downstream").status_code == 204
        client.settimeout(2)
        assert recv_exactly(client, 4) == b"held"
        assert time.perf_counter() - start < 2
        upstream.close()
