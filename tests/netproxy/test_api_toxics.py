"""API shape of toxics: create, list, show, update, delete (spec 1.4, 1.5, 2.6-2.8)."""

from __future__ import annotations

from typing import Any

import pytest

from .support import Server


def _add(server: Server, body: dict[str, Any], proxy: str = "p") -> Any:
    return server.post(f"/proxies/{proxy}/toxics", body)


@pytest.fixture
def proxy(server: Server) -> Server:
    server.create_proxy("p", "127.0.0.1:9")
    return server


def test_create_returns_200_with_defaults(proxy: Server, request: pytest.FixtureRequest) -> None:
    proxy.differs(request, "N10")
    response = _add(proxy, {"type": "latency"})
    assert response.status_code == 200
    assert response.json() == {
        "attributes": {"latency": 0, "jitter": 0},
        "name": "latency_downstream",
        "type": "latency",
        "stream": "downstream",
        "toxicity": 1,
    }


def test_toxic_json_keys_and_float32_toxicity(
    proxy: Server, request: pytest.FixtureRequest
) -> None:
    proxy.differs(request, "N8")
    body = {"name": "t", "type": "latency", "toxicity": 0.2, "attributes": {"latency": 1}}
    response = _add(proxy, {**body, "stream": "upstream"})
    assert response.text == (
        '{"attributes":{"latency":1,"jitter":0},"name":"t","type":"latency",'
        '"stream":"upstream","toxicity":0.2}'
    )


def test_all_toxic_types_are_accepted(proxy: Server, request: pytest.FixtureRequest) -> None:
    proxy.differs(request, "N11")
    attributes = {
        "latency": {"latency": 10, "jitter": 1},
        "bandwidth": {"rate": 100},
        "slow_close": {"delay": 10},
        "timeout": {"timeout": 10},
        "reset_peer": {"timeout": 10},
        "slicer": {"average_size": 10, "size_variation": 1, "delay": 10},
        "limit_data": {"bytes": 10},
    }
    for kind, attrs in attributes.items():
        body = {"type": kind, "name": kind, "stream": "upstream", "attributes": attrs}
        response = _add(proxy, {**body, "toxicity": 1.0})
        assert response.status_code == 200, (kind, response.text)
        assert response.json()["attributes"] == attrs


def test_noop_without_stream(proxy: Server) -> None:
    response = _add(proxy, {"type": "noop"})
    assert response.status_code == 200
    assert response.json()["name"] == "noop_downstream"
    assert response.json()["toxicity"] == 1


def test_list_orders_upstream_first(proxy: Server, request: pytest.FixtureRequest) -> None:
    proxy.differs(request, "N8")
    assert proxy.get("/proxies/p/toxics").json() == []
    proxy.add_toxic("p", "latency", "downstream", latency=1, jitter=0)
    proxy.add_toxic("p", "latency", "upstream", latency=2, jitter=0)
    listed = proxy.get("/proxies/p/toxics").json()
    assert [(t["name"], t["stream"]) for t in listed] == [
        ("latency_upstream", "upstream"),
        ("latency_downstream", "downstream"),
    ]
    assert proxy.get("/proxies/p").json()["toxics"] == listed


def test_duplicate_name_across_streams_is_409(
    proxy: Server, request: pytest.FixtureRequest
) -> None:
    proxy.differs(request, "N9")
    proxy.add_toxic("p", "latency", "downstream", latency=1, jitter=0)
    body = {"name": "latency_downstream", "type": "bandwidth", "stream": "upstream"}
    response = _add(proxy, {**body, "attributes": {"rate": 1}})
    assert response.status_code == 409
    assert response.json() == {"error": "toxic already exists", "status": 409}
    assert len(proxy.get("/proxies/p/toxics").json()) == 1


@pytest.mark.parametrize("stream", ["walrus", ""])
def test_invalid_stream(proxy: Server, request: pytest.FixtureRequest, stream: str) -> None:
    proxy.differs(request, "N4")
    response = _add(proxy, {"type": "latency", "stream": stream, "attributes": {"latency": 1}})
    assert response.status_code == 400
    message = "stream was invalid, can be either upstream or downstream"
    assert response.json() == {"error": message, "status": 400}


