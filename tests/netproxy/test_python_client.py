"""toxiproxy-python 0.1.1 against every server (spec 5), and the typed client over it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from toxiproxy import Toxiproxy
from toxiproxy.api import APIConsumer

from harness.netproxy import (
    InvalidArgument,
    ProxyAlreadyExists,
    ProxyNotFound,
    ServerFailure,
    ToxicAlreadyExists,
    ToxicNotFound,
    ToxiproxyClient,
    free_port,
)

from .support import Server, Upstream, connect, refused


@pytest.fixture
def toxiproxy(server: Server) -> Iterator[Toxiproxy]:
    """The library aimed at the server under test; its process-wide target is restored."""
    saved = APIConsumer.host, APIConsumer.port
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    library = Toxiproxy()
    library.update_api_consumer(host, int(port))
    try:
        yield library
    finally:
        APIConsumer.host, APIConsumer.port = saved


@pytest.fixture
def client(server: Server) -> ToxiproxyClient:
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    return ToxiproxyClient(host, int(port), timeout=5)


def test_library_round_trip(toxiproxy: Toxiproxy, echo: Upstream) -> None:
    assert toxiproxy.running()
    assert toxiproxy.version()
    port = free_port()
    proxy = toxiproxy.create(upstream=echo.address, name="lib", listen=f"127.0.0.1:{port}")
    assert proxy.name == "lib"
    proxy.add_toxic(type="latency", attributes={"latency": 10, "jitter": 0})
    assert list(proxy.toxics()) == ["latency_downstream"]
    with connect(port) as sock:
        sock.sendall(b"hi")
        assert sock.recv(10) == b"hi"
    proxy.destroy_toxic("latency_downstream")
    assert proxy.toxics() == {}
    assert "lib" in toxiproxy.proxies()
    toxiproxy.destroy_all()
    assert toxiproxy.proxies() == {}


def test_library_disable_enable(
    toxiproxy: Toxiproxy, echo: Upstream, server: Server, request: pytest.FixtureRequest
) -> None:
    server.differs(request, "N7")
    port = free_port()
    proxy = toxiproxy.create(upstream=echo.address, name="lib", listen=f"127.0.0.1:{port}")
    with proxy.down():
        assert refused(port)
    assert not refused(port)


def test_client_proxies_and_toxics(
    client: ToxiproxyClient, server: Server, request: pytest.FixtureRequest
) -> None:
    server.differs(request, "N9")
    proxy = client.create_proxy("c", upstream="127.0.0.1:9", listen=f"127.0.0.1:{free_port()}")
    assert client.get_proxy("c") == proxy
    toxic = client.add_toxic("c", "latency", attributes={"latency": 100, "jitter": 10})
    assert toxic.name == "latency_downstream"
    updated = client.update_toxic("c", toxic.name, toxicity=0.5, attributes={"latency": 200})
    assert updated.attributes == {"latency": 200, "jitter": 10}
    assert updated.toxicity == 0.5
    with pytest.raises(ToxicAlreadyExists, match="latency_downstream"):
        client.add_toxic("c", "latency", attributes={"latency": 1, "jitter": 0})
    client.remove_toxic("c", toxic.name)
    with pytest.raises(ToxicNotFound, match="'nope'"):
        client.remove_toxic("c", "nope")


def test_client_errors_name_what_failed(client: ToxiproxyClient, server: Server) -> None:
    port = free_port()
    client.create_proxy("c", upstream="x:1", listen=f"127.0.0.1:{port}")
    with pytest.raises(ProxyAlreadyExists, match="create proxy 'c'"):
        client.create_proxy("c", upstream="x:1", listen=f"127.0.0.1:{free_port()}")
    with pytest.raises(ServerFailure, match="create proxy 'd'") as failure:
        client.create_proxy("d", upstream="x:1", listen=f"127.0.0.1:{port}")
    assert failure.value.status == 500
    with pytest.raises(ProxyNotFound, match="'nope'"):
        client.get_proxy("nope")
    with pytest.raises(InvalidArgument, match="whole number"):
        client.add_toxic("c", "latency", attributes={"latency": 1.5})
    with pytest.raises(InvalidArgument, match="URL path"):
        client.get_proxy("a/b")
