"""A Power Peg runaway through the real gate to the real exchange, under both profiles.

Exchange, alert bus, gate and monitor run as processes over TCP on one drill
clock. The test plays two routers: router-7 with an order resting on the
book, and router-8 on the old build, sending 100-share IOC children buying
through the offer for a 100-share parent, about 15 a drill second, "without
regard to executions already received".
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

from harness.processes import ServiceProcess
from services.clock import US
from services.protocol import (
    Ack,
    CancelAck,
    Execution,
    NewChild,
    Reject,
    RejectReason,
    Side,
    TimeInForce,
)
from tests.conftest import ServiceStarter
from tests.integration.test_gate_stub_exchange import (
    DrillClock,
    RouterClient,
    admin,
    wait_until,
)

SPEED = 10.0
PER_DRILL_SECOND = 15


@dataclass
class Desk:
    drill: DrillClock
    exchange: ServiceProcess
    alerts: ServiceProcess
    gate: ServiceProcess
    monitor: ServiceProcess
    symbol: str

    def book(self) -> dict[str, Any]:
        result: dict[str, Any] = admin(self.exchange, "GET", f"/book?symbol={self.symbol}")
        return result


def bring_up(services: ServiceStarter, profile: str) -> Desk:
    drill = DrillClock(speed=SPEED)
    clock = drill.args
    exchange = services(
        "exchange",
        "exchange",
        *clock,
        "--orders-port",
        "0",
        "--dropcopy-port",
        "0",
        "--marketdata-port",
        "0",
        "--symbols",
        "2",
    )
    alerts = services("alerts", "alerts", *clock)
    at = "127.0.0.1:"
    gate = services(
        "gate",
        "gate",
        *clock,
        "--exchange",
        at + str(exchange.ports["orders"]),
        "--marketdata",
        at + str(exchange.ports["marketdata"]),
        "--alerts",
        at + str(alerts.ports["admin"]),
        "--profile",
        profile,
    )
    monitor = services(
        "monitor",
        "monitor",
        *clock,
        "--dropcopy",
        at + str(exchange.ports["dropcopy"]),
        "--marketdata",
        at + str(exchange.ports["marketdata"]),
        "--gate-admin",
        at + str(gate.ports["admin"]),
        "--alerts",
        at + str(alerts.ports["admin"]),
        "--profile",
        profile,
        "--sessions",
        "router-*",
    )
    symbol = admin(exchange, "GET", "/symbols")["symbols"][0]["symbol"]
    desk = Desk(drill, exchange, alerts, gate, monitor, symbol)
    wait_until(
        lambda: admin(gate, "GET", "/stats")["marketdata"]["frames_in"], what="gate market data"
    )
    return desk


def cents_up(price: int, bps: int) -> int:
    return math.ceil(price * (10_000 + bps) / 10_000 / 100) * 100


def power_peg(desk: Desk, router: RouterClient, drill_seconds: float) -> tuple[int, int]:
    """Send the runaway's children for ``drill_seconds``; returns (first child time, count)."""
    n = int(drill_seconds * PER_DRILL_SECOND)
    gap = 1.0 / PER_DRILL_SECOND / SPEED
    last = round(desk.book()["asks"][0]["price"] * 10_000)
    started = desk.drill.now()
    t = time.monotonic()
    for i in range(n):
        # Pegged 1% through the last fill, as Power Peg is: it pays up as it lifts the offer.
        price = cents_up(last, 100)
        child = NewChild(100 + i, 1, desk.symbol, Side.BUY, TimeInForce.IOC, 100, price, "RLP", 100)
        router.send(child)
        for msg in router.poll():
            if isinstance(msg, Execution):
                last = msg.price
        t += gap
        time.sleep(max(0.0, t - time.monotonic()))
    return started, n


def resting_order(desk: Desk, router: RouterClient) -> NewChild:
    bid = desk.book()["bids"][0]["price"]
    low = round(bid * 10_000 * 0.9 / 100) * 100
    order = NewChild(1, 77, desk.symbol, Side.BUY, TimeInForce.DAY, 100, low, "ALGO", 100)
    router.send(order)
    router.wait_for(lambda m: isinstance(m, Ack) and m.order_id == 1)
    return order


def test_modern_gate_kills_a_runaway_within_seconds_and_cancels_working_orders(
    services: ServiceStarter,
) -> None:
    desk = bring_up(services, "modern")
    quiet = RouterClient(desk.gate.ports["orders"], "router-7")
    runaway = RouterClient(desk.gate.ports["orders"], "router-8")
    resting_order(desk, quiet)
    started, _ = power_peg(desk, runaway, drill_seconds=6)

    stats = admin(desk.gate, "GET", "/stats")
    kill = stats["kill_switch"]
    assert kill["thrown"], stats["trips"]
    assert kill["last"]["by"] == "gate"
    assert kill["last"]["ts"] - started <= 3 * US
    assert stats["trips"][0]["control"] == "reconciliation"
    # CANCEL_ALL on every exchange session: the quiet router's resting order is gone.
    cancel = quiet.wait_for(lambda m: isinstance(m, CancelAck) and m.order_id == 1)
    assert isinstance(cancel, CancelAck) and cancel.cancelled_qty == 100
    later = runaway.wait_for(
        lambda m: isinstance(m, Reject) and m.reason is RejectReason.KILL_SWITCH
    )
    assert isinstance(later, Reject)
    assert stats["orders_sent"] <= 3  # the resting order, the first child, maybe one in flight
    # The pager got the trip within the 5-second deadline.
    pager = wait_until(
        lambda: admin(desk.alerts, "GET", "/channels/pager")["alerts"], what="a page"
    )
    assert {p["source"] for p in pager} == {"gate"}
    assert all(p["latency_us"] <= 5 * US and not p["late"] for p in pager)
    assert any(p["kind"] == "kill_switch" for p in pager)
    quiet.close()
    runaway.close()


def test_knight_2012_lets_the_runaway_run_and_its_screen_lags(services: ServiceStarter) -> None:
    desk = bring_up(services, "knight-2012")
    runaway = RouterClient(desk.gate.ports["orders"], "router-8")
    _, sent = power_peg(desk, runaway, drill_seconds=8)

    def executed() -> int:
        positions = admin(desk.monitor, "GET", "/positions")["positions"]
        return sum(p["qty"] for p in positions)

    gate_stats = admin(desk.gate, "GET", "/stats")
    assert not gate_stats["kill_switch"]["thrown"]
    assert gate_stats["trips"] == []
    assert gate_stats["orders_sent"] == sent
    assert gate_stats["rejects"] == {}
    assert executed() >= 20 * 100
    view = admin(desk.monitor, "GET", "/view")
    assert "limits" not in view
    assert view["lag_us"] >= 2 * US
    assert sum(p["qty"] for p in view["positions"]) < executed()
    assert admin(desk.monitor, "GET", "/trips")["trips"] == []
    assert admin(desk.alerts, "GET", "/stats")["alerts"] == 0
    runaway.close()
