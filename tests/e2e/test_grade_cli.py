"""``gameday run --team``, ``history``, ``grade``, ``trends`` and the example CI suite."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def gameday(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli.main", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "GAMEDAY_HOME": str(home)},
        timeout=300,
    )


def test_run_history_grade_trends(tmp_path: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "run"
    args = ("run", "flag-reuse", "--backend", "sim", "--team", "blue", "--report-dir", str(out))
    assert gameday(home, *args).returncode == 0
    rows: list[dict[str, Any]] = json.loads(gameday(home, "history", "--json").stdout)
    assert [(r["team"], r["source"], r["drill"]) for r in rows] == [("blue", "cli", "flag-reuse")]
    run_id = rows[0]["run_id"]
    assert gameday(home, "history", "--team", "red", "--json").stdout.strip() == "[]"

    sheet = json.loads(gameday(home, "grade", run_id, "--json").stdout)
    (card,) = sheet["responders"]
    assert card["responder"] == "by-the-book" and card["grade"] == rows[0]["grade"]
    assert card["adherence"] == rows[0]["runbook_adherence"]
    assert [i["step"] for i in card["timeline"] if i["action"] == "kill_switch"] == ["halt"]
    table = gameday(home, "grade", str(out))
    assert table.returncode == 0 and "actions against the runbook" in table.stdout

    found = json.loads(gameday(home, "trends", "--json").stdout)
    assert {(t["kind"], t["name"]) for t in found} == {
        ("team", "blue"),
        ("responder", "by-the-book"),
    }
    assert found[0]["metrics"]["time_to_detect_s"]["count"] == 1

    # A tampered copy of the journal is refused with one line naming the bad record.
    bad = tmp_path / "bad"
    shutil.copytree(out, bad)
    journal = bad / "journal.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[5] = lines[5].replace(b'"seq":5', b'"seq":6')
    journal.write_bytes(b"".join(lines))
    refused = gameday(home, "grade", str(bad))
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1 and "line 6" in refused.stderr
    assert gameday(home, "grade", "gd-nope").returncode == 4


def test_example_ci_suite_passes_and_writes_junit(tmp_path: Path) -> None:
    xml = tmp_path / "resilience.xml"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(ROOT / "examples" / "ci"),
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(ROOT / "examples" / "ci"),
            "--gameday-backend",
            "sim",
            f"--junitxml={xml}",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "GAMEDAY_HOME": str(tmp_path / "home")},
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "Resilience summary" in done.stdout
    cases = list(ET.parse(xml).iter("testcase"))
    assert len(cases) == 2
    names = {p.get("name") for c in cases for p in c.iter("property")}
    assert "gameday.flag-reuse.time_to_detect_s" in names
