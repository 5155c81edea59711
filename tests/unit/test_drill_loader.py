"""Loading drills: by name or path, one-line errors naming file and field, the shipped drills."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from pydantic import model_validator

import harness.drill.loader
from faults.base import FaultParams
from harness.drill.loader import bundled_drills, find_drill, load_drill
from harness.errors import ConfigError
from harness.runbook.loader import bundled_runbooks
from tests.unit.drill_fakes import STUBS, fault_table

GOOD = """\
name: mini
description: A small drill.
controls: modern
topology: {routers: 4}
clock: {start: "09:00", end: "10:00", speed: 10}
runbook: kill-switch
timeline:
  - fault: drop_ssh
    at: "09:05"
    params: {router: router-4, mode: reset}
    until: deploy_finished
  - fault: latency
    at: market_open
    params: {link: router-1->gate}
    duration: 5m
script:
  - at: "+30s"
    deploy: {build: "2012.07", mode: legacy}
abort: {max_loss_usd: 1_000_000, max_duration: 45m}
expectations:
  - time_to_detect_s <= 60
"""


def write(directory: Path, text: str, name: str = "x.yaml") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text))
    return path


def load_error(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_drill(path, faults=STUBS)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # File names in messages are relative to the working directory.
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("path", bundled_drills(), ids=lambda p: p.stem)
def test_every_shipped_drill_validates(path: Path) -> None:
    drill = load_drill(path.stem, faults=fault_table())
    assert drill.name == path.stem
    assert drill.source == path
    assert drill.graded_against.name == drill.runbook
    assert drill.expectations, "a shipped drill says what a good response is"
    assert drill.summary and len(drill.summary) <= 120


def test_shipped_drills_and_runbooks_are_the_promised_ones() -> None:
    assert {p.stem for p in bundled_drills()} >= {
        "knight-2012",
        "silent-deploy",
        "flag-reuse",
        "bad-rollback",
        "alert-fatigue",
    }
    assert {p.stem for p in bundled_runbooks()} >= {
        "runaway-orders",
        "deploy-verification",
        "kill-switch",
    }


def test_knight_2012_is_the_morning() -> None:
    drill = load_drill("knight-2012", faults=fault_table())
    assert drill.clock.start == 8 * 3600
    assert drill.runbook == "runaway-orders"
    faults = {step.fault: step for step in drill.timeline}
    assert faults["skip_server_on_deploy"].params == {"router": "router-8"}
    # The reused bit goes live once the deploy is done (the deploy takes drill minutes at 60x).
    assert faults["repurposed_flag"].at.event == "deploy_finished"
    (deploy,) = [s for s in drill.script if s.deploy is not None]
    assert deploy.deploy is not None and deploy.deploy.mode == "legacy"
    assert drill.resolve(deploy.at) == 8 * 3600 + 30


def test_a_good_drill_loads_from_a_path(tmp_path: Path) -> None:
    drill = load_drill(str(write(tmp_path, GOOD)), faults=STUBS)
    assert drill.name == "mini"
    assert drill.graded_against.name == "kill-switch"
    assert drill.abort.max_duration == 45 * 60


def test_a_name_that_is_no_drill(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"no drill named 'knigt-2012'; did you mean 'knight-2012'\?"
    ):
        find_drill("knigt-2012")
    with pytest.raises(ConfigError, match=r"^nope\.yaml: no such file$"):
        load_drill("nope.yaml", faults=STUBS)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "controls: modern",
            "contrls: modern",
            "x.yaml: contrls: unknown field; did you mean 'controls'?",
        ),
        (
            "controls: modern",
            "controls: modren",
            "x.yaml: controls: expected 'knight-2012' or 'modern', got 'modren';"
            " did you mean 'modern'?",
        ),
        (
            "fault: latency",
            "fault: latncy",
            "x.yaml: timeline[1].fault: unknown fault 'latncy'; did you mean 'latency'?"
            " (see `gameday faults`)",
        ),
        (
            "mode: reset",
            "mode: drop",
            "x.yaml: timeline[0].params.mode: expected 'refuse' or 'reset', got 'drop'",
        ),
        (
            "router: router-4,",
            "router: router-8,",
            "x.yaml: timeline[0].params.router: no router 'router-8' in this drill's topology"
            " (router-1 to router-4)",
        ),
        (
            "{link: router-1->gate}",
            "{}",
            "x.yaml: timeline[1].params.link: required field is missing",
        ),
        (
            'at: "09:05"',
            'at: "08:05"',
            "x.yaml: timeline[0].at: 08:05:00 is outside the drill;"
            " the drill runs from 09:00:00 to 10:00:00",
        ),
        ("at: market_open", "at: market_opne", "did you mean 'market_open'?"),
        (
            "until: deploy_finished",
            'until: "09:01"',
            "x.yaml: timeline[0].until: 09:01 is not after the injection at 09:05",
        ),
        (
            "until: deploy_finished",
            'until: "11:00"',
            "x.yaml: timeline[0].until: 11:00 is after the drill ends",
        ),
        ('at: "+30s"', 'at: "+2h"', "x.yaml: script[0].at: +2h (11:00:00) is outside the drill"),
        (
            "max_duration: 45m",
            "max_duration: 2h",
            "x.yaml: abort.max_duration: 2h is longer than the drill (1h;",
        ),
        (
            "mode: legacy}",
            "mod: legacy}",
            "x.yaml: script[0].deploy.mod: unknown field; did you mean 'mode'?",
        ),
        ('end: "10:00"', 'end: "08:00"', "x.yaml: clock: end 08:00:00 is not after start 09:00:00"),
        (
            'end: "10:00", ',
            "",
            "x.yaml: clock.end: required field is missing"
            ' (drill time at which the drill ends, e.g. "10:15")',
        ),
        ("speed: 10", "speed: fast", "x.yaml: clock.speed: input should be a valid number"),
        ("<= 60", "=< 60", "x.yaml: expectations[0]: expected 'METRIC OP VALUE'"),
        (
            "time_to_detect_s",
            "time_to_detect",
            "x.yaml: expectations[0]: unknown metric 'time_to_detect';"
            " did you mean 'time_to_detect_s'?",
        ),
        (
            "runbook: kill-switch",
            "runbook: kill-swich",
            "x.yaml: runbook: no runbook named 'kill-swich'; did you mean 'kill-switch'?",
        ),
        ("name: mini", "name: Mini Drill", "x.yaml: name: string should match pattern"),
        (
            "runbook: kill-switch",
            "runbok: kill-switch",
            "x.yaml: runbok: unknown field; did you mean 'runbook'?",
        ),
        (
            "routers: 4",
            "routers: 0",
            "x.yaml: topology.routers: input should be greater than or equal to 1, got 0",
        ),
    ],
)
def test_one_line_errors(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in GOOD
    message = load_error(tmp_path, GOOD.replace(old, new))
    assert expected in message
    assert message.startswith("x.yaml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: a\n  b: c\n", "x.yaml:2: invalid YAML: "),
        ("name: [a\nrunbook: b\n", "x.yaml:2: invalid YAML: expected ',' or ']'"),
        ("name: a\nseed: 1\nseed: 2\n", "x.yaml:3: invalid YAML: duplicate key 'seed'"),
        ("", "x.yaml: empty file; expected a drill"),
        ("- a\n- b\n", "x.yaml: expected a mapping of drill fields at the top level"),
        ("name: a\nrunbook: 'open\n", "x.yaml:3: invalid YAML: "),
    ],
)
def test_yaml_problems_name_the_line(tmp_path: Path, text: str, expected: str) -> None:
    assert load_error(tmp_path, text).startswith(expected)


def test_yaml_12_scalars(tmp_path: Path) -> None:
    # In YAML 1.1, 9:30 is 570 and `no` is false: drill files are read as YAML 1.2.
    text = GOOD.replace('start: "09:00", end: "10:00"', "start: 9:00, end: 10:00").replace(
        "deploy: {", "note: no\n  - at: 9:45\n    deploy: {"
    )
    drill = load_drill(write(tmp_path, text), faults=STUBS)
    assert (drill.clock.start, drill.clock.end) == (9 * 3600, 10 * 3600)
    assert drill.script[0].note == "no"


def test_a_runbook_beside_the_drill_wins(tmp_path: Path) -> None:
    (tmp_path / "drills").mkdir()
    (tmp_path / "runbooks").mkdir()
    bundled = Path(__file__).parents[2] / "runbooks" / "kill-switch.md"
    own = bundled.read_text().replace("title: Kill switch", "title: Our kill switch")
    (tmp_path / "runbooks" / "kill-switch.md").write_text(own)
    drill = load_drill(write(tmp_path / "drills", GOOD), faults=STUBS)
    assert drill.graded_against.title == "Our kill switch"


def test_a_runbook_by_relative_path(tmp_path: Path) -> None:
    bundled = Path(__file__).parents[2] / "runbooks" / "kill-switch.md"
    (tmp_path / "card.md").write_text(bundled.read_text())
    drill = load_drill(
        write(tmp_path, GOOD.replace("runbook: kill-switch", "runbook: ./card.md")),
        faults=STUBS,
    )
    assert drill.graded_against.name == "card"


def test_a_bad_runbook_is_reported_through_the_drill(tmp_path: Path) -> None:
    (tmp_path / "card.md").write_text("---\ntitle: t\nsummary: s\nsteps: []\n---\n")
    message = load_error(tmp_path, GOOD.replace("runbook: kill-switch", "runbook: card.md"))
    assert message.startswith("x.yaml: runbook: card.md: steps: ")


def test_without_registered_faults_the_message_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    with pytest.raises(ConfigError, match="no faults are registered"):
        load_drill(path, faults={})


class ExplodingParams(FaultParams):
    @model_validator(mode="before")
    @classmethod
    def _explode(cls, value: Any) -> Any:
        raise TypeError("boom")


def test_a_fault_whose_params_crash_is_still_one_line(tmp_path: Path) -> None:
    table = {
        **STUBS,
        "latency": type("Boom", (STUBS["latency"],), {"Params": ExplodingParams}),
    }
    path = write(tmp_path, GOOD)
    with pytest.raises(ConfigError) as caught:
        load_drill(path, faults=table)
    assert str(caught.value) == (
        "x.yaml: timeline[1].params: fault latency could not check them: TypeError: boom"
    )


def test_a_broken_registry_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> dict[str, Any]:
        raise TypeError("entry point boom = x:y is not a Fault class")

    monkeypatch.setattr(harness.drill.loader, "registry", broken)
    with pytest.raises(ConfigError, match="cannot load the fault registry: entry point boom"):
        load_drill(write(tmp_path, GOOD))
