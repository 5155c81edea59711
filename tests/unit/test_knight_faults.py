"""The Knight faults on an in-memory context: inject, what changed, revert, revert again."""

from __future__ import annotations

import logging
import shutil
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from faults.base import Fault, FaultError
from faults.registry import GROUP, BadFaultParams, build, registry
from services.router.builds import BuildError
from services.router.registry import BuildRegistry
from tests.unit.test_knight_faults_context import InMemoryContext

KNIGHT = ["skip_server_on_deploy", "repurposed_flag", "rollback_to_wrong_build", "ignored_alerts"]
MINIMAL: dict[str, dict[str, Any]] = {
    "skip_server_on_deploy": {"router": "router-8"},
    "repurposed_flag": {},
    "rollback_to_wrong_build": {},
    "ignored_alerts": {},
}


@pytest.fixture
def registry_dir(tmp_path: Path) -> Path:
    # As after Knight's deploy: the RLP build current, nothing recorded before it.
    return BuildRegistry.create(tmp_path / "registry", current="2012.07").root


@pytest.fixture
def ctx(registry_dir: Path) -> InMemoryContext:
    return InMemoryContext(registry_dir)


# -- registration -------------------------------------------------------------------


def test_the_knight_faults_register_through_the_entry_point_group() -> None:
    points = {ep.name: ep.value for ep in entry_points(group=GROUP)}
    for name in KNIGHT:
        assert points[name].startswith("faults.knight."), points[name]
        cls = registry()[name]
        assert issubclass(cls, Fault) and cls.name == name


@pytest.mark.parametrize("name", KNIGHT)
def test_every_parameter_is_described_and_unknown_ones_refused(name: str) -> None:
    fault = build(name, MINIMAL[name])
    for field, spec in fault.Params.model_json_schema().get("properties", {}).items():
        assert spec.get("description"), f"{name}.{field} has no description"
    assert fault.summary and fault.__doc__
    with pytest.raises(BadFaultParams, match=rf"fault {name}: routr: Extra inputs"):
        build(name, {**MINIMAL[name], "routr": "router-8"})


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("skip_server_on_deploy", {}, "router"),
        ("skip_server_on_deploy", {"router": "server-8"}, "router"),
        ("rollback_to_wrong_build", {"build": "../etc"}, "build"),
        ("ignored_alerts", {"mode": "fax"}, "mode"),
    ],
)
def test_bad_values_name_the_field(name: str, params: dict[str, Any], field: str) -> None:
    with pytest.raises(BadFaultParams, match=rf"fault {name}: {field}: "):
        build(name, params)


def test_the_defaults_are_the_contract() -> None:
    assert build("rollback_to_wrong_build").params.model_dump() == {"build": "2003.1"}
    assert build("ignored_alerts").params.model_dump() == {"mode": "inbox"}


# -- skip_server_on_deploy ----------------------------------------------------------


def test_skip_server_leaves_the_router_out_of_the_deploy_until_reverted(
    ctx: InMemoryContext,
) -> None:
    fault = build("skip_server_on_deploy", {"router": "router-8"})
    handle = fault.inject(ctx)
    assert ctx.scenario.deploy_exclusions == {"router-8"}
    assert (handle.fault, handle.target) == ("skip_server_on_deploy", "router-8")
    fault.revert(ctx, handle)
    assert ctx.scenario.deploy_exclusions == set()
    fault.revert(ctx, handle)  # idempotent
    assert ctx.scenario.deploy_exclusions == set()


def test_skip_server_never_re_includes_a_router_someone_else_left_out(
    ctx: InMemoryContext,
) -> None:
    ctx.scenario.deploy_exclusions.add("router-8")
    fault = build("skip_server_on_deploy", {"router": "router-8"})
    fault.revert(ctx, fault.inject(ctx))
    assert ctx.scenario.deploy_exclusions == {"router-8"}


def test_skip_server_refuses_a_router_the_run_does_not_have(ctx: InMemoryContext) -> None:
    fault = build("skip_server_on_deploy", {"router": "router-18"})
    with pytest.raises(FaultError, match=r"unknown router 'router-18'; did you mean 'router-8'\?"):
        fault.inject(ctx)
    assert ctx.scenario.deploy_exclusions == set()


# -- rollback_to_wrong_build --------------------------------------------------------


def test_rollback_to_wrong_build_points_previous_at_power_peg_and_back(
    ctx: InMemoryContext, registry_dir: Path
) -> None:
    registry = BuildRegistry(registry_dir)
    fault = build("rollback_to_wrong_build", {"build": "2003.1"})
    handle = fault.inject(ctx)
    assert (registry.state.current, registry.state.previous) == ("2012.07", "2003.1")
    assert registry.rollback_target() == "2003.1"
    fault.revert(ctx, handle)
    assert (registry.state.current, registry.state.previous) == ("2012.07", None)
    registry.set_previous("2012.07")
    fault.revert(ctx, handle)  # idempotent: a second revert changes nothing
    assert registry.state.previous == "2012.07"


def test_rollback_to_wrong_build_leaves_a_registry_that_moved_on(
    ctx: InMemoryContext, registry_dir: Path
) -> None:
    registry = BuildRegistry(registry_dir)
    fault = build("rollback_to_wrong_build")
    handle = fault.inject(ctx)
    registry.record_deployed("2003.1")  # the rollback happened: current 2003.1, previous 2012.07
    fault.revert(ctx, handle)
    assert (registry.state.current, registry.state.previous) == ("2003.1", "2012.07")


def test_rollback_to_wrong_build_refuses_a_build_the_registry_lacks(
    ctx: InMemoryContext, registry_dir: Path
) -> None:
    fault = build("rollback_to_wrong_build", {"build": "1999.9"})
    with pytest.raises(FaultError, match=r"no build 1999.9 \(has: 2003.1, 2012.07\)"):
        fault.inject(ctx)
    assert BuildRegistry(registry_dir).state.previous is None


def test_rollback_to_wrong_build_without_a_registry_is_a_fault_error(tmp_path: Path) -> None:
    ctx = InMemoryContext(tmp_path / "nowhere")
    with pytest.raises(FaultError, match="not a build registry"):
        build("rollback_to_wrong_build").inject(ctx)


def test_rollback_to_wrong_build_revert_survives_a_vanished_registry(
    ctx: InMemoryContext, registry_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    fault = build("rollback_to_wrong_build")
    handle = fault.inject(ctx)
    shutil.rmtree(registry_dir)
    with caplog.at_level(logging.WARNING):
        fault.revert(ctx, handle)
    assert "not a build registry" in caplog.text


# -- BuildRegistry.set_previous -----------------------------------------------------


def test_set_previous_moves_only_previous(registry_dir: Path) -> None:
    registry = BuildRegistry(registry_dir)
    state = registry.set_previous("2003.1")
    assert (state.current, state.previous) == ("2012.07", "2003.1")
    assert registry.state == state  # written to registry.json
    assert registry.set_previous(None).previous is None
    with pytest.raises(BuildError, match=r"has no build 2001.1 \(has: 2003.1, 2012.07\)"):
        registry.set_previous("2001.1")
    assert registry.state.previous is None
