"""The alert bus as a process: its HTTP API end to end, and what bad input gets."""

from __future__ import annotations

import json
import random
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.processes import ServiceProcess, ServiceStartError
from services.net.admin_client import AdminCallError
from tests.conftest import ServiceStarter
from tests.integration.test_gate_stub_exchange import DrillClock, admin


@pytest.fixture(scope="module")
def bus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    services = ServiceStarter(tmp_path_factory.mktemp("logs"))
    try:
        yield services("alerts", "alerts", *DrillClock().args)
    finally:
        services.stop_all()


def post(bus: ServiceProcess, **alert: Any) -> dict[str, Any]:
    body = {"source": "gate", "kind": "control_trip", "severity": "critical", "text": "t", **alert}
    result: dict[str, Any] = admin(bus, "POST", "/alerts", body)
    return result


def test_pages_inbox_dashboard_and_the_log(bus: ServiceProcess) -> None:
    page = post(bus, control="reconciliation")
    assert page["channels"] == ["pager", "dashboard"] and not page["late"]
    mail = post(bus, source="router-8", kind="power_peg_disabled", severity="info")
    assert mail["channels"] == ["email"]

    pager = admin(bus, "GET", "/channels/pager")
    assert pager["unacked"] >= 1
    acked = admin(bus, "POST", "/ack", {"id": page["id"], "by": "alice"})
    assert acked["acked"] and acked["acked_by"] == "alice"
    assert admin(bus, "GET", "/channels/email")["unread"] >= 1
    opened = admin(bus, "POST", "/open-inbox", {"by": "bob"})
    assert opened["newly_seen"] >= 1
    assert admin(bus, "GET", "/channels/email")["unread"] == 0
    assert any(a["id"] == page["id"] for a in admin(bus, "GET", "/channels/dashboard")["alerts"])
    events = [e["event"] for e in admin(bus, "GET", "/log")["log"]]
    assert {"alert", "ack", "open_inbox"} <= set(events)


def test_a_fault_mutes_the_pager_and_puts_it_back(bus: ServiceProcess) -> None:
    saved = admin(bus, "GET", "/rules")
    admin(bus, "POST", "/rules", {"muted": ["pager"]})
    muted = post(bus)
    assert muted["channels"] == ["dashboard"] and muted["muted"] == ["pager"]
    admin(bus, "POST", "/rules", saved)
    assert post(bus)["channels"] == ["pager", "dashboard"]


def test_late_alerts_are_marked(bus: ServiceProcess) -> None:
    stats = admin(bus, "GET", "/stats")
    late = post(bus, ts=stats["drill_time_us"] - 60_000_000)
    assert late["late"] and late["latency_us"] >= 60_000_000
    assert admin(bus, "GET", "/stats")["late"] >= 1


ALERT = {"source": "gate", "kind": "x", "text": "t"}
BAD_REQUESTS = [
    ("/alerts", {**ALERT, "severity": "meh"}, 400, "severity: Input should be 'info', 'warning'"),
    ("/alerts", {"kind": "x", "text": "t"}, 400, "source: Field required"),
    ("/alerts", {**ALERT, "ts": -5}, 400, "ts: Input should be greater than or equal to 0"),
    ("/ack", {"id": "one", "by": "a"}, 400, "id: Input should be a valid integer"),
    ("/ack", {"id": 999999, "by": "a"}, 404, "id: no alert 999999"),
    ("/open-inbox", {}, 400, "by: Field required"),
    ("/rules", {"muted": ["pigeon"]}, 400, "muted.0: Input should be"),
    ("/rules", {"rules": [{"channels": ["pager"], "sauce": "*"}]}, 400, "rules.0.sauce: Extra"),
]


@pytest.mark.parametrize(("path", "body", "status", "message"), BAD_REQUESTS)
def test_bad_requests_name_the_field(
    bus: ServiceProcess, path: str, body: dict[str, Any], status: int, message: str
) -> None:
    with pytest.raises(AdminCallError) as info:
        admin(bus, "POST", path, body)
    assert f"HTTP {status}: {message}" in str(info.value)


def test_random_and_truncated_bytes_on_the_port(bus: ServiceProcess) -> None:
    rng = random.Random(7)
    port = bus.ports["admin"]
    answers = []
    for _ in range(20):
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(rng.randbytes(rng.randint(1, 200)) + b"\r\n\r\n")
            answers.append(sock.recv(4096)[:12])
    assert all(a.startswith(b"HTTP/1.1 4") for a in answers), answers
    body = json.dumps({"source": "gate", "kind": "k", "text": "t"}).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"POST /alerts HTTP/1.1\r\nContent-Length: 80\r\n\r\n" + body[:20])
        sock.shutdown(socket.SHUT_WR)
        assert sock.recv(4096) == b""  # a truncated body is dropped, nothing recorded
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"POST /alerts HTTP/1.1\r\nContent-Length: 9\r\n\r\n{not json")
        assert sock.recv(4096).startswith(b"HTTP/1.1 400")
    assert admin(bus, "GET", "/health")["ok"]
    assert post(bus)["id"] > 0


def test_rules_file_on_the_command_line(services: ServiceStarter, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - {name: everything-to-mail, channels: [email]}\nmuted: []\n")
    proc = services("alerts", "alerts", *DrillClock().args, "--rules", str(rules))
    assert post(proc)["channels"] == ["email"]
    bad = tmp_path / "bad.yaml"
    bad.write_text("default: [fax]\n")
    with pytest.raises(ServiceStartError):
        services("alerts-bad", "alerts", "--rules", str(bad))
    log = (tmp_path / "logs" / "alerts-bad.log").read_text()
    assert "bad.yaml: default.0: Input should be 'pager', 'email' or 'dashboard'" in log
