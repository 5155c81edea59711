"""Helpers for the netproxy suite: loopback upstreams, raw API access, timing."""

from __future__ import annotations

import contextlib
import errno
import queue
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from harness.netproxy import ServerHandle, free_port

HTTP_TIMEOUT = 5.0

# Deliberate or known differences of servers other than the embedded one, keyed by the codes
# of the table "Known differences of noxious-server" in docs/toxiproxy.md.
KNOWN_DIFFERENCES: dict[str, dict[str, str]] = {
    "noxious": {
        "N1": "listen port 0 is not rewritten to the bound port, localhost is not resolved",
        "N2": "error bodies use other messages, application/json, no trailing newline",
        "N3": "JSON keys are case-sensitive",
        "N4": "a body it refuses (malformed, bad stream or type, float) gets an empty 400",
        "N5": "/version answers plain text, no X-Toxiproxy-Request-Id header",
        "N6": "no 405: an unsupported method or unknown path gets a JSON 404; no PATCH",
        "N7": "proxy and toxic updates need the full record (partial bodies get 400)",
        "N8": "toxics are shown with 'direction' instead of 'stream', toxicity as 1.0",
        "N9": "toxic names need not be unique; deleting a missing toxic answers 204",
        "N10": "stream names are case-sensitive; toxics need every attribute",
        "N11": "no reset_peer toxic",
        "N12": "populate answers a bare list and other error bodies",
        "N13": "toxics cannot be added or changed while the proxy is disabled (500)",
        "N14": "'/proxies/' (trailing slash) is the index instead of 404",
        "N15": "an update with the same address given as a hostname restarts the proxy",
        "N16": "the timeout toxic does not close the connection when removed",
        "N17": "populate replaces a proxy whose listen and upstream are unchanged (toxics lost)",
        "N18": "deleting a proxy leaves its live connections open",
        "N19": "reset answers 204 but removes no toxic and enables no proxy",
        "N20": "latency delays each chunk after the previous one (cumulative over a stream)",
        "N21": "removing a toxic does not reach open connections (held data waits it out)",
        "N22": "a toxic added while a connection is open does not apply to that connection",
        "N23": "when the source closes, data still held in a toxic (bandwidth) is dropped",
        "N24": "bandwidth rate 0 means unlimited instead of a stall",
        "N25": "adding and removing toxics during a transfer sometimes stalls it (intermittent)",
        "N26": "slow_close sometimes drops data sent just before the close (intermittent)",
    }
}


@dataclass
class Server:
    """A server under test: its kind, where it answers, raw HTTP helpers."""

    kind: str
    handle: ServerHandle
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def url(self) -> str:
        return self.handle.url

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", HTTP_TIMEOUT)
        return self.session.request(method, self.url + path, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def create_proxy(self, name: str, upstream: str, *, enabled: bool = True) -> int:
        """Create a proxy on a concrete free port (every server reports that one back)."""
        for _attempt in range(3):
            port = free_port()
            body = {"name": name, "listen": f"127.0.0.1:{port}", "upstream": upstream}
            response = self.post("/proxies", {**body, "enabled": enabled})
            if response.status_code == 201:
                return port
        raise AssertionError(f"cannot create proxy {name}: {response.status_code} {response.text}")

    def add_toxic(self, proxy: str, kind: str, stream: str = "downstream", **attrs: int) -> str:
        body: dict[str, Any] = {"type": kind, "stream": stream, "toxicity": 1.0}
        if attrs:  # noxious refuses an attributes object for noop
            body["attributes"] = attrs
        response = self.post(f"/proxies/{proxy}/toxics", body)
        assert response.status_code == 200, response.text
        return str(response.json()["name"])

    def differs(self, request: pytest.FixtureRequest, code: str, *, always: bool = True) -> None:
        """Mark the test as an expected failure where this server has difference ``code``.

        ``always=False`` is for a difference that shows only some of the time; such a test
        may pass without failing the suite.
        """
        reason = KNOWN_DIFFERENCES.get(self.kind, {}).get(code)
        if reason is not None:
            note = f"{self.kind} {code}: {reason} (docs/toxiproxy.md)"
            request.applymarker(pytest.mark.xfail(reason=note, strict=always))


class Upstream:
    """A loopback listener; each accepted socket is echoed or handed to the test."""

    def __init__(self, *, echo: bool = False) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.address = f"127.0.0.1:{self.port}"
        self.echo = echo
        self.accepted: queue.Queue[socket.socket] = queue.Queue()
        self._all: list[socket.socket] = []
        self._closed = False
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self._all.append(conn)
            if self.echo:
                threading.Thread(target=_echo, args=(conn,), daemon=True).start()
            else:
                self.accepted.put(conn)

    def accept(self, timeout: float = 5.0) -> socket.socket:
        conn = self.accepted.get(timeout=timeout)
        conn.settimeout(timeout)
        return conn

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        # Join first: a connection accepted while closing must be closed too.
        self._thread.join(5)
        for conn in self._all:
            conn.close()


def _echo(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := conn.recv(65536):
            conn.sendall(data)
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)


def send_in_background(sock: socket.socket, data: bytes) -> threading.Thread:
    """``sendall`` in a thread that ends quietly if the socket is closed under it."""

    def send() -> None:
        with contextlib.suppress(OSError):
            sock.sendall(data)

    thread = threading.Thread(target=send, daemon=True)
    thread.start()
    return thread


def connect(port: int, timeout: float = 5.0) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def recv_exactly(sock: socket.socket, size: int) -> bytes:
    chunks = bytearray()
    while len(chunks) < size:
        data = sock.recv(min(size - len(chunks), 1 << 20))
        if not data:
            break
        chunks += data
    return bytes(chunks)


def recv_until_eof(sock: socket.socket) -> tuple[bytes, int]:
    """All bytes until EOF, and how many reads it took."""
    chunks = bytearray()
    reads = 0
    while data := sock.recv(1 << 20):
        chunks += data
        reads += 1
    return bytes(chunks), reads


def read_outcome(sock: socket.socket) -> str:
    """'eof', 'reset', 'data' or 'timeout' for the next read."""
    try:
        data = sock.recv(65536)
    except TimeoutError:
        return "timeout"
    except ConnectionResetError:
        return "reset"
    except OSError as exc:
        return "reset" if exc.errno == errno.ECONNRESET else f"error {exc.errno}"
    return "data" if data else "eof"


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except ConnectionRefusedError:
        return True
    return False


def elapsed_ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


@contextlib.contextmanager
def upstream(*, echo: bool = False) -> Iterator[Upstream]:
    server = Upstream(echo=echo)
    try:
        yield server
    finally:
        server.close()
