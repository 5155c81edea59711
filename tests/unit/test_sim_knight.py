"""The Knight mechanics in the simulated world: the skipped server, the runaway, the controls.

The world starts a minute before the 09:30 open with a quarter of Knight's
flow, so the RLP parents planned since 08:01 reach the routers at once,
before the open, as in the local integration test of the same morning.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from faults.registry import build
from harness.sim import SimWorld
from harness.topology import TopologySettings
from services.clock import MARKET_OPEN_US, US
from tests.unit.sim_support import knight_morning

GOOD = [f"router-{i}" for i in range(1, 8)]


@pytest.fixture
def knight(tmp_path: Path) -> Iterator[SimWorld]:
    world = knight_morning(tmp_path)
    yield world
    world.close()


def parents(world: SimWorld, router: str) -> list[dict[str, Any]]:
    answer: list[dict[str, Any]] = world.admin(router, "GET", "/parents")["parents"]
    return answer


def test_legacy_deploy_with_ssh_down_skips_router_8_and_says_nothing(knight: SimWorld) -> None:
    # knight_morning deployed with drop_ssh on router-8 and checked the report said ok.
    builds = {name: knight.admin(name, "GET", "/build")["version"] for name in knight.routers}
    assert builds == {**dict.fromkeys(GOOD, "2012.07"), "router-8": "2003.1"}
    assert knight.registry.state.current == "2012.07"
    assert knight.registry.state.previous == "2003.1"


def test_only_router_8_runs_away_and_knight_controls_do_nothing(knight: SimWorld) -> None:
    knight.run_until(MARKET_OPEN_US - US)
    emails = knight.admin("alerts", "GET", "/channels/email")["alerts"]
    assert emails and {e["source"] for e in emails} == {"router-8"}
    assert all(e["ts"] < MARKET_OPEN_US and "Power Peg disabled" in e["text"] for e in emails)

    knight.run_until(MARKET_OPEN_US + 10 * US)
    for name in GOOD:
        rlp = [p for p in parents(knight, name) if p["route"] == "rlp"]
        assert rlp and all(p["filled"] == p["qty"] and p["state"] == "filled" for p in rlp)
    first = knight.admin("router-8", "GET", "/stats")
    assert first["power_peg_parents"] > 0
    assert first["filled_qty"] > 5 * first["parent_qty"] > 0
    knight.run_until(knight.now() + 5 * US)
    assert knight.admin("router-8", "GET", "/stats")["filled_qty"] > first["filled_qty"]
    gate = knight.admin("gate", "GET", "/stats")
    assert gate["kills"] == 0 and not gate["kill_switch"]["thrown"]
    positions = knight.admin("monitor", "GET", "/positions")
    assert any(row["account"] == "33" for row in positions["positions"])

    # A person throws the switch: nothing fills after it.
    knight.admin("gate", "POST", "/kill", {"reason": "runaway on router-8", "by": "test"})
    knight.run_until(knight.now() + US)
    stopped = knight.admin("router-8", "GET", "/stats")["filled_qty"]
    knight.run_until(knight.now() + 5 * US)
    assert knight.admin("router-8", "GET", "/stats")["filled_qty"] == stopped


def test_verified_deploy_fails_naming_router_8(tmp_path: Path) -> None:
    settings = TopologySettings(routers=8, drill_start="08:00", flow=False)
    world = SimWorld(settings, tmp_path / "run")
    world.context.network.set_enabled("router-8:ssh", False)
    report = world.deploy("2012.07", "verified")
    assert not report.ok
    assert "router-8" in report.message and report.failed == ["router-8"]
    assert world.admin("router-8", "GET", "/build")["version"] == "2003.1"
    assert world.registry.state.current == "2003.1", "a failed run leaves the registry alone"
    status = world.fleet_status()
    assert not status.ok and status.host("router-8").status == "failed"
    world.context.network.set_enabled("router-8:ssh", True)
    assert world.fleet_status().ok


def test_rolling_back_puts_power_peg_on_every_router(knight: SimWorld) -> None:
    knight.run_until(MARKET_OPEN_US + 5 * US)
    report = knight.rollback(GOOD)
    assert report.ok and report.version == "2003.1"
    assert {knight.admin(n, "GET", "/build")["version"] for n in knight.routers} == {"2003.1"}
    # Retail flow after the open keeps carrying bit 3: on 2003.1 that is Power Peg.
    knight.run_until(MARKET_OPEN_US + 300 * US)
    late = [
        p
        for name in GOOD
        for p in parents(knight, name)
        if p["received_us"] > MARKET_OPEN_US + 5 * US and p["flags"]
    ]
    assert late and all(p["route"] == "power_peg" for p in late)
    assert any(p["overfill"] > 0 for p in late)


def test_modern_controls_kill_the_runaway_within_seconds(tmp_path: Path) -> None:
    world = knight_morning(tmp_path, "modern")
    world.run_until(MARKET_OPEN_US + 15 * US)
    gate = world.admin("gate", "GET", "/stats")
    assert gate["kills"] >= 1
    thrown = gate["kill_switch"]["history"][0]
    assert thrown["action"] == "kill" and thrown["by"] != "test"
    assert MARKET_OPEN_US < thrown["ts"] <= MARKET_OPEN_US + 10 * US
    stopped = world.admin("router-8", "GET", "/stats")["filled_qty"]
    world.run_until(world.now() + 5 * US)
    assert world.admin("router-8", "GET", "/stats")["filled_qty"] == stopped
    pager = world.admin("alerts", "GET", "/channels/pager")
    assert pager["alerts"], "modern controls page somebody"
    world.close()


def test_a_failed_canary_leaves_the_rest_of_the_fleet_alone(tmp_path: Path) -> None:
    settings = TopologySettings(routers=4, drill_start="08:00", flow=False)
    world = SimWorld(settings, tmp_path / "run")
    handle = build("drop_ssh", {"router": "router-2", "mode": "reset"}).inject(world.context)
    report = world.deploy("2012.07", "verified", canary=2)
    assert not report.ok and report.canary == ["router-1", "router-2"]
    assert [h.status for h in report.hosts] == ["ok", "failed", "not_attempted", "not_attempted"]
    assert "router-2 (router-2:22): connect: Connection reset by peer" in report.message
    builds = [world.admin(n, "GET", "/build")["version"] for n in world.routers]
    assert builds == ["2012.07", "2003.1", "2003.1", "2003.1"]
    build("drop_ssh", {"router": "router-2", "mode": "reset"}).revert(world.context, handle)
    assert world.deploy("2012.07", "verified").ok
    assert world.rollback(mode="verified").version == "2003.1"
    world.close()
