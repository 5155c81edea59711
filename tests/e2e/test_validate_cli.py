"""``gameday validate`` in a subprocess: exit codes and one line per bad file, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]

DRILL = """\
name: quiet
description: Nothing breaks; the desk opens.
controls: modern
clock: {start: "09:25", end: "09:40", speed: 30}
runbook: runaway-orders
script:
  - at: market_open
    note: The open.
expectations:
  - loss_usd < 1
"""


def gameday(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli.main", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


def test_a_valid_drill_and_the_shipped_runbooks(tmp_path: Path) -> None:
    (tmp_path / "quiet.yaml").write_text(DRILL)
    done = gameday(tmp_path, "validate", "quiet.yaml", str(ROOT / "runbooks"))
    assert done.returncode == 0, done.stderr
    assert "ok quiet.yaml (drill quiet)" in done.stdout
    assert "(runbook runaway-orders)" in done.stdout
    assert done.stderr == ""


def test_a_wrong_field_is_one_line_naming_file_and_field(tmp_path: Path) -> None:
    broken = DRILL.replace("runbook: runaway-orders", "runbok: runaway-orders")
    (tmp_path / "broken.yaml").write_text(broken)
    done = gameday(tmp_path, "validate", "broken.yaml")
    assert done.returncode == 4
    assert done.stderr.splitlines() == [
        "error: broken.yaml: runbok: unknown field; did you mean 'runbook'?"
    ]
    assert "Traceback" not in done.stdout + done.stderr


def test_several_bad_files(tmp_path: Path) -> None:
    (tmp_path / "syntax.yaml").write_text(DRILL.replace("controls: modern", "controls: [modern"))
    (tmp_path / "metric.yaml").write_text(DRILL.replace("loss_usd < 1", "los_usd < 1"))
    (tmp_path / "quiet.yaml").write_text(DRILL)
    done = gameday(tmp_path, "validate", "syntax.yaml", "metric.yaml", "quiet.yaml")
    assert done.returncode == 4
    lines = done.stderr.splitlines()
    assert len(lines) == 2, done.stderr
    assert lines[0].startswith("error: syntax.yaml:4: invalid YAML: ")
    assert lines[1].startswith(
        "error: metric.yaml: expectations[0]: unknown metric 'los_usd'; did you mean 'loss_usd'?"
    )
    assert "ok quiet.yaml" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
