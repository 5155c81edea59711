"""Worlds the sim tests share: a Knight morning a minute before the open."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from faults.registry import build
from harness.sim import SimWorld
from harness.topology import TopologySettings
from services.clock import US


def knight_morning(
    tmp_path: Path, profile: str = "knight-2012", seed: int = 1, **settings: Any
) -> SimWorld:
    """09:29, a legacy deploy of 2012.07 that cannot reach router-8, then the flow."""
    options: dict[str, Any] = {
        "routers": 8,
        "profile": profile,
        "drill_start": "09:29",
        "scale": 0.25,
        "seed": seed,
        "flow": False,
        **settings,
    }
    world = SimWorld(TopologySettings.model_validate(options), tmp_path / f"run-{seed}")
    world.run_until(world.now() + US)
    drop = build("drop_ssh", {"router": "router-8"})
    handle = drop.inject(world.context)
    report = world.deploy("2012.07", "legacy")
    drop.revert(world.context, handle)
    # Knight's script: success, every host claimed; only the per-host entry tells.
    assert report.ok, report.message
    assert report.skipped == ["router-8"] and "router-8" not in report.message
    world.start_flow()
    return world


def quiet_world(tmp_path: Path, **settings: Any) -> SimWorld:
    """Two routers, twenty symbols, no flow: connections and nothing else."""
    options: dict[str, Any] = {
        "routers": 2,
        "symbols": 20,
        "drill_start": "09:00",
        "flow": False,
        **settings,
    }
    world = SimWorld(TopologySettings.model_validate(options), tmp_path / "quiet")
    world.run_until(world.now() + US)
    return world


def upstreams(world: SimWorld) -> dict[str, str]:
    """The gate's view of each router session's exchange session."""
    routers: dict[str, dict[str, str]] = world.admin("gate", "GET", "/stats")["routers"]
    return {r["name"]: r["upstream"] for r in routers.values()}
