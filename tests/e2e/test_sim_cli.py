"""The ``sim`` backend through the CLI: bit-for-bit repeatable, and in step with ``local``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow


def run(home: Path, out: Path, *args: str) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli.main", "run", *args, "--report-dir", str(out)],
        capture_output=True,
        text=True,
        env={**os.environ, "GAMEDAY_HOME": str(home)},
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    report: dict[str, Any] = json.loads((out / "report.json").read_text())
    return report


def test_same_seed_same_report_other_seed_other_digest(tmp_path: Path) -> None:
    args = ("flag-reuse", "--backend", "sim", "--responder", "by-the-book")
    first = run(tmp_path, tmp_path / "a", *args)
    second = run(tmp_path, tmp_path / "b", *args)
    other = run(tmp_path, tmp_path / "c", *args, "--seed", "99")
    assert first["run_id"] != second["run_id"]
    for key in ("digest", "scores", "impact", "pnl_series", "faults", "actions"):
        assert first[key] == second[key], key
    assert other["digest"] != first["digest"]
    assert not list((tmp_path / "runs").glob("*")), "a simulated run left state behind"
