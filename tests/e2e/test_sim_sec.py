"""A small knight-2012 morning on the ``sim`` backend, set beside the SEC's figures.

The full-scale morning and its calibration are in docs/calibration.md (minutes of
CPU, not for the suite). At scale 0.05 the flow plans 11 RLP parents before the
open (one lands on router-8) and a few after it, so the runaway is small and its
figures scaled by 0.05 are noisy; the band below only says that the report sets
every SEC figure beside a simulated one and that the runaway is of Knight's order
of magnitude at its scale.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SCALE = 0.05
FIGURES = {
    "executions",
    "shares",
    "stocks",
    "net long",
    "net long stocks",
    "net short",
    "net short stocks",
    "loss",
    "duration",
}
# Figures that grow with the flow (the SEC figure is scaled by the drill's scale).
EXTENSIVE = {"executions", "shares", "net long", "net short", "loss"}


def test_a_small_knight_morning_reports_the_sec_figures_in_a_sane_band(tmp_path: Path) -> None:
    out = tmp_path / "report"
    done = subprocess.run(
        [
            sys.executable, "-m", "harness.cli.main", "run", "knight-2012",
            "--backend", "sim", "--responder", "knight-2012", "--controls", "knight-2012",
            "--scale", str(SCALE), "--report-dir", str(out),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "GAMEDAY_HOME": str(tmp_path / "home"), "COLUMNS": "120"},
        timeout=300,
    )  # fmt: skip
    # Knight's responder fails the drill's expectations: exit 1, a report all the same.
    assert done.returncode == 1, done.stderr[-2000:]
    assert "Simulated vs SEC (scale 0.05)" in done.stdout

    report = json.loads((out / "report.json").read_text())
    sec = report["sec"]
    assert sec["scale"] == SCALE
    rows = {row["figure"]: row for row in sec["rows"]}
    assert set(rows) == FIGURES
    for name, row in rows.items():
        scaled = row["sec"] * SCALE if name in EXTENSIVE else row["sec"]
        assert row["sec_scaled"] == pytest.approx(scaled), name
        assert row["simulated"] is not None and row["simulated"] > 0, name
        assert row["ratio"] == pytest.approx(row["simulated"] / row["sec_scaled"], abs=1e-6)
    for name in EXTENSIVE:
        assert 0.1 <= rows[name]["ratio"] <= 10.0, (name, rows[name])
    # About 100 shares an execution, as on the day (397 M shares in 4 M executions).
    assert 95 <= rows["shares"]["simulated"] / rows["executions"]["simulated"] <= 100
    # From the 09:30 open to the kill switch at 10:15.
    assert rows["duration"]["ratio"] == pytest.approx(1.0, abs=0.05)
    # A few dozen parents cannot touch Knight's 154 stocks, but they touch some.
    assert 1 <= rows["stocks"]["simulated"] <= 154
