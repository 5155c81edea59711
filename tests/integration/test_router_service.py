"""The router as a process: RLP and Power Peg end to end, the gate link, the admin API.

The risk gate is not part of this test: a small TCP server speaking the wire
protocol stands in for it at the router's upstream seam (``FakeGate``), and a
small HTTP server stands in for the alert bus's ``POST /alerts``.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from harness.processes import ServiceProcess
from services.net.admin_client import call
from services.net.framing import FrameSession, NetStats, bound_port, listen
from services.protocol import (
    Ack,
    CancelAck,
    Execution,
    Flags,
    FrameDecoder,
    Logon,
    Message,
    NewChild,
    NewParent,
    Reject,
    RejectReason,
    Side,
    TimeInForce,
    encode,
)
from services.sshkeys import ensure_keys
from tests.conftest import ServiceStarter


class FakeGate:
    """A protocol-speaking TCP server in a thread: fills, rejects or ignores children."""

    def __init__(self, mode: str = "fill") -> None:
        self.mode = mode
        self.logons: list[str] = []
        self.children: list[NewChild] = []
        self.port = 0
        self._sessions: list[FrameSession] = []
        self._server: asyncio.Server | None = None
        self._exec_id = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._thread.start()

    def _call(self, fn: Callable[[], Any]) -> Any:
        async def run() -> Any:
            result = fn()
            return await result if asyncio.iscoroutine(result) else result

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(10)

    def serve(self, port: int = 0) -> None:
        async def start() -> None:
            self._server = await listen("127.0.0.1", port, self, NetStats())
            self.port = bound_port(self._server)

        self._call(start)

    def cut(self) -> None:
        """Stop listening and drop every session (the link goes down)."""

        async def stop() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()
            for session in list(self._sessions):
                session.abort()

        self._call(stop)

    def close(self) -> None:
        self.cut()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def qty_for(self, parent_index: int) -> int:
        return sum(c.qty for c in list(self.children) if c.parent_id == parent_index)

    def on_open(self, session: FrameSession) -> None:
        self._sessions.append(session)

    def on_close(self, session: FrameSession) -> None:
        self._sessions.remove(session)

    def on_messages(self, session: FrameSession, messages: list[Message]) -> None:
        for msg in messages:
            if isinstance(msg, Logon):
                self.logons.append(msg.session)
            elif isinstance(msg, NewChild):
                self.children.append(msg)
                if self.mode == "fill":
                    self._exec_id += 1
                    session.send(Ack(msg.order_id, 0))
                    session.send(
                        Execution(msg.order_id, self._exec_id, msg.symbol, msg.side, msg.qty,
                                  msg.price, 0, 0)
                    )  # fmt: skip
                elif self.mode == "reject":
                    session.send(Reject(msg.order_id, RejectReason.KILL_SWITCH, "kill switch"))


class AlertSink:
    """Records what arrives on ``POST /alerts``, like the alert bus would accept it."""

    def __init__(self) -> None:
        self.alerts: list[dict[str, Any]] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.path == "/alerts":
                    sink.alerts.append(json.loads(body))
                reply = json.dumps({"id": len(sink.alerts)}).encode()
                self.send_response(200 if self.path == "/alerts" else 404)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Strategy:
    """A blocking strategy session to the router's orders port."""

    def __init__(self, port: int, name: str = "strategy-rlp") -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.decoder = FrameDecoder()
        self.received: list[Message] = []
        self.send(Logon(name))

    def send(self, *messages: Message) -> None:
        self.sock.sendall(b"".join(encode(m) for m in messages))

    def wait_for(self, test: Callable[[list[Message]], bool], timeout: float = 10) -> list[Message]:
        deadline = time.monotonic() + timeout
        while not test(self.received):
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                raise AssertionError(f"timed out; got {self.received[-5:]}") from None
            if not data:
                raise AssertionError(f"router closed the session; got {self.received[-5:]}")
            self.received += self.decoder.feed(data)
        return self.received

    def close(self) -> None:
        self.sock.close()


