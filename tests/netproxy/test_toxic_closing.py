"""timeout, reset_peer and limit_data on the wire (spec 4.5, 4.6, 4.8, 6.9-6.11)."""

from __future__ import annotations

import time

import pytest

from .support import Server, Upstream, connect, read_outcome, recv_exactly, recv_until_eof


def test_timeout_swallows_data_then_closes(server: Server, sink: Upstream) -> None:
    port = server.create_proxy("p", sink.address)
    server.add_toxic("p", "timeout", "upstream", timeout=300)
    with connect(port) as client:
        start = time.perf_counter()
        client.sendall(b"lost")
        upstream = sink.accept()
        assert read_outcome(upstream) in ("eof", "reset")
        took_ms = (time.perf_counter() - start) * 1000
        assert read_outcome(client) in ("eof", "reset")
    assert 295 <= took_ms <= 300 + 500, f"closed after {took_ms:.0f} ms"


def test_timeout_zero_holds_until_removed_then_closes(
    server: Server, sink: Upstream, request: pytest.FixtureRequest
) -> None:
    server.differs(request, "N16")
    port = server.create_proxy("p", sink.address)
    server.add_toxic("p", "timeout", "upstream", timeout=0)
    with connect(port) as client:
        client.sendall(b"lost")
        upstream = sink.accept()
        upstream.settimeout(0.5)
        assert read_outcome(upstream) == "timeout"
        start = time.perf_counter()
        assert server.delete("/proxies/p/toxics/timeout_upstream").status_code == 204
        assert time.perf_counter() - start < 1
        upstream.settimeout(1)
        client.settimeout(1)
        assert read_outcome(upstream) in ("eof", "reset")
        assert read_outcome(client) in ("eof", "reset")


@pytest.mark.parametrize(("stream", "timeout"), [("upstream", 0), ("downstream", 100)])
def test_reset_peer_resets_the_client(
    server: Server, echo: Upstream, request: pytest.FixtureRequest, stream: str, timeout: int
) -> None:
    server.differs(request, "N11")
    port = server.create_proxy("p", echo.address)
    server.add_toxic("p", "reset_peer", stream, timeout=timeout)
    with connect(port) as client:
        start = time.perf_counter()
        client.sendall(b"reset toxic payload\n")
        outcome = read_outcome(client)
        took_ms = (time.perf_counter() - start) * 1000
        assert outcome == "reset"
        assert read_outcome(client) == "eof"
    assert took_ms <= timeout + 110 + 300, f"reset after {took_ms:.0f} ms"


@pytest.mark.parametrize(
    ("writes", "expected"),
    [([b"a" * 50], 50), ([b"b" * 100], 100), ([b"c" * 150], 100), ([b"d" * 90, b"e" * 20], 100)],
)
def test_limit_data_upstream(
    server: Server, sink: Upstream, writes: list[bytes], expected: int
) -> None:
    port = server.create_proxy("p", sink.address)
    server.add_toxic("p", "limit_data", "upstream", bytes=100)
    with connect(port) as client:
        for data in writes:
            client.sendall(data)
            time.sleep(0.05)
        upstream = sink.accept()
        got = recv_exactly(upstream, expected)
        assert got == b"".join(writes)[:expected]
        if expected == 100:
            assert read_outcome(upstream) in ("eof", "reset")
            assert read_outcome(client) in ("eof", "reset")
        else:
            upstream.settimeout(0.3)
            assert read_outcome(upstream) == "timeout"


def test_limit_data_downstream_then_eof(server: Server, sink: Upstream) -> None:
    port = server.create_proxy("p", sink.address)
    server.add_toxic("p", "limit_data", "downstream", bytes=1000)
    with connect(port) as client:
        client.sendall(b"x")
        upstream = sink.accept()
        assert upstream.recv(1) == b"x"
        upstream.sendall(b"z" * 5000)
        received, _ = recv_until_eof(client)
    assert received == b"z" * 1000


def test_toxic_added_to_live_connection_applies(
    server: Server, sink: Upstream, request: pytest.FixtureRequest
) -> None:
    server.differs(request, "N22")
    port = server.create_proxy("p", sink.address)
    with connect(port) as client:
        client.sendall(b"a")
        upstream = sink.accept()
        assert upstream.recv(1) == b"a"
        server.add_toxic("p", "latency", "upstream", latency=300, jitter=0)
        start = time.perf_counter()
        client.sendall(b"b")
        assert upstream.recv(1) == b"b"
        took_ms = (time.perf_counter() - start) * 1000
        upstream.close()
    assert 295 <= took_ms <= 300 + 400, f"took {took_ms:.0f} ms"
