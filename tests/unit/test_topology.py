"""Topology plans: every placeholder resolves, one source for every backend."""

from __future__ import annotations

import re

import pytest
from pydantic import ValidationError

from harness.topology import (
    TopologySettings,
    clock_args,
    plan_topology,
    resolve_args,
    router_names,
)


def resolve_all(settings: TopologySettings) -> dict[str, list[str]]:
    plans = plan_topology(settings)
    address = {
        f"{p.name}.{port}": f"127.0.0.1:{i}" for i, p in enumerate(plans) for port in p.ports
    }
    directory = {"keys": "/k", "registry": "/r"} | {
        f"builds/{n}": f"/b/{n}" for n in router_names(settings)
    }
    clock = clock_args(settings, 1.5)
    return {
        p.name: resolve_args(p, clock, {port: 0 for port in p.ports}, address, directory)
        for p in plans
    }


def test_every_placeholder_resolves() -> None:
    resolved = resolve_all(TopologySettings())
    assert len(resolved) == 5 + 8
    for name, args in resolved.items():
        leftover = [a for a in args if re.search(r"\{\w+:", a) or a == "{clock}"]
        assert not leftover, (name, leftover)
    router = resolved["router-8"]
    assert router[router.index("--build-dir") + 1] == "/b/router-8"
    assert router[router.index("--epoch") + 1] == "1.5"


def test_tiers_start_what_a_service_connects_to_first() -> None:
    plans = {p.name: p for p in plan_topology(TopologySettings(routers=2))}
    for plan in plans.values():
        for kind, key in plan.placeholders():
            if kind == "addr":
                assert plans[key.split(".")[0]].tier < plan.tier, (plan.name, key)


def test_flow_can_be_left_out() -> None:
    names = [p.name for p in plan_topology(TopologySettings(flow=False))]
    assert "flow" not in names


@pytest.mark.parametrize(
    ("field", "value"),
    [("routers", 0), ("profile", "lax"), ("drill_start", "25:00"), ("initial_build", "1999.1")],
)
def test_bad_settings_name_the_field(field: str, value: object) -> None:
    with pytest.raises(ValidationError, match=field):
        TopologySettings.model_validate({field: value})
