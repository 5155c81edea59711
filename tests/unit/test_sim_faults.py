"""Registered faults on the simulated world: their effect on the services, and their revert."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from faults.base import FaultError
from faults.registry import build, registry
from harness.sim import SimWorld
from harness.sim.links import Endpoint, Process, SimConn
from services.clock import MARKET_OPEN_US, US
from services.net.admin_client import AdminCallError
from services.protocol import Logon, NewChild, Side, TimeInForce
from tests.unit.sim_support import knight_morning, quiet_world, upstreams


def executions(world: SimWorld) -> int:
    count: int = world.admin("exchange", "GET", "/stats")["executions"]
    return count


def test_down_cuts_a_router_from_the_gate_and_it_reconnects_after_revert(tmp_path: Path) -> None:
    world = quiet_world(tmp_path)
    fault = build("down", {"link": "router-2->gate"})
    handle = fault.inject(world.context)
    world.run_until(world.now() + 3 * US)
    assert upstreams(world) == {"router-1": "up"}
    assert world.admin("router-2", "GET", "/stats")["gate"]["connected"] is False
    assert world.admin("router-2", "GET", "/stats")["gate"]["connect_failures"] > 0
    fault.revert(world.context, handle)
    world.run_until(world.now() + 3 * US)
    assert upstreams(world) == {"router-1": "up", "router-2": "up"}
    stats = world.admin("router-2", "GET", "/stats")
    assert stats["gate"]["connected"] and stats["gate_ups"] == 2


def test_gate_to_exchange_down_rejects_upstream_then_comes_back(tmp_path: Path) -> None:
    world = quiet_world(tmp_path)
    handle = build("down", {"link": "gate->exchange"}).inject(world.context)
    world.run_until(world.now() + US)
    assert set(upstreams(world).values()) == {"down"}
    assert world.admin("exchange", "GET", "/stats")["sessions"]["logged_on"] == []
    build("down", {"link": "gate->exchange"}).revert(world.context, handle)
    world.run_until(world.now() + 3 * US)
    assert set(upstreams(world).values()) == {"up"}
    assert world.admin("exchange", "GET", "/stats")["sessions"]["logged_on"] == [
        "router-1",
        "router-2",
    ]


def test_latency_on_the_drop_copy_makes_the_monitor_see_fills_late(tmp_path: Path) -> None:
    world = knight_morning(tmp_path)
    fault = build("latency", {"link": "exchange->monitor:dropcopy", "latency_ms": 2000})
    handle = fault.inject(world.context)
    world.run_until(MARKET_OPEN_US + 5 * US)
    seen = world.admin("monitor", "GET", "/stats")["drop_copies"]
    sent = world.admin("exchange", "GET", "/stats")["drop_copies"]
    assert 0 < seen < sent
    fault.revert(world.context, handle)
    world.run_until(world.now() + 100)
    world.admin("gate", "POST", "/kill", {"reason": "test", "by": "test"})
    world.run_until(world.now() + US)
    seen = world.admin("monitor", "GET", "/stats")["drop_copies"]
    assert seen == world.admin("exchange", "GET", "/stats")["drop_copies"]


def monitor_kills_first(world: SimWorld) -> None:
    """Leave the kill to the monitor: the gate's own reconciliation would throw it first."""
    world.admin("gate", "POST", "/controls", {"reconciliation": {"enabled": False}})
    world.admin("monitor", "POST", "/controls", {"daily_loss_limit": {"max_loss_dollars": 1}})


def test_the_monitors_kill_crosses_the_admin_link(tmp_path: Path) -> None:
    world = knight_morning(tmp_path, "modern")
    monitor_kills_first(world)
    world.run_until(MARKET_OPEN_US + US)
    (thrown,) = world.admin("gate", "GET", "/stats")["kill_switch"]["history"]
    trip = world.admin("monitor", "GET", "/trips")["trips"][0]
    assert thrown["by"] == "monitor" and thrown["ts"] == trip["ts"] + 2 * 50
    assert world.admin("monitor", "GET", "/stats")["gate_kill_posts"]["sent"] == 1


