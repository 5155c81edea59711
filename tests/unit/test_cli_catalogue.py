"""``gameday list | show | validate | faults`` in-process, through ``main([...])``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import harness.cli.catalogue
import harness.cli.show
import harness.drill.loader
from faults.registry import registry
from harness.cli import console
from harness.cli.catalogue import parameters, type_of
from harness.cli.main import main
from harness.drill.loader import bundled_drills
from tests.unit.drill_fakes import fault_table

ROOT = Path(__file__).parents[2]


def stub_catalogue() -> list[dict[str, Any]]:
    return [
        {"name": n, "summary": c.summary, "params": c.Params.model_json_schema()}
        for n, c in sorted(fault_table().items())
    ]


@pytest.fixture
def faults(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Knight faults as stand-ins where they are not installed yet."""
    monkeypatch.setattr(harness.drill.loader, "registry", fault_table)
    monkeypatch.setattr(harness.cli.show, "registry", fault_table)
    monkeypatch.setattr(harness.cli.catalogue, "catalogue", stub_catalogue)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_list(faults: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list")
    assert code == 0
    for path in bundled_drills():
        assert path.stem in out
    assert "runaway-orders" in out
    assert "not valid" not in out


def test_list_json(faults: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list", "--json")
    assert code == 0
    entries = {e["name"]: e for e in json.loads(out)}
    knight = entries["knight-2012"]
    assert knight["valid"] is True
    assert knight["runbook"] == "runaway-orders"
    assert knight["description"].startswith("The whole morning of 1 August 2012")
    assert "skip_server_on_deploy" in knight["faults"]


def test_list_marks_a_drill_whose_faults_are_missing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(harness.drill.loader, "registry", dict)
    code, out, _ = run(capsys, "list", "--json")
    assert code == 0
    knight = {e["name"]: e for e in json.loads(out)}["knight-2012"]
    assert knight["valid"] is False
    assert "unknown fault 'skip_server_on_deploy'" in knight["problem"]


def test_show(
    faults: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(console.out, "width", 200)
    code, out, _ = run(capsys, "show", "knight-2012")
    assert code == 0
    for text in (
        "knight-2012",
        "08:00:30",
        "deploy 2012.07 (legacy)",
        "skip_server_on_deploy",
        "repurposed_flag",
        "time_to_detect_s <= 60",
        "runbook runaway-orders",
        "verify-builds",
        "rollback-unverified",
    ):
        assert text in out, text


def test_show_json(faults: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "knight-2012", "--json")
    assert code == 0
    shown = json.loads(out)
    assert shown["drill"]["name"] == "knight-2012"
    assert shown["drill"]["clock"]["start"] == "08:00:00"
    assert [row["at"] for row in shown["schedule"]] == sorted(r["at"] for r in shown["schedule"])
    assert shown["schedule"][0]["what"] == 'skip_server_on_deploy {"router": "router-8"}'
    assert shown["runbook"]["steps"][0]["id"] == "halt"
    assert shown["source"].endswith("drills/knight-2012.yaml")


def test_show_an_unknown_drill(faults: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "show", "knight-2021")
    assert code == 4
    assert "no drill named 'knight-2021'; did you mean 'knight-2012'?" in err
    assert "Traceback" not in err


def test_validate_the_shipped_files(faults: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "validate", str(ROOT / "drills"), str(ROOT / "runbooks"))
    assert code == 0, err
    assert out.count("\nok ") + out.startswith("ok ") == len(bundled_drills()) + 4
    assert err == ""


def test_validate_reports_each_bad_file_on_one_line(
    faults: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = ROOT / "drills" / "flag-reuse.yaml"
    bad = tmp_path / "bad.yaml"
    bad.write_text(good.read_text().replace("controls: modern", "controls: modren"))
    book = tmp_path / "book.md"
    book.write_text("# no front matter\n")
    code, out, err = run(capsys, "validate", str(good), str(bad), str(book), "nope.txt")
    assert code == 4
    assert "ok " in out
    lines = err.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("error: ") and "bad.yaml: controls: expected" in lines[0]
    assert "book.md:1: expected YAML front matter" in lines[1]
    assert lines[2] == "error: nope.txt: no such file"


def test_validate_by_name_and_unknown_kinds(
    faults: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "validate", "knight-2012")[0] == 0
    other = tmp_path / "x.txt"
    other.write_text("hello")
    code, _, err = run(capsys, "validate", str(other))
    assert code == 4
    assert "expected a drill (.yaml, .yml) or a runbook (.md)" in err
    code, _, err = run(capsys, "validate", "silent-deplo")
    assert code == 4
    assert "did you mean 'silent-deploy'?" in err


def test_validate_needs_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate")
    assert code == 4
    assert "Missing argument" in err


def test_faults_lists_every_parameter(faults: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "faults")
    assert code == 0
    for entry in stub_catalogue():
        assert entry["name"] in out
        for name in entry["params"].get("properties", {}):
            assert name in out
    assert '"refuse" | "reset"' in out


def test_faults_json_and_one_fault(faults: None, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "faults", "--json")
    assert code == 0
    assert {e["name"] for e in json.loads(out)} == set(fault_table())
    code, out, _ = run(capsys, "faults", "drop_ssh", "--json")
    (entry,) = json.loads(out)
    assert entry["params"]["required"] == ["router"]
    code, _, err = run(capsys, "faults", "drop_shh")
    assert code == 4
    assert "unknown fault 'drop_shh'; did you mean 'drop_ssh'?" in err


def test_the_real_registry_is_listed_whole(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "faults", "--json")
    assert code == 0
    listed = {e["name"]: e for e in json.loads(out)}
    assert set(listed) == set(registry())
    for name, cls in registry().items():
        assert listed[name]["params"] == cls.Params.model_json_schema()


@pytest.mark.parametrize(
    ("schema", "text"),
    [
        ({"type": "integer", "minimum": 1}, "integer (>= 1)"),
        ({"enum": ["a", "b"]}, '"a" | "b"'),
        ({"anyOf": [{"type": "string"}, {"type": "null"}]}, "string | null"),
        (
            {"type": "array", "items": {"type": "string"}, "minItems": 1},
            "list[string] (items >= 1)",
        ),
        ({"$ref": "#/$defs/Mode"}, '"x" | "y"'),
        ({"type": "object", "additionalProperties": {"type": "number"}}, "mapping[string, number]"),
    ],
)
def test_type_of(schema: dict[str, Any], text: str) -> None:
    assert type_of(schema, {"Mode": {"enum": ["x", "y"]}}) == text


def test_parameters_mark_required_and_defaults() -> None:
    schema = fault_table()["drop_ssh"].Params.model_json_schema()
    rows = {row["name"]: row for row in parameters(schema)}
    assert rows["router"]["default"] == "required"
    assert rows["mode"]["default"] == '"refuse"'
