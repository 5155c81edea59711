"""``POST /populate`` and ``POST /reset`` (spec 2.3, 2.4)."""

from __future__ import annotations

from typing import Any

import pytest

from harness.netproxy import free_port

from .support import Server, Upstream, connect, refused


def _entry(name: str, port: int, upstream: str = "x:1", **extra: Any) -> dict[str, Any]:
    return {"name": name, "listen": f"127.0.0.1:{port}", "upstream": upstream, **extra}


def _proxies(body: Any) -> Any:
    return body["proxies"] if isinstance(body, dict) else body


def test_populate_creates_in_order(server: Server) -> None:
    one, two, three = free_port(), free_port(), free_port()
    entries = [_entry("one", one), _entry("two", two, enabled=True)]
    entries.append(_entry("three", three, enabled=False))
    response = server.post("/populate", entries)
    assert response.status_code == 201
    proxies = _proxies(response.json())
    assert [p["name"] for p in proxies] == ["one", "two", "three"]
    assert [p["enabled"] for p in proxies] == [True, True, False]
    assert not refused(one)
    assert not refused(two)
    assert refused(three)


def test_populate_response_shape(server: Server, request: pytest.FixtureRequest) -> None:
    server.differs(request, "N12")
    response = server.post("/populate", [_entry("one", free_port())])
    assert response.headers["Content-Type"] == "application/json"
    assert list(response.json()) == ["proxies"]
    empty = server.post("/populate", [])
    assert empty.status_code == 201
    assert empty.json() == {"proxies": None}


def test_populate_keeps_identical_and_replaces_changed(
    server: Server, echo: Upstream, request: pytest.FixtureRequest
) -> None:
    server.differs(request, "N17")
    one, two = free_port(), free_port()
    server.post("/populate", [_entry("one", one, echo.address), _entry("two", two, echo.address)])
    server.add_toxic("one", "latency", latency=1, jitter=0)
    server.add_toxic("two", "latency", latency=1, jitter=0)
    with connect(one) as kept:
        kept.sendall(b"a")
        assert kept.recv(10) == b"a"
        new_two = free_port()
        entries = [_entry("one", one, echo.address), _entry("two", new_two, echo.address)]
        response = server.post("/populate", entries)
        assert response.status_code == 201
        assert [p["listen"] for p in _proxies(response.json())] == [
            f"127.0.0.1:{one}",
            f"127.0.0.1:{new_two}",
        ]
        assert len(server.get("/proxies/one/toxics").json()) == 1
        assert server.get("/proxies/two/toxics").json() == []
        kept.sendall(b"b")
        assert kept.recv(10) == b"b"
    assert refused(two)


def test_populate_validates_everything_first(
    server: Server, request: pytest.FixtureRequest
) -> None:
    server.differs(request, "N12")
    entries = [_entry("one", free_port()), {"listen": "127.0.0.1:0", "upstream": "x:1"}]
    response = server.post("/populate", entries)
    assert response.status_code == 400
    assert response.json()["error"] == "missing required field: name at proxy 2"
    assert server.get("/proxies").json() == {}


def test_populate_stops_at_first_failure(server: Server) -> None:
    entries = [_entry("one", free_port()), {"name": "two", "listen": "local373", "upstream": "x:1"}]
    entries.append(_entry("three", free_port()))
    response = server.post("/populate", entries)
    assert response.status_code >= 400
    assert sorted(server.get("/proxies").json()) == ["one"]


def test_reset_removes_toxics_and_keeps_connections(
    server: Server, echo: Upstream, request: pytest.FixtureRequest
) -> None:
    server.differs(request, "N19")
    port = server.create_proxy("p", echo.address)
    server.add_toxic("p", "latency", latency=1, jitter=0)
    with connect(port) as sock:
        sock.sendall(b"1")
        assert sock.recv(10) == b"1"
        response = server.post("/reset")
        assert response.status_code == 204
        assert response.content == b""
        sock.sendall(b"2")
        assert sock.recv(10) == b"2"
    assert server.get("/proxies/p").json()["toxics"] == []


def test_reset_enables_disabled_proxies(
    server: Server, echo: Upstream, request: pytest.FixtureRequest
) -> None:
    server.differs(request, "N19")
    port = server.create_proxy("off", echo.address)
    server.add_toxic("off", "latency", latency=1, jitter=0)
    body = {"name": "off", "listen": f"127.0.0.1:{port}", "upstream": echo.address}
    server.post("/proxies/off", {**body, "enabled": False})
    assert refused(port)
    assert server.post("/reset").status_code == 204
    proxy = server.get("/proxies/off").json()
    assert proxy["enabled"] is True
    assert proxy["toxics"] == []
    assert not refused(port)
