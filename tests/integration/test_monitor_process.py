"""The monitor as a process: drop copy in, the gate's kill switch and the pager out."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.processes import ServiceProcess
from services.net.admin_client import AdminCallError
from services.protocol import DropCopy, Side, to_price
from tests.conftest import ServiceStarter
from tests.integration.test_gate_stub_exchange import (
    DrillClock,
    StubExchange,
    admin,
    start_gate,
    wait_until,
)


@pytest.fixture
def stub() -> Iterator[StubExchange]:
    # Slow enough that "within 3 drill seconds" leaves a loaded machine 0.6 s.
    exchange = StubExchange(DrillClock(speed=5.0)).start()
    try:
        yield exchange
    finally:
        exchange.stop()


def start_monitor(
    services: ServiceStarter, stub: StubExchange, *extra: str, profile: str = "modern"
) -> ServiceProcess:
    return services(
        "monitor",
        "monitor",
        *stub.drill.args,
        "--dropcopy",
        f"127.0.0.1:{stub.ports['dropcopy']}",
        "--marketdata",
        f"127.0.0.1:{stub.ports['marketdata']}",
        "--profile",
        profile,
        *extra,
    )


def copies(
    stub: StubExchange, n: int, session: str, price: float, first: int = 1
) -> list[DropCopy]:
    now = stub.drill.now()
    return [
        DropCopy(first + i, first + i, session, "33", "WIZZ", Side.BUY, 100, to_price(price), now)
        for i in range(n)
    ]


def test_monitor_trips_kills_the_gate_pages_and_reconciles(
    services: ServiceStarter, stub: StubExchange, tmp_path: Path
) -> None:
    overrides = tmp_path / "controls.json"
    overrides.write_text(
        json.dumps(
            {
                "daily_loss_limit": {"max_loss_dollars": 5_000},
                "dropcopy_reconciliation": {"interval_us": 2_000_000, "settle_us": 1_000_000},
            }
        )
    )
    alerts = services("alerts", "alerts", *stub.drill.args)
    gate = start_gate(services, stub.drill, stub.ports["orders"])
    monitor = start_monitor(
        services,
        stub,
        "--gate-admin",
        f"127.0.0.1:{gate.ports['admin']}",
        "--alerts",
        f"127.0.0.1:{alerts.ports['admin']}",
        "--controls",
        str(overrides),
    )
    wait_until(lambda: stub.subscribers("dropcopy"), what="drop-copy subscriber")
    wait_until(
        lambda: admin(monitor, "GET", "/controls")["controls"]["dropcopy_reconciliation"]["state"][
            "since"
        ],
        what="drop-copy subscription",
    )
    stub.drill.sleep(4)  # past the first comparison, which only sets the baseline
    # 10,000 shares of a $3.50 stock bought at $4.50 by a session the gate never saw.
    raised = stub.drill.now()
    stub.push_drop_copies(copies(stub, 100, "router-9", 4.50))

    kill = wait_until(
        lambda: admin(gate, "GET", "/stats")["kill_switch"]["last"], what="the gate's kill switch"
    )
    assert kill["by"] == "monitor" and "daily_loss_limit" in kill["reason"]
    assert kill["ts"] - raised < 3_000_000
    trips = admin(monitor, "GET", "/trips")
    assert trips["first"]["daily_loss_limit"]["action"] == "kill"
    pages = wait_until(
        lambda: [
            p for p in admin(alerts, "GET", "/channels/pager")["alerts"] if p["source"] == "monitor"
        ],
        what="a page from the monitor",
    )
    assert pages[0]["latency_us"] <= 5_000_000
    # The gate relayed none of those executions: the drop copy does not reconcile.
    rec = wait_until(
        lambda: admin(monitor, "GET", "/trips")["first"].get("dropcopy_reconciliation"),
        what="a drop-copy reconciliation trip",
    )
    assert "router-9/WIZZ" in rec["text"]
    assert admin(monitor, "GET", "/pnl")["total_dollars"] < -5_000
    assert admin(monitor, "GET", "/view")["limits"]["accounts"]["33"]["limit_dollars"] == 2_000_000


def test_garbage_on_the_feed_and_the_admin_port(
    services: ServiceStarter, stub: StubExchange
) -> None:
    monitor = start_monitor(services, stub, profile="knight-2012")
    wait_until(lambda: stub.subscribers("dropcopy"), what="drop-copy subscriber")
    assert stub.write_raw("dropcopy", b"\x03\x00\x63garbage") == 1
    feed = wait_until(
        lambda: (f := admin(monitor, "GET", "/stats")["feeds"]["dropcopy"])["connects"] == 2 and f,
        what="the drop-copy feed to reconnect",
    )
    assert feed["protocol_errors"] == 1
    assert admin(monitor, "GET", "/stats")["protocol_errors"] == 1
    wait_until(lambda: stub.subscribers("dropcopy") == 1, what="one subscriber again")
    stub.push_drop_copies(copies(stub, 3, "router-1", 3.5))
    wait_until(lambda: admin(monitor, "GET", "/stats")["drop_copies"] == 3, what="drop copies")

    for blob in (b"\xde\xad\xbe\xef\r\n\r\n", b"GET /view HTTP/1.1\r\nContent-Length: x\r\n\r\n"):
        with socket.create_connection(("127.0.0.1", monitor.ports["admin"]), timeout=5) as sock:
            sock.sendall(blob)
            assert sock.recv(4096).startswith(b"HTTP/1.1 400")
    with pytest.raises(AdminCallError, match=r"HTTP 400: display\.lag_base_us"):
        admin(monitor, "POST", "/controls", {"display": {"lag_base_us": -1}})
    assert admin(monitor, "GET", "/stats")["admin"]["bad_requests"] == 1
    view = admin(monitor, "GET", "/view")
    assert view["profile"] == "knight-2012" and "limits" not in view
