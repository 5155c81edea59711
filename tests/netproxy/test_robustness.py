"""Changes under load, hangs and malformed requests (spec 6.4, 6.9, 6.14 item 11)."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from .support import Server, Upstream, connect, recv_exactly, send_in_background


def test_toxic_churn_during_transfer_keeps_bytes_in_order(
    server: Server, echo: Upstream, request: pytest.FixtureRequest
) -> None:
    server.differs(request, "N25", always=False)
    port = server.create_proxy("p", echo.address)
    payload = b"".join(i.to_bytes(4, "big") for i in range(250_000))
    with connect(port, timeout=10) as client:
        sender = send_in_background(client, payload)
        received = bytearray()
        for round_no in range(10):
            server.add_toxic("p", "latency", "downstream", latency=1000, jitter=0)
            server.add_toxic("p", "noop", "upstream")
            received += client.recv(1 << 16)
            assert server.delete("/proxies/p/toxics/latency_downstream").status_code == 204
            assert server.delete("/proxies/p/toxics/noop_upstream").status_code == 204, round_no
        received += recv_exactly(client, len(payload) - len(received))
        sender.join()
    assert received == payload


def test_removing_latency_before_timeout_does_not_hang(server: Server, sink: Upstream) -> None:
    port = server.create_proxy("p", sink.address)
    server.add_toxic("p", "latency", "upstream", latency=10, jitter=0)
    server.add_toxic("p", "timeout", "upstream", timeout=0)
    with connect(port) as client:
        for _ in range(3):
            client.sendall(b"hello")
            time.sleep(0.1)
        start = time.perf_counter()
        assert server.delete("/proxies/p/toxics/latency_upstream").status_code == 204
        assert time.perf_counter() - start < 1


@pytest.mark.parametrize(
    "raw",
    [
        b"GARBAGE\r\n\r\n",
        b"GET /version HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n",
        b"POST /proxies HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{",
        b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\n\r\n",
        b"\x00\xff\x10" * 100,
        b"POST /proxies HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
)
def test_malformed_requests_do_not_hurt_the_server(server: Server, raw: bytes) -> None:
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=3) as sock:
        sock.sendall(raw)
        sock.shutdown(socket.SHUT_WR)
        try:
            while sock.recv(65536):
                pass
        except OSError:
            pass
    assert server.get("/version").status_code == 200


def test_concurrent_api_calls(server: Server) -> None:
    failures: list[str] = []

    def worker(index: int) -> None:
        for round_no in range(5):
            name = f"w{index}-{round_no}"
            try:
                server.create_proxy(name, "x:1")
                if server.delete(f"/proxies/{name}").status_code != 204:
                    failures.append(name)
            except Exception as exc:
                failures.append(f"{name}: {exc}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert failures == []
    assert server.get("/proxies").json() == {}
