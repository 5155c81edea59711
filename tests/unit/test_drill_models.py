"""Drill models on their own: times, durations, "when", expectations, the script."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from harness.drill.expectations import Expectation, Metric
from harness.drill.models import ClockSpec, Drill, FaultInjection
from harness.drill.script import ScriptedStep
from harness.drill.timing import (
    DrillEvent,
    When,
    format_duration,
    format_time_of_day,
    parse_duration,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        (90, 90.0),
        (1.5, 1.5),
        ("90", 90.0),
        ("90s", 90.0),
        ("5m", 300.0),
        ("1h30m", 5400.0),
        ("1h 30m", 5400.0),
        ("250ms", 0.25),
        ("2.5s", 2.5),
        ("0", 0.0),
    ],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5 min", "-3", -1, "m", "1x", True, None, "s5"])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError, match="expected a duration"):
        parse_duration(text)


@given(st.integers(min_value=0, max_value=10 * 86400))
def test_format_duration_reads_back(seconds: int) -> None:
    assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize(
    ("text", "time_s", "offset_s", "event", "delay_s"),
    [
        ("09:30:00", 34200, None, None, 0.0),
        ("9:30", 34200, None, None, 0.0),
        ("+90s", None, 90.0, None, 0.0),
        ("+1h", None, 3600.0, None, 0.0),
        ("market_open", None, None, DrillEvent.MARKET_OPEN, 0.0),
        ("deploy_finished+30s", None, None, DrillEvent.DEPLOY_FINISHED, 30.0),
    ],
)
def test_when_forms(
    text: str,
    time_s: int | None,
    offset_s: float | None,
    event: DrillEvent | None,
    delay_s: float,
) -> None:
    when = When.model_validate(text)
    assert (when.time_s, when.offset_s, when.event, when.delay_s) == (
        time_s,
        offset_s,
        event,
        delay_s,
    )
    dumped: object = when.model_dump()
    assert dumped == text


def test_when_resolves_against_the_start() -> None:
    start = 8 * 3600
    assert When.model_validate("+90s").resolve(start) == start + 90
    assert When.model_validate("market_open+1m").resolve(start) == 34200 + 60
    assert When.model_validate("drill_start").resolve(start) == start
    assert When.model_validate("detection").resolve(start) is None


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("market_opne", "did you mean 'market_open'"),
        ("25:00", "out of range"),
        ("+5 parsecs", "expected a duration"),
        ("", "expected a time of day"),
    ],
)
def test_bad_when(text: str, hint: str) -> None:
    with pytest.raises(ValidationError, match=hint):
        When.model_validate(text)


def test_time_of_day_must_be_a_string() -> None:
    with pytest.raises(ValidationError, match="in quotes"):
        ClockSpec.model_validate({"start": 570, "end": "10:00"})


def test_clock_end_after_start() -> None:
    with pytest.raises(ValidationError, match="end 08:00:00 is not after start 09:00:00"):
        ClockSpec.model_validate({"start": "09:00", "end": "08:00"})
    assert format_time_of_day(ClockSpec.model_validate({"end": "10:15"}).end) == "10:15:00"


@pytest.mark.parametrize(
    ("text", "metric", "op", "value"),
    [
        ("time_to_detect_s <= 60", Metric.TIME_TO_DETECT_S, "<=", 60.0),
        ("time_to_detect_s<=2m", Metric.TIME_TO_DETECT_S, "<=", 120.0),
        ("loss_usd < 5_000_000", Metric.LOSS_USD, "<", 5e6),
        ("loss_usd < $5,000,000", Metric.LOSS_USD, "<", 5e6),
        ("runbook_adherence >= 0.8", Metric.RUNBOOK_ADHERENCE, ">=", 0.8),
        ("grade >= b", Metric.GRADE, ">=", "B"),
        ("time_to_mitigate_s != null", Metric.TIME_TO_MITIGATE_S, "!=", None),
        ("executions == 0", Metric.EXECUTIONS, "==", 0.0),
    ],
)
def test_expectation_strings(text: str, metric: Metric, op: str, value: object) -> None:
    expectation = Expectation.model_validate(text)
    assert (expectation.metric, expectation.op, expectation.value) == (metric, op, value)


def test_expectation_mapping_form() -> None:
    mapping = {"metric": "loss_usd", "op": "<", "value": 5_000_000}
    assert Expectation.model_validate(mapping).name == "loss_usd < 5_000_000"


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("loss_us < 5", "unknown metric 'loss_us'; did you mean 'loss_usd'?"),
        ("loss_usd 5", "expected 'METRIC OP VALUE'"),
        ("loss_usd < lots", "expected a number"),
        ("grade >= G", "expected one of A, B, C, D, F"),
        ("runbook_adherence >= 2", "from 0 to 1"),
        ("time_to_detect_s < null", "null can only be compared with == or !="),
    ],
)
def test_bad_expectations(text: str, hint: str) -> None:
    with pytest.raises(ValidationError, match=hint.replace("?", r"\?")):
        Expectation.model_validate(text)


@pytest.mark.parametrize(
    ("text", "scores", "ok", "detail"),
    [
        ("time_to_detect_s <= 60", {"time_to_detect_s": 42.0}, True, "time_to_detect_s was 42 s"),
        ("time_to_detect_s <= 60", {"time_to_detect_s": 61}, False, "was 61 s"),
        ("time_to_detect_s <= 60", {"time_to_detect_s": None}, False, "was never"),
        ("time_to_detect_s == null", {"time_to_detect_s": None}, True, "was never"),
        ("time_to_detect_s != null", {"time_to_detect_s": 3.0}, True, "was 3 s"),
        ("grade >= B", {"grade": "A"}, True, "grade was A"),
        ("grade >= B", {"grade": "B"}, True, "grade was B"),
        ("grade >= B", {"grade": "C"}, False, "grade was C"),
        ("grade < C", {"grade": "D"}, True, "grade was D"),
        ("loss_usd < 5_000_000", {}, False, "no score loss_usd"),
        ("loss_usd < 5_000_000", {"loss_usd": 12_345_678.0}, False, "$12,345,678.00"),
    ],
)
def test_expectation_check(text: str, scores: dict[str, Any], ok: bool, detail: str) -> None:
    result = Expectation.model_validate(text).check(scores)
    assert result.ok is ok
    assert detail in result.detail
    assert result.name.split()[0] == text.split()[0]


def test_script_step_needs_exactly_one_action() -> None:
    step = ScriptedStep.model_validate({"at": "08:00:30", "deploy": {"build": "2012.07"}})
    assert step.kind == "deploy"
    assert step.describe() == "deploy 2012.07 (verified)"
    with pytest.raises(ValidationError, match="exactly one of"):
        ScriptedStep.model_validate({"at": "08:00", "note": "a", "rollback": {}})
    with pytest.raises(ValidationError, match="got none"):
        ScriptedStep.model_validate({"at": "08:00"})


@pytest.mark.parametrize(
    ("step", "hint"),
    [
        ({"deploy": {"build": "2012.7"}}, "did you mean '2012.07'"),
        ({"deploy": {"build": "2012.07", "mode": "legacy", "canary": 1}}, "needs mode: verified"),
        ({"alert": {"kind": "x", "text": "y", "count": 0}}, "greater than or equal to 1"),
    ],
)
def test_bad_script_steps(step: dict[str, Any], hint: str) -> None:
    with pytest.raises(ValidationError, match=hint):
        ScriptedStep.model_validate({"at": "08:00", **step})


def test_fault_injection_revert_is_one_of_duration_or_until() -> None:
    spec = {"fault": "latency", "at": "+1m", "duration": "5m", "until": "09:00"}
    with pytest.raises(ValidationError, match="duration or until, not both"):
        FaultInjection.model_validate(spec)


def minimal_drill(**extra: Any) -> dict[str, Any]:
    return {
        "name": "mini",
        "description": "A small drill.\nWith a second line.",
        "clock": {"start": "09:00", "end": "10:00", "speed": 10},
        "runbook": "kill-switch",
        **extra,
    }


def test_drill_defaults_and_topology_settings() -> None:
    drill = Drill.model_validate(minimal_drill())
    assert drill.summary == "A small drill."
    assert drill.controls == "knight-2012"
    settings = drill.topology_settings(controls="modern", seed=7)
    assert settings.profile == "modern"
    assert settings.seed == 7
    assert settings.speed == 10
    assert settings.drill_start == "09:00:00"
    assert settings.routers == 8


def test_drill_dump_reads_back() -> None:
    drill = Drill.model_validate(
        minimal_drill(
            timeline=[{"fault": "latency", "at": "market_open+5s", "params": {"link": "x"}}],
            script=[{"at": "+30s", "deploy": {"build": "2012.07", "mode": "legacy"}}],
            expectations=["grade >= B", "loss_usd < 1_000"],
        )
    )
    dumped = drill.model_dump(mode="json")
    assert dumped["clock"]["start"] == "09:00:00"
    assert dumped["timeline"][0]["at"] == "market_open+5s"
    assert Drill.model_validate(dumped) == drill


def test_graded_against_needs_the_loader() -> None:
    drill = Drill.model_validate(minimal_drill())
    assert drill.source is None
    with pytest.raises(RuntimeError, match="load_drill"):
        _ = drill.graded_against
