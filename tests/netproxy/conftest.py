"""Servers under test: the embedded one always, plus every real server installed here."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

from harness.netproxy import ServerHandle, ThreadServer, find_server_binaries, launch_binary

from .support import Server, Upstream

SERVER_KINDS = ["embedded", *(binary.kind for binary in find_server_binaries())]


def _start(kind: str) -> ServerHandle:
    if kind == "embedded":
        return ThreadServer().start()
    binary = next(b for b in find_server_binaries() if b.kind == kind)
    return launch_binary(binary)


@pytest.fixture(scope="session", params=SERVER_KINDS)
def server_session(request: pytest.FixtureRequest) -> Iterator[Server]:
    handle = _start(str(request.param))
    try:
        yield Server(str(request.param), handle)
    finally:
        handle.stop()


@pytest.fixture
def server(server_session: Server) -> Iterator[Server]:
    """A server with no proxies; whatever a test creates on it is deleted afterwards."""
    yield server_session
    with contextlib.suppress(Exception):
        for name in server_session.get("/proxies").json():
            server_session.delete(f"/proxies/{name}")


@pytest.fixture
def echo() -> Iterator[Upstream]:
    """An upstream that sends back whatever it receives, until EOF."""
    upstream = Upstream(echo=True)
    try:
        yield upstream
    finally:
        upstream.close()


@pytest.fixture
def sink() -> Iterator[Upstream]:
    """An upstream whose accepted sockets the test reads and writes itself."""
    upstream = Upstream()
    try:
        yield upstream
    finally:
        upstream.close()