def test_stream_is_case_insensitive_and_echoed(
    proxy: Server, request: pytest.FixtureRequest
) -> None:
    proxy.differs(request, "N10")
    body = {"type": "latency", "stream": "UpStream", "attributes": {"latency": 1, "jitter": 0}}
    response = _add(proxy, body)
    assert response.status_code == 200
    assert response.json()["stream"] == "UpStream"
    assert response.json()["name"] == "latency_UpStream"


def test_invalid_type(proxy: Server, request: pytest.FixtureRequest) -> None:
    proxy.differs(request, "N4")
    response = _add(proxy, {"type": "walrus"})
    assert response.status_code == 400
    assert response.json() == {"error": "invalid toxic type", "status": 400}


def test_float_attribute_is_refused(proxy: Server, request: pytest.FixtureRequest) -> None:
    proxy.differs(request, "N4")
    response = _add(proxy, {"type": "latency", "attributes": {"latency": 100.0, "jitter": 0}})
    assert response.status_code == 400
    assert response.json()["error"].startswith(
        "bad request body: json: cannot unmarshal number 100.0 into Go struct field"
    )


def test_toxic_on_missing_proxy(server: Server) -> None:
    response = _add(server, {"type": "noop"}, proxy="nope")
    assert response.status_code == 404
    assert response.json()["error"] == "proxy not found"


def test_show_and_missing_toxic(proxy: Server) -> None:
    proxy.add_toxic("p", "latency", latency=5, jitter=0)
    assert proxy.get("/proxies/p/toxics/latency_downstream").json()["attributes"]["latency"] == 5
    response = proxy.get("/proxies/p/toxics/nope")
    assert response.status_code == 404
    assert response.json()["error"] == "toxic not found"


def test_partial_update_merges(proxy: Server, request: pytest.FixtureRequest) -> None:
    proxy.differs(request, "N7")
    proxy.add_toxic("p", "latency", latency=100, jitter=10)
    body = {"toxicity": 0.5, "attributes": {"latency": 1000}}
    response = proxy.post("/proxies/p/toxics/latency_downstream", body)
    assert response.status_code == 200
    assert response.json()["attributes"] == {"latency": 1000, "jitter": 10}
    assert response.json()["toxicity"] == 0.5
    response = proxy.request(
        "PATCH", "/proxies/p/toxics/latency_downstream", json={"attributes": {"latency": 500}}
    )
    assert response.status_code == 200
    assert response.json()["attributes"] == {"latency": 500, "jitter": 10}
    assert response.json()["toxicity"] == 0.5


def test_full_update(proxy: Server) -> None:
    proxy.add_toxic("p", "latency", latency=100, jitter=10)
    body = {"name": "latency_downstream", "type": "latency", "stream": "downstream"}
    body |= {"toxicity": 0.5, "attributes": {"latency": 1000, "jitter": 10}}
    response = proxy.post("/proxies/p/toxics/latency_downstream", body)
    assert response.status_code == 200
    shown = proxy.get("/proxies/p/toxics/latency_downstream").json()
    assert shown["attributes"] == {"latency": 1000, "jitter": 10}
    assert shown["toxicity"] == 0.5


def test_delete_toxic(proxy: Server, request: pytest.FixtureRequest) -> None:
    proxy.differs(request, "N9")
    proxy.add_toxic("p", "noop")
    assert proxy.delete("/proxies/p/toxics/noop_downstream").status_code == 204
    assert proxy.get("/proxies/p/toxics").json() == []
    response = proxy.delete("/proxies/p/toxics/noop_downstream")
    assert response.status_code == 404
    assert response.json()["error"] == "toxic not found"


def test_toxics_on_disabled_proxy_persist(proxy: Server, request: pytest.FixtureRequest) -> None:
    proxy.differs(request, "N13")
    body = {"name": "p", "listen": proxy.get("/proxies/p").json()["listen"], "upstream": "x:1"}
    assert proxy.post("/proxies/p", {**body, "enabled": False}).status_code == 200
    proxy.add_toxic("p", "latency", latency=5, jitter=0)
    assert proxy.post("/proxies/p", {**body, "enabled": True}).status_code == 200
    assert [t["name"] for t in proxy.get("/proxies/p/toxics").json()] == ["latency_downstream"]
