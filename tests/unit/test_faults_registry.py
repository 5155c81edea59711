"""The network and process faults, as the registry finds them through entry points."""

from __future__ import annotations

import re
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from faults.base import Fault
from faults.registry import GROUP, BadFaultParams, build, catalogue, registry

NETWORK = ["latency", "bandwidth", "down", "timeout", "reset_peer", "slicer", "limit_data"]
OTHERS = ["partition", "drop_ssh", "kill", "pause", "restart"]

# The smallest valid parameters of each fault.
MINIMAL: dict[str, dict[str, Any]] = {
    **{name: {"link": "gate->exchange"} for name in NETWORK},
    "partition": {"links": ["router-3->gate", "flow->router-3"]},
    "drop_ssh": {"router": "router-8"},
    "kill": {"service": "exchange"},
    "pause": {"service": "exchange"},
    "restart": {"service": "exchange"},
}


def test_every_fault_is_registered_through_the_entry_point_group() -> None:
    points = {ep.name: ep.value for ep in entry_points(group=GROUP)}
    for name in NETWORK + OTHERS:
        assert name in points, name
        assert points[name].startswith("faults."), points[name]
    found = registry()
    assert set(NETWORK + OTHERS) <= set(found)
    for name in NETWORK + OTHERS:
        assert issubclass(found[name], Fault) and found[name].name == name


@pytest.mark.parametrize("name", NETWORK + OTHERS)
def test_defaults_are_valid_and_every_field_is_described(name: str) -> None:
    fault = build(name, MINIMAL[name])
    assert fault.params is not None
    schema = fault.Params.model_json_schema()
    for field, spec in schema["properties"].items():
        assert spec.get("description"), f"{name}.{field} has no description"
    assert fault.summary and fault.__doc__


@pytest.mark.parametrize("name", NETWORK + OTHERS)
def test_unknown_fields_are_refused_naming_the_field(name: str) -> None:
    with pytest.raises(BadFaultParams, match=rf"fault {name}: latency_msec: Extra inputs"):
        build(name, {**MINIMAL[name], "latency_msec": 5})


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("latency", {"link": "gate->exchange", "latency_ms": -1}, "latency_ms"),
        ("latency", {"link": "gate exchange"}, "link"),
        ("latency", {"link": "gate->exchange", "stream": "sideways"}, "stream"),
        ("latency", {"link": "gate->exchange", "toxicity": 1.5}, "toxicity"),
        ("bandwidth", {"link": "gate->exchange", "rate_kbps": 0}, "rate_kbps"),
        ("slicer", {"link": "gate->exchange", "average_size": 4, "size_variation": 4}, "params"),
        ("limit_data", {"link": "gate->exchange", "bytes": -5}, "bytes"),
        ("partition", {"links": []}, "links"),
        ("partition", {"links": ["gate->exchange", "gate->exchange"]}, "links"),
        ("drop_ssh", {"router": "gate"}, "router"),
        ("drop_ssh", {"router": "router-8", "mode": "drop"}, "mode"),
        ("kill", {}, "service"),
    ],
)
def test_bad_values_name_the_field(name: str, params: dict[str, Any], field: str) -> None:
    with pytest.raises(BadFaultParams, match=rf"^fault {name}: {field}"):
        build(name, params)


def test_the_catalogue_lists_parameters_with_defaults() -> None:
    entries = {entry["name"]: entry for entry in catalogue()}
    latency = entries["latency"]["params"]["properties"]
    assert latency["latency_ms"]["default"] == 500
    assert latency["stream"]["default"] == "downstream"
    assert entries["drop_ssh"]["params"]["properties"]["mode"]["enum"] == ["refuse", "reset"]
    assert entries["kill"]["params"]["properties"]["restart_on_revert"]["default"] is True


def test_the_fault_docs_describe_every_fault_and_parameter() -> None:
    text = (Path(__file__).parents[2] / "docs" / "faults.md").read_text()
    sections = dict(re.findall(r"^### (\w+)\n(.*?)(?=^##|\Z)", text, flags=re.M | re.S))
    for name in NETWORK + OTHERS:
        assert name in sections, f"docs/faults.md has no section for {name}"
        for field in registry()[name].Params.model_fields:
            assert f"`{field}`" in sections[name] or f"`{field}`" in text, (name, field)
