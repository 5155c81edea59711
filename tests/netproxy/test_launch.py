"""Starting and stopping servers, and the NetProxy API the drill harness uses."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.netproxy import (
    LaunchError,
    NetProxy,
    RequestTimeout,
    ServerNotInstalled,
    ServerUnavailable,
    ToxiproxyClient,
    find_server_binaries,
    free_port,
    launch_server,
)
from harness.netproxy import launch as launch_module

from .support import Upstream, connect, read_outcome, refused

MODES = [("embedded", True), ("embedded", False)] + (
    [("external", False)] if find_server_binaries() else []
)


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.parametrize(("mode", "in_thread"), MODES)
def test_netproxy_links_and_faults(mode: str, in_thread: bool, echo: Upstream) -> None:
    with NetProxy.start(mode, in_thread=in_thread) as net:  # type: ignore[arg-type]
        address = net.create_link("svc", "127.0.0.1:0", echo.address)
        assert address.port != 0
        with connect(address.port) as sock:
            sock.sendall(b"a")
            assert sock.recv(10) == b"a"
        name = net.add_toxic("svc", "latency", "upstream", attributes={"latency": 200})
        assert name == "latency_upstream"
        with connect(address.port) as sock:
            start = time.perf_counter()
            sock.sendall(b"b")
            assert sock.recv(10) == b"b"
            assert time.perf_counter() - start >= 0.19
        net.remove_toxic("svc", name)
        net.set_enabled("svc", False)
        assert refused(address.port)
        net.set_enabled("svc", True)
        assert not refused(address.port)
        pid = getattr(net.server, "pid", None)
    assert refused(address.port)
    if pid is not None:
        assert _gone(pid)


def test_subprocess_server_is_stopped_and_reaped() -> None:
    server = launch_server("embedded")
    pid = server.pid  # type: ignore[attr-defined]
    assert ToxiproxyClient(server.host, server.port).version().endswith("-gameday")
    server.stop()
    assert _gone(pid)
    assert refused(server.port)


def test_external_mode_without_binaries(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(launch_module, "_BINARIES", (("noxious", "noxious-server", tmp_path),))
    with pytest.raises(ServerNotInstalled, match="noxious-server"):
        launch_server("external")
    with pytest.raises(LaunchError, match="unknown server mode"):
        launch_server("sideways")  # type: ignore[arg-type]


def test_unreachable_server_is_a_clear_error() -> None:
    client = ToxiproxyClient("127.0.0.1", free_port(), timeout=1)
    with pytest.raises(ServerUnavailable, match="cannot reach"):
        client.proxies()
    assert not client.is_running()


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts connections and never answers, like a hung API."""
    sock = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                held.append(sock.accept()[0])
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept)
    thread.start()
    try:
        yield int(sock.getsockname()[1])
    finally:
        stop.set()
        thread.join(5)
        sock.close()
        for conn in held:
            conn.close()


def test_hung_server_times_out(silent_server: int) -> None:
    client = ToxiproxyClient("127.0.0.1", silent_server, timeout=0.5)
    start = time.perf_counter()
    with pytest.raises(RequestTimeout, match=r"add latency toxic .* within 0.5 s"):
        client.add_toxic("p", "latency", attributes={"latency": 1})
    assert time.perf_counter() - start < 3


def test_connect_to_running_server_deletes_only_its_links(echo: Upstream) -> None:
    with NetProxy.start("embedded", in_thread=True) as owner:
        assert owner.server is not None
        owner.create_link("other", "127.0.0.1:0", echo.address)
        with NetProxy.connect(owner.server.host, owner.server.port) as net:
            address = net.create_link("mine", "127.0.0.1:0", echo.address)
            with connect(address.port) as sock:
                net.set_enabled("mine", False)
                assert read_outcome(sock) in ("eof", "reset")
        assert sorted(owner.client.proxies()) == ["other"]
