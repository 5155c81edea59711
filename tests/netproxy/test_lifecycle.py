"""Connections through a proxy: data, disable/enable, delete, down upstream (spec 2.5, 3)."""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from .support import (
    Server,
    Upstream,
    connect,
    read_outcome,
    recv_exactly,
    refused,
    send_in_background,
)


def _disable(server: Server, name: str, enabled: bool) -> None:
    proxy = server.get(f"/proxies/{name}").json()
    body = {"name": name, "listen": proxy["listen"], "upstream": proxy["upstream"]}
    response = server.post(f"/proxies/{name}", {**body, "enabled": enabled})
    assert response.status_code == 200, response.text


def test_messages_arrive_intact(server: Server, sink: Upstream) -> None:
    port = server.create_proxy("p", sink.address)
    payload = os.urandom(64 * 1024).hex().encode()
    with connect(port) as client:
        upstream = sink.accept()
        client.sendall(b"hello ")
        client.sendall(b"world")
        assert recv_exactly(upstream, 11) == b"hello world"
        client.sendall(payload)
        assert recv_exactly(upstream, len(payload)) == payload
        upstream.sendall(payload)
        assert recv_exactly(client, len(payload)) == payload
        upstream.close()


def test_disable_refuses_drops_and_reenable_rebinds(server: Server, echo: Upstream) -> None:
    port = server.create_proxy("p", echo.address)
    server.add_toxic("p", "noop")
    with connect(port) as live:
        live.sendall(b"x")
        assert live.recv(10) == b"x"
        _disable(server, "p", False)
        assert read_outcome(live) in ("eof", "reset")
    assert refused(port)
    _disable(server, "p", True)
    assert server.get("/proxies/p").json()["listen"] == f"127.0.0.1:{port}"
    assert [t["name"] for t in server.get("/proxies/p/toxics").json()] == ["noop_downstream"]
    with connect(port) as again:
        again.sendall(b"y")
        assert again.recv(10) == b"y"


def test_delete_drops_live_connections(
    server: Server, sink: Upstream, request: pytest.FixtureRequest
) -> None:
    server.differs(request, "N18")
    port = server.create_proxy("p", sink.address)
    with connect(port) as client:
        client.sendall(b"z")
        upstream = sink.accept()
        assert upstream.recv(10) == b"z"
        assert server.delete("/proxies/p").status_code == 204
        client.settimeout(2)
        assert read_outcome(client) in ("eof", "reset")
        assert read_outcome(upstream) in ("eof", "reset")
    assert refused(port)


def test_down_upstream_accepts_then_closes(server: Server) -> None:
    dead = socket.create_server(("127.0.0.1", 0))
    dead_port = dead.getsockname()[1]
    dead.close()
    port = server.create_proxy("p", f"127.0.0.1:{dead_port}")
    with connect(port, timeout=2) as client:
        started = time.monotonic()
        assert read_outcome(client) in ("eof", "reset")
        assert time.monotonic() - started < 2


def test_client_close_closes_upstream(server: Server, sink: Upstream) -> None:
    port = server.create_proxy("p", sink.address)
    client = connect(port)
    client.sendall(b"bye")
    upstream = sink.accept()
    assert upstream.recv(10) == b"bye"
    client.close()
    assert read_outcome(upstream) in ("eof", "reset")


def test_concurrent_connections(server: Server, echo: Upstream) -> None:
    port = server.create_proxy("p", echo.address)
    errors: list[str] = []

    def one_client(index: int) -> None:
        payload = bytes([index]) * 100_000
        try:
            with connect(port, timeout=10) as sock:
                sender = send_in_background(sock, payload)
                received = recv_exactly(sock, len(payload))
                sender.join()
                if received != payload:
                    errors.append(f"client {index}: {len(received)} bytes, corrupted or short")
        except OSError as exc:
            errors.append(f"client {index}: {exc}")

    threads = [threading.Thread(target=one_client, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