def test_a_cut_admin_link_means_the_monitors_kill_does_not_arrive(tmp_path: Path) -> None:
    world = knight_morning(tmp_path, "modern")
    monitor_kills_first(world)
    fault = build("timeout", {"link": "monitor->gate:admin", "stream": "upstream"})
    handle = fault.inject(world.context)
    world.run_until(MARKET_OPEN_US + 20 * US)
    gate = world.admin("gate", "GET", "/stats")
    posts = world.admin("monitor", "GET", "/stats")["gate_kill_posts"]
    assert posts["failed"] == 1 and "timed out" in posts["last_error"]
    assert gate["kill_switch"]["history"] == []
    fault.revert(world.context, handle)


def test_kill_drops_every_session_and_revert_brings_the_service_back(tmp_path: Path) -> None:
    world = quiet_world(tmp_path)
    fault = build("kill", {"service": "exchange"})
    handle = fault.inject(world.context)
    with pytest.raises(AdminCallError, match="refused"):
        world.admin("exchange", "GET", "/stats")
    assert world.try_admin("exchange", "/stats") is None
    world.run_until(world.now() + US)
    assert set(upstreams(world).values()) == {"down"}
    assert world.admin("gate", "GET", "/stats")["marketdata"]["connected"] is False
    fault.revert(world.context, handle)
    world.run_until(world.now() + 3 * US)
    assert set(upstreams(world).values()) == {"up"}
    stats = world.admin("exchange", "GET", "/stats")
    assert stats["sessions"]["dropcopy"] == 1 and stats["sessions"]["marketdata"] == 2
    fault.revert(world.context, handle)  # idempotent
    assert world.processes.running("exchange")


def test_a_killed_router_is_cancelled_at_the_exchange_and_restarts_on_its_build(
    tmp_path: Path,
) -> None:
    world = knight_morning(tmp_path)
    world.run_until(MARKET_OPEN_US + 3 * US)
    world.processes.kill("router-1")
    world.run_until(world.now() + US)
    assert "router-1" not in upstreams(world)
    world.processes.restart("router-1")
    world.run_until(world.now() + 3 * US)
    assert world.admin("router-1", "GET", "/build")["version"] == "2012.07"
    assert upstreams(world)["router-1"] == "up"


def test_pause_holds_everything_until_resume(tmp_path: Path) -> None:
    world = knight_morning(tmp_path)
    world.run_until(MARKET_OPEN_US + 2 * US)
    fault = build("pause", {"service": "gate"})
    handle = fault.inject(world.context)
    world.run_until(world.now() + 10_000)  # what was in flight lands
    frozen = executions(world)
    world.run_until(world.now() + 3 * US)
    assert executions(world) == frozen, "no order gets past a paused gate"
    with pytest.raises(AdminCallError, match="timed out"):
        world.admin("gate", "GET", "/stats")
    assert world.admin("router-8", "GET", "/stats")["gate_up"], "its sessions stay open"
    fault.revert(world.context, handle)
    world.run_until(world.now() + US)
    assert executions(world) > frozen
    assert world.admin("gate", "GET", "/stats")["kills"] == 0


def test_restarting_the_flow_plans_again_and_process_errors_name_the_service(
    tmp_path: Path,
) -> None:
    world = knight_morning(tmp_path)
    world.run_until(MARKET_OPEN_US)
    sent = world.admin("flow", "GET", "/stats")["routers"][0]["sent"]
    build("restart", {"service": "flow"}).inject(world.context)
    world.run_until(world.now() + US)
    stats = world.admin("flow", "GET", "/stats")
    assert stats["routers"][0]["sent"] == sent, "a fresh flow resends the morning so far"
    with pytest.raises(FaultError, match="unknown service 'gatee'; did you mean 'gate'"):
        build("kill", {"service": "gatee"}).inject(world.context)
    world.processes.kill("monitor")
    with pytest.raises(FaultError, match="not running"):
        world.processes.pause("monitor")
    world.processes.resume("monitor")  # nothing to do for a dead service


SAMPLES: dict[str, dict[str, Any]] = {
    "latency": {"link": "gate->exchange", "latency_ms": 5},
    "bandwidth": {"link": "exchange->gate:marketdata", "rate_kbps": 1},
    "timeout": {"link": "exchange->monitor:marketdata", "timeout_ms": 100},
    "reset_peer": {"link": "router-1->gate", "stream": "upstream"},
    "slicer": {"link": "flow->router-1", "delay_us": 10},
    "limit_data": {"link": "exchange->monitor:dropcopy", "bytes": 100},
    "down": {"link": "router-2->gate"},
    "partition": {"links": ["router-1->gate", "flow->router-1"]},
    "drop_ssh": {"router": "router-2", "mode": "reset"},
    "kill": {"service": "gate"},
    "pause": {"service": "exchange"},
    "restart": {"service": "monitor"},
    "skip_server_on_deploy": {"router": "router-2"},
    "repurposed_flag": {},
    "rollback_to_wrong_build": {"build": "2012.07"},
    "ignored_alerts": {"mode": "mute_pager"},
}


