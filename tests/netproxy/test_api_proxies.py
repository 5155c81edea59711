"""API shape of proxies: status codes, bodies, defaults, listen resolution (spec 1, 2.1, 2.2)."""

from __future__ import annotations

import pytest

from harness.netproxy import free_port

from .support import Server, Upstream, connect, read_outcome, refused


def test_version_is_json_with_request_id(server: Server, request: pytest.FixtureRequest) -> None:
    server.differs(request, "N5")
    response = server.get("/version")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json;charset=utf-8"
    assert response.text.endswith("}\n")
    assert response.json()["version"]
    assert len(response.headers["X-Toxiproxy-Request-Id"]) == 20


def test_browser_user_agent_is_refused(server: Server) -> None:
    response = server.get("/version", headers={"User-Agent": "Mozilla/5.0 (X11)"})
    assert response.status_code == 403
    assert response.text.rstrip("\n") == "User agent not allowed"
    assert server.get("/version", headers={"User-Agent": "Wget/2.1"}).status_code == 200


def test_index_is_empty_object(server: Server) -> None:
    response = server.get("/proxies")
    assert response.status_code == 200
    assert response.json() == {}


def test_create_returns_201_with_defaults(server: Server, echo: Upstream) -> None:
    port = free_port()
    body = {"name": "p", "listen": f"127.0.0.1:{port}", "upstream": echo.address}
    response = server.post("/proxies", body)
    assert response.status_code == 201
    proxy = response.json()
    assert proxy["name"] == "p"
    assert proxy["listen"] == f"127.0.0.1:{port}"
    assert proxy["upstream"] == echo.address
    assert proxy["enabled"] is True
    assert proxy["toxics"] == []
    assert server.get("/proxies/p").json()["listen"] == f"127.0.0.1:{port}"
    with connect(port) as sock:
        sock.sendall(b"hello")
        assert sock.recv(100) == b"hello"


def test_listen_port_zero_becomes_bound_port(
    server: Server, request: pytest.FixtureRequest
) -> None:
    server.differs(request, "N1")
    response = server.post("/proxies", {"name": "p", "listen": "localhost:0", "upstream": "x:1"})
    assert response.status_code == 201
    host, port = response.json()["listen"].rsplit(":", 1)
    assert host == "127.0.0.1"
    assert int(port) > 0
    assert not refused(int(port))


def test_disabled_proxy_keeps_listen_unresolved_and_does_not_listen(server: Server) -> None:
    port = free_port()
    body = {"name": "p", "listen": f"localhost:{port}", "upstream": "x:1", "enabled": False}
    response = server.post("/proxies", body)
    assert response.status_code == 201
    assert response.json()["listen"] == f"localhost:{port}"
    assert response.json()["enabled"] is False
    assert refused(port)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"listen": "127.0.0.1:0", "upstream": "x:1"}, "missing required field: name"),
        ({"name": "p", "listen": "127.0.0.1:0"}, "missing required field: upstream"),
        ({"listen": "127.0.0.1:0"}, "missing required field: name"),
    ],
)
def test_create_missing_fields(
    server: Server, request: pytest.FixtureRequest, body: dict[str, str], message: str
) -> None:
    server.differs(request, "N2")
    response = server.post("/proxies", body)
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.text == f'{{"error":"{message}","status":400}}\n'


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "bad request body: EOF"),
        (
            b"{bad",
            "bad request body: invalid character 'b' looking for beginning of object key string",
        ),
        (b'{"name": 5}', "bad request body: json: cannot unmarshal number into Go struct field"),
        (b"[]", "bad request body: json: cannot unmarshal array into Go value of type"),
    ],
)
def test_create_bad_body(
    server: Server, request: pytest.FixtureRequest, raw: bytes, message: str
) -> None:
    server.differs(request, "N4")
    headers = {"Content-Type": "application/json"}
    response = server.request("POST", "/proxies", data=raw, headers=headers)
    assert response.status_code == 400
    assert response.json()["error"].startswith(message)
    assert response.json()["status"] == 400


def test_keys_are_case_insensitive_and_unknown_keys_ignored(
    server: Server, request: pytest.FixtureRequest
) -> None:
    server.differs(request, "N3")
    port = free_port()
    body = {"NAME": "p", "Listen": f"127.0.0.1:{port}", "upStream": "x:1", "colour": "red"}
    response = server.post("/proxies", body)
    assert response.status_code == 201
    assert response.json()["name"] == "p"
    assert response.json()["upstream"] == "x:1"


