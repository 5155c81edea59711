"""bandwidth, slow_close and slicer on the wire (spec 4.3, 4.4, 4.7, 6.7, 6.8)."""

from __future__ import annotations

import os
import time

import pytest

from .support import Server, Upstream, connect, read_outcome, recv_exactly, recv_until_eof


def test_bandwidth_limits_rate(server: Server, sink: Upstream) -> None:
    port = server.create_proxy("p", sink.address)
    server.add_toxic("p", "bandwidth", "upstream", rate=1000)
    payload = os.urandom(480_000)
    with connect(port) as client:
        start = time.perf_counter()
        client.sendall(payload)
        upstream = sink.accept()
        received = recv_exactly(upstream, len(payload))
        took_ms = (time.perf_counter() - start) * 1000
        upstream.close()
    assert received == payload
    # 480 kB at 1000 KB/s is 480 ms; never faster, and late only by scheduling.
    assert 430 <= took_ms <= 480 + 400, f"took {took_ms:.0f} ms"


def test_source_close_delivers_held_data_first(
    server: Server, sink: Upstream, request: pytest.FixtureRequest
) -> None:
    server.differs(request, "N23")
    port = server.create_proxy("p", sink.address)
    server.add_toxic("p", "bandwidth", "upstream", rate=1000)
    payload = os.urandom(200_000)
    with connect(port) as client:
        client.sendall(payload)
        client.close()
        upstream = sink.accept()
        received, _ = recv_until_eof(upstream)
    assert received == payload


def test_bandwidth_rate_zero_stalls_until_removed(
    server: Server, sink: Upstream, request: pytest.FixtureRequest
) -> None:
    server.differs(request, "N24")
    port = server.create_proxy("p", sink.address)
    server.add_toxic("p", "bandwidth", "upstream", rate=0)
    with connect(port) as client:
        client.sendall(b"stalled")
        upstream = sink.accept()
        upstream.settimeout(0.4)
        assert read_outcome(upstream) == "timeout"
        upstream.settimeout(3)
        assert server.delete("/proxies/p/toxics/bandwidth_upstream").status_code == 204
        assert recv_exactly(upstream, 7) == b"stalled"
        upstream.close()


def test_slow_close_delays_eof_and_keeps_data(
    server: Server, sink: Upstream, request: pytest.FixtureRequest
) -> None:
    server.differs(request, "N26", always=False)
    port = server.create_proxy("p", sink.address)
    server.add_toxic("p", "slow_close", "downstream", delay=300)
    with connect(port) as client:
        client.sendall(b"x")
        upstream = sink.accept()
        assert upstream.recv(1) == b"x"
        upstream.sendall(b"last words")
        start = time.perf_counter()
        upstream.close()
        received, _ = recv_until_eof(client)
        took_ms = (time.perf_counter() - start) * 1000
    assert received == b"last words"
    assert 295 <= took_ms <= 300 + 400, f"EOF after {took_ms:.0f} ms"


def test_slicer_keeps_bytes_and_cuts_into_pieces(server: Server, sink: Upstream) -> None:
    port = server.create_proxy("p", sink.address)
    server.add_toxic("p", "slicer", "downstream", average_size=1, size_variation=0, delay=20_000)
    with connect(port) as client:
        client.sendall(b"go")
        upstream = sink.accept()
        assert upstream.recv(2) == b"go"
        upstream.sendall(b"0123456789")
        received, reads = bytearray(), 0
        while len(received) < 10 and (data := client.recv(100)):
            received += data
            reads += 1
        upstream.close()
    assert received == b"0123456789"
    # Pieces 20 ms apart arrive as separate reads, bar a merge or two by the kernel.
    assert reads >= 5, f"{reads} reads"


def test_slicer_large_stream_is_intact(server: Server, sink: Upstream) -> None:
    port = server.create_proxy("p", sink.address)
    server.add_toxic("p", "slicer", "upstream", average_size=1024, size_variation=512, delay=10)
    payload = os.urandom(480_000)
    with connect(port, timeout=20) as client:
        client.sendall(payload)
        upstream = sink.accept()
        assert recv_exactly(upstream, len(payload)) == payload
        upstream.close()
