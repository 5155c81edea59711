"""Responder actions on a simulated system: failures are results, never exceptions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.actions import Action, ActionRequest
from harness.operations import perform
from harness.sim.system import SimSystem
from harness.topology import TopologySettings


@pytest.fixture
def system(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[SimSystem]:
    monkeypatch.setenv("GAMEDAY_HOME", str(tmp_path))
    sim = SimSystem.up(TopologySettings(routers=2, flow=False, drill_start="09:29"))
    try:
        yield sim
    finally:
        sim.close()


def test_a_rollback_with_nothing_to_roll_back_to_is_a_failed_action(system: SimSystem) -> None:
    result = perform(system, ActionRequest(action=Action.ROLLBACK, responder="r"), system.now())
    assert not result.ok and "previous" in result.detail["error"]


def test_a_bad_router_name_is_a_failed_action_naming_it(system: SimSystem) -> None:
    req = ActionRequest(action=Action.DISABLE_ROUTER, responder="r", args={"router": "router-9"})
    result = perform(system, req, system.now())
    assert not result.ok and "router-9" in result.detail["error"]


def test_verify_builds_reports_each_router(system: SimSystem) -> None:
    result = perform(system, ActionRequest(action=Action.VERIFY_BUILDS, responder="r"), 0)
    assert result.ok
    assert set(result.detail["builds"]) == {"router-1", "router-2"}