def test_duplicate_name_is_409(server: Server, request: pytest.FixtureRequest) -> None:
    server.differs(request, "N2")
    server.create_proxy("p", "x:1")
    response = server.post("/proxies", {"name": "p", "listen": "127.0.0.1:0", "upstream": "x:1"})
    assert response.status_code == 409
    assert response.text == '{"error":"proxy already exists","status":409}\n'


def test_port_conflict_is_500_with_go_message(
    server: Server, request: pytest.FixtureRequest
) -> None:
    server.differs(request, "N2")
    port = server.create_proxy("first", "x:1")
    body = {"name": "second", "listen": f"127.0.0.1:{port}", "upstream": "x:1"}
    response = server.post("/proxies", body)
    assert response.status_code == 500
    message = f"listen tcp 127.0.0.1:{port}: bind: address already in use"
    assert response.json() == {"error": message, "status": 500}
    assert server.get("/proxies/second").status_code == 404
    assert server.delete("/proxies/first").status_code == 204
    assert server.post("/proxies", body).status_code == 201


def test_show_and_missing_proxy(server: Server) -> None:
    server.create_proxy("p", "x:1")
    assert server.get("/proxies/p").json()["name"] == "p"
    response = server.get("/proxies/nope")
    assert response.status_code == 404
    assert response.json() == {"error": "proxy not found", "status": 404}


def test_delete_then_refused_then_404(server: Server) -> None:
    port = server.create_proxy("p", "x:1")
    assert server.delete("/proxies/p").status_code == 204
    assert refused(port)
    assert server.get("/proxies").json() == {}
    response = server.delete("/proxies/p")
    assert response.status_code == 404
    assert response.json()["error"] == "proxy not found"


def test_unknown_path_and_trailing_slash(server: Server, request: pytest.FixtureRequest) -> None:
    server.differs(request, "N14")
    for path in ("/nope", "/proxies/", "/proxies/p/toxics/"):
        response = server.get(path)
        assert response.status_code == 404
        assert response.text == "404 page not found\n"


def test_wrong_method_is_405(server: Server, request: pytest.FixtureRequest) -> None:
    server.differs(request, "N6")
    assert server.request("PUT", "/proxies").status_code == 405
    assert server.request("DELETE", "/version").status_code == 405


def test_partial_update_disables_and_enables(
    server: Server, echo: Upstream, request: pytest.FixtureRequest
) -> None:
    server.differs(request, "N7")
    port = server.create_proxy("p", echo.address)
    response = server.post("/proxies/p", {"enabled": False})
    assert response.status_code == 200
    assert response.json()["enabled"] is False
    assert refused(port)
    response = server.request("PATCH", "/proxies/p", json={"enabled": True})
    assert response.status_code == 200
    assert response.json()["listen"] == f"127.0.0.1:{port}"
    with connect(port) as sock:
        sock.sendall(b"x")
        assert sock.recv(10) == b"x"


def test_full_update_changes_upstream_and_drops_connections(server: Server, echo: Upstream) -> None:
    port = server.create_proxy("p", "127.0.0.1:9")
    with connect(port) as sock:
        sock.settimeout(2)
        body = {"name": "p", "listen": f"127.0.0.1:{port}", "upstream": echo.address}
        response = server.post("/proxies/p", {**body, "enabled": True})
        assert response.status_code == 200
        assert response.json()["upstream"] == echo.address
        assert read_outcome(sock) in ("eof", "reset")
    with connect(port) as sock:
        sock.sendall(b"y")
        assert sock.recv(10) == b"y"


def test_update_with_same_address_as_hostname_keeps_connection(
    server: Server, echo: Upstream, request: pytest.FixtureRequest
) -> None:
    server.differs(request, "N15")
    port = server.create_proxy("p", echo.address)
    with connect(port) as sock:
        sock.sendall(b"a")
        assert sock.recv(10) == b"a"
        body = {"name": "p", "listen": f"localhost:{port}", "upstream": echo.address}
        assert server.post("/proxies/p", {**body, "enabled": True}).status_code == 200
        sock.settimeout(0.5)
        assert read_outcome(sock) == "timeout"
        sock.sendall(b"b")
        assert sock.recv(10) == b"b"