def eventually(test: Callable[[], bool], timeout: float = 10, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not test():
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached in {timeout} s: {what}")
        time.sleep(0.02)


def rlp(pid: int, qty: int = 100, flags: int = Flags.RLP) -> NewParent:
    return NewParent(pid, "WZE", Side.BUY, TimeInForce.DAY, qty, 35_000, "RLP", "RLP", flags)


@pytest.fixture
def connect() -> Iterator[Callable[[ServiceProcess], Strategy]]:
    opened: list[Strategy] = []

    def open_one(router: ServiceProcess) -> Strategy:
        opened.append(Strategy(router.ports["orders"]))
        return opened[-1]

    yield open_one
    for strategy in opened:
        strategy.close()


@pytest.fixture
def gate() -> Iterator[FakeGate]:
    g = FakeGate()
    g.serve()
    yield g
    g.close()


@pytest.fixture
def alert_sink() -> Iterator[AlertSink]:
    sink = AlertSink()
    yield sink
    sink.close()


def start_router(
    services: ServiceStarter, tmp_path: Path, build: str, drill_start: str, *extra: str
) -> ServiceProcess:
    return services(
        "router-8", "router",
        "--name", "router-8", "--keys", str(tmp_path / "keys"),
        "--build-dir", str(tmp_path / "builds"), "--initial-build", build,
        "--drill-start", drill_start, "--epoch", repr(time.time()), *extra,
    )  # fmt: skip


def admin(router: ServiceProcess, method: str, path: str) -> dict[str, Any]:
    return call("127.0.0.1", router.ports["admin"], method, path)


def test_2003_1_power_peg_runs_away_after_the_emails_until_disabled(
    services: ServiceStarter,
    tmp_path: Path,
    gate: FakeGate,
    alert_sink: AlertSink,
    connect: Callable[[ServiceProcess], Strategy],
) -> None:
    ensure_keys(tmp_path / "keys")
    router = start_router(
        services, tmp_path, "2003.1", "09:29:40", "--speed", "10",
        "--gate", f"127.0.0.1:{gate.port}", "--alerts", f"127.0.0.1:{alert_sink.port}",
    )  # fmt: skip
    strategy = connect(router)
    strategy.send(rlp(1), rlp(2))
    strategy.wait_for(lambda got: sum(isinstance(m, Ack) for m in got) == 2)
    eventually(lambda: len(alert_sink.alerts) == 2, what="two Power Peg disabled e-mails")
    alert = alert_sink.alerts[0]
    assert (alert["source"], alert["kind"], alert["severity"]) == (
        "router-8", "power_peg_disabled", "info",
    )  # fmt: skip
    assert "Power Peg disabled" in alert["text"] and alert["ts"] < 9.5 * 3600 * 1_000_000
    assert gate.logons == ["router-8"] and gate.children == []

    eventually(lambda: gate.qty_for(1) >= 20 * 100, timeout=20, what="Power Peg children")
    first = gate.qty_for(1)
    eventually(lambda: gate.qty_for(1) > first, what="still growing")
    assert all(c.tif is TimeInForce.IOC and c.parent_qty == 100 for c in gate.children)
    executions = [
        m for m in strategy.wait_for(lambda got: len(got) > 20) if isinstance(m, Execution)
    ]
    assert executions and {m.order_id for m in executions} <= {1, 2}

    assert admin(router, "POST", "/disable")["disabled"] is True
    parents = admin(router, "GET", "/parents")["parents"]
    assert [p["state"] for p in parents] == ["stopped", "stopped"]
    assert parents[0]["child_qty_sent"] > 20 * parents[0]["qty"]
    assert parents[0]["route"] == "power_peg" and parents[0]["filled"] > 100
    assert parents[0]["index"] == 1 and parents[0]["child_qty_sent"] >= gate.qty_for(1)
    strategy.wait_for(lambda got: CancelAck(1, 0) in got and CancelAck(2, 0) in got)
    time.sleep(0.2)
    settled = len(gate.children)
    time.sleep(0.5)
    assert len(gate.children) == settled
    strategy.send(rlp(3))
    refused = strategy.wait_for(lambda got: any(isinstance(m, Reject) for m in got))[-1]
    assert isinstance(refused, Reject) and refused.reason is RejectReason.ROUTER_DISABLED
    stats = admin(router, "GET", "/stats")
    assert stats["alerts_by_kind"] == {"power_peg_disabled": 2} and stats["alerts_posted"] == 2
    assert stats["rejects_sent"] == {"ROUTER_DISABLED": 1} and stats["disables"] == 1


def test_2012_07_works_an_rlp_parent_at_the_open_and_fills_it_once(
    services: ServiceStarter,
    tmp_path: Path,
    gate: FakeGate,
    connect: Callable[[ServiceProcess], Strategy],
) -> None:
    router = start_router(
        services, tmp_path, "2012.07", "09:29:40", "--speed", "10",
        "--gate", f"127.0.0.1:{gate.port}",
    )  # fmt: skip
    assert admin(router, "GET", "/build")["flag_bit_3"] == "rlp"
    strategy = connect(router)
    strategy.send(rlp(7, qty=300))
    strategy.wait_for(lambda got: any(isinstance(m, Ack) for m in got))
    assert admin(router, "GET", "/parents?state=held")["parents"][0]["parent_id"] == 7
    done = strategy.wait_for(lambda got: any(isinstance(m, Execution) for m in got), timeout=20)
    fill = next(m for m in done if isinstance(m, Execution))
    assert (fill.order_id, fill.qty, fill.leaves) == (7, 300, 0)
    time.sleep(1.0)  # ten drill seconds: nothing more may leave
    assert [c.qty for c in gate.children] == [300]
    (parent,) = admin(router, "GET", "/parents")["parents"]
    assert (parent["state"], parent["filled"], parent["child_qty_sent"]) == ("filled", 300, 300)
    assert admin(router, "GET", "/stats")["alerts_unsent"] == 0


def test_gate_link_reconnects_and_children_wait_while_it_is_down(
    services: ServiceStarter,
    tmp_path: Path,
    gate: FakeGate,
    connect: Callable[[ServiceProcess], Strategy],
) -> None:
    gate.mode = "reject"
    router = start_router(
        services, tmp_path, "2003.1", "09:30:00",
        "--gate", f"127.0.0.1:{gate.port}", "--gate-backoff-max", "0.2",
    )  # fmt: skip
    strategy = connect(router)
    strategy.send(rlp(1))
    eventually(lambda: len(gate.children) >= 3, what="children before the cut")
    gate.cut()
    eventually(lambda: admin(router, "GET", "/stats")["children_blocked"] >= 3, what="blocked")
    stats = admin(router, "GET", "/stats")
    assert stats["gate_up"] is False and stats["rejects_received"]["KILL_SWITCH"] >= 3
    before = len(gate.children)
    gate.serve(gate.port)
    eventually(lambda: gate.logons == ["router-8", "router-8"], what="logon again")
    eventually(lambda: len(gate.children) > before, what="children after reconnect")
    stats = admin(router, "GET", "/stats")
    assert stats["gate_ups"] == 2 and stats["gate"]["connected"] is True
    assert stats["gate"]["connect_failures"] >= 1