def test_every_registered_fault_injects_and_reverts_on_the_world(tmp_path: Path) -> None:
    assert set(SAMPLES) == set(registry()), "a sample for every registered fault"
    world = quiet_world(tmp_path)
    world.start_flow()
    before = {
        "rules": world.admin("alerts", "GET", "/rules"),
        "registry": world.registry.state,
        "flag": world.admin("flow", "GET", "/stats")["rlp_flag"],
    }
    for name, params in SAMPLES.items():
        fault = build(name, params)
        handle = fault.inject(world.context)
        world.run_until(world.now() + US)
        fault.revert(world.context, handle)
        world.run_until(world.now() + 3 * US)
    assert world.admin("alerts", "GET", "/rules") == before["rules"]
    assert world.registry.state == before["registry"]
    assert world.admin("flow", "GET", "/stats")["rlp_flag"] == before["flag"]
    assert world.context.scenario.deploy_exclusions == set()
    assert all(not world.network.toxics(link) for link in world.network.links())
    assert set(upstreams(world).values()) == {"up"} and len(upstreams(world)) == 2
    assert world.fleet_status().ok
    assert world.admin("monitor", "GET", "/stats")["feeds"]["dropcopy"]["connected"]


def test_a_flow_that_cannot_plan_does_not_start(tmp_path: Path) -> None:
    world = quiet_world(tmp_path)
    world.processes.kill("exchange")
    with pytest.raises(RuntimeError, match="/symbols does not answer"):
        world.start_flow()
    assert "flow" not in world.processes.services()
    world.processes.restart("exchange")
    world.start_flow()
    world.processes.kill("exchange")
    with pytest.raises(FaultError, match=r"restart flow: .*/symbols"):
        world.processes.restart("flow")
    assert not world.processes.running("flow")
    with pytest.raises(AdminCallError, match="refused"):
        world.admin("flow", "GET", "/stats")


def test_a_dead_bus_loses_the_routers_emails_and_the_gates_alerts_miss_their_deadline(
    tmp_path: Path,
) -> None:
    world = knight_morning(tmp_path, "modern")
    world.processes.kill("alerts")
    world.run_until(MARKET_OPEN_US + 10 * US)
    router = world.admin("router-8", "GET", "/stats")
    assert router["alerts_failed"] > 0 and router["alerts_posted"] == 0
    alerts = world.admin("gate", "GET", "/stats")["alerts"]
    assert alerts["missed"] > 0 and alerts["sent"] == 0 and "refused" in alerts["last_error"]
    world.processes.restart("alerts")
    assert world.admin("alerts", "GET", "/stats")["alerts"] == 0


def test_a_cut_order_session_is_cancelled_at_the_exchange(tmp_path: Path) -> None:
    world = quiet_world(tmp_path)
    symbol = world.admin("exchange", "GET", "/symbols")["symbols"][0]
    low = round(symbol["price"] * 0.5 * 100) * 100  # far below the market: it rests
    session = Process("desk")
    got: list[Any] = []

    def opened(conn: SimConn) -> None:
        order = NewChild(1, 1, symbol["symbol"], Side.BUY, TimeInForce.DAY, 100, low, "A", 100)
        conn.up.send([Logon("desk"), order])

    end = Endpoint(session, opened, lambda _, items: got.extend(items), got.append)
    world.network.dial("gate->exchange", end, got.append)
    world.run_until(world.now() + 1000)
    assert world.admin("exchange", "GET", "/stats")["resting_orders"] > 0
    before = world.admin("exchange", "GET", "/stats")["cancelled_on_disconnect"]
    world.network.set_enabled("gate->exchange", False)
    world.run_until(world.now() + 1000)
    after = world.admin("exchange", "GET", "/stats")["cancelled_on_disconnect"]
    assert after == before + 1
    world.network.set_enabled("gate->exchange", True)
