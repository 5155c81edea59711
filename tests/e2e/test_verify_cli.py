"""``gameday verify`` and ``gameday report`` in a subprocess, on a journal written by the writer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.journal import JournalWriter
from tests.unit.test_scoring_runs import knight_like


def gameday(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli.main", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "120"},
        check=False,
        timeout=60,
    )


def test_verify_then_tamper_then_report(tmp_path: Path) -> None:
    run = tmp_path / "run"
    with JournalWriter(run) as writer:
        for event in knight_like():
            writer.append(event)

    done = gameday("verify", str(run))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("intact: ")

    junit = tmp_path / "junit.xml"
    done = gameday("report", str(run), "--junit", str(junit), "--html")
    assert done.returncode == 1, done.stderr
    assert "Simulated vs SEC" in done.stdout and "Traceback" not in done.stderr
    assert json.loads((run / "report.json").read_text())["scores"]["grade"] == "F"
    assert ET.parse(junit).getroot().get("failures") == "3"
    assert (run / "report.html").is_file()

    journal = run / "journal.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    lines[-3] = lines[-3].replace(b'"adherence":0.1', b'"adherence":1.0')
    journal.write_bytes(b"".join(lines))
    done = gameday("verify", str(run))
    assert done.returncode == 1
    [line] = done.stderr.splitlines()
    assert f"line {len(lines) - 2}: record {len(lines) - 3} does not match its hash" in line
    assert "Traceback" not in done.stderr
