"""``gameday run`` end to end: the CLI in a subprocess, real processes, TCP and SSH.

The Knight drills run at 120 drill seconds per wall second so the suite stays
short; Knight's own morning (Knight's controls, nothing that measures drill
time against wall-clock lag) also runs the quiet pre-open stretch at 600
(``--fast-forward``). The knight-2012 drill at its own speed is measured in
docs/performance.md.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
FAST = ["--speed", "120"]
KNIGHT_FAST = [*FAST, "--fast-forward", "08:05-09:29"]


def gameday(home: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli.main", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "GAMEDAY_HOME": str(home)},
        timeout=timeout,
    )


def journal(report_dir: Path) -> list[dict[str, Any]]:
    lines = (report_dir / "journal.jsonl").read_text().splitlines()
    return [json.loads(line)["event"] for line in lines]


def services_left(home: Path) -> list[str]:
    """Processes still running whose command line mentions this test's state dir or run."""
    leftovers = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            env = (proc / "environ").read_bytes()
        except OSError:
            continue
        if "services." in cmd and str(home).encode() in env:
            leftovers.append(cmd)
    return leftovers


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def by_the_book(home: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = home / "btb"
    done = gameday(
        home, "run", "knight-2012", "--responder", "by-the-book", "--controls", "modern",
        "--report-dir", str(out), "--junit", str(home / "btb.xml"), *FAST,
    )  # fmt: skip
    return done, out


@pytest.fixture(scope="module")
def knight(home: Path) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = home / "knight"
    done = gameday(
        home, "run", "knight-2012", "--responder", "knight-2012", "--controls", "knight-2012",
        "--report-dir", str(out), *KNIGHT_FAST,
    )  # fmt: skip
    return done, out


def report_of(directory: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((directory / "report.json").read_text())
    return data


def test_by_the_book_with_modern_controls_passes_with_a_complete_report(
    by_the_book: tuple[subprocess.CompletedProcess[str], Path], home: Path
) -> None:
    done, out = by_the_book
    assert done.returncode == 0, done.stderr[-2000:]
    report = report_of(out)
    for key in (
        "run_id", "drill", "backend", "seed", "speed", "scale", "controls", "responder",
        "outcome", "scores", "impact", "faults", "actions", "expectations", "pnl_series",
        "digest",
    ):  # fmt: skip
        assert key in report, key
    assert report["outcome"] == "passed"
    assert set(report["scores"]) >= {
        "time_to_detect_s", "time_to_mitigate_s", "loss_usd", "runbook_adherence", "grade",
    }  # fmt: skip
    assert all(f["reverted_at"] is not None for f in report["faults"])
    minutes = (report["pnl_series"][-1][0] - report["pnl_series"][0][0]) / 60
    assert len(report["pnl_series"]) >= minutes
    assert "<testsuite" in (home / "btb.xml").read_text()
    assert gameday(home, "verify", str(out)).returncode == 0


def test_knight_responder_on_knight_controls_tells_the_knight_story(
    by_the_book: tuple[subprocess.CompletedProcess[str], Path],
    knight: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, out = knight
    assert done.returncode == 1, done.stderr[-2000:]  # its expectations fail
    good, bad = report_of(by_the_book[1])["scores"], report_of(out)["scores"]
    assert bad["loss_usd"] >= 20 * max(good["loss_usd"], 1.0)
    assert bad["loss_usd"] > 0
    assert good["time_to_detect_s"] is not None
    assert bad["time_to_detect_s"] is None or bad["time_to_detect_s"] >= 10 * max(
        good["time_to_detect_s"], 1.0
    )
    events = journal(out)
    speeds = [(e["at_us"], e["speed"]) for e in events if e["type"] == "clock_speed_changed"]
    assert [s for _, s in speeds] == [600.0, 120.0]
    # From 08:05, or at once if bringing the topology up took longer than that (the
    # clock runs from the first process's start); back on time, give or take a
    # scheduler's few ms of wall time at 600x.
    (fast_at, _), (normal_at, _) = speeds
    assert 8 * 3600 + 5 * 60 <= fast_at / 1e6 < 9 * 3600, speeds
    assert 0 <= normal_at / 1e6 - (9 * 3600 + 29 * 60) <= 60, speeds
    rollbacks = [
        e for e in events if e.get("action") == "rollback" and e["type"] == "responder_action"
    ]
    assert rollbacks, "the journal holds the rollback"
    at = rollbacks[0]["at_us"] / 1e6
    series = report_of(out)["pnl_series"]

    def loss_at(t: float) -> float:
        return max((loss for when, loss in series if when <= t), default=0.0)

    window = 600.0  # ten drill minutes either side of the rollback
    before = loss_at(at) - loss_at(at - window)
    after = loss_at(at + window) - loss_at(at)
    assert after > before, (before, after)


ASLEEP = ("flag-reuse", "--responder", "asleep", "--controls", "modern")


@pytest.fixture(scope="module")
def asleep(home: Path) -> Path:
    out = home / "asleep"
    done = gameday(home, "run", *ASLEEP, "--report-dir", str(out), *FAST)
    assert done.returncode in (0, 1), done.stderr[-2000:]
    return out


def test_asleep_with_modern_controls_is_saved_by_automation(asleep: Path) -> None:
    out = asleep
    scores = report_of(out)["scores"]
    assert scores["time_to_detect_s"] is not None and scores["time_to_detect_s"] <= 5
    assert scores["time_to_mitigate_s"] is not None
    assert scores["loss_usd"] < 100_000
    assert any(e["type"] == "kill_switch_thrown" and e["automatic"] for e in journal(out))


def test_sigint_mid_run_reverts_every_fault_and_leaves_nothing(home: Path) -> None:
    out = home / "interrupted"
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness.cli.main", "run", "knight-2012", "--report-dir",
         str(out), *FAST],
        env={**os.environ, "GAMEDAY_HOME": str(home)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    path = out / "journal.jsonl"
    while time.monotonic() < deadline:
        if path.exists() and '"fault_injected"' in path.read_text():
            break
        time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 2, stderr[-2000:]
    events = journal(out)
    injected = {e["fault_id"] for e in events if e["type"] == "fault_injected"}
    reverted = {e["fault_id"] for e in events if e["type"] == "fault_reverted"}
    assert injected and injected <= reverted
    assert events[-1]["type"] == "run_ended" and events[-1]["outcome"] == "interrupted"
    assert services_left(home) == []


def test_a_drill_with_a_wrong_field_is_exit_4_and_one_line(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    text = (Path(__file__).parents[2] / "drills" / "flag-reuse.yaml").read_text()
    bad.write_text(text.replace("runbook:", "runbok:"))
    done = gameday(home, "run", str(bad))
    assert done.returncode == 4
    assert done.stderr.strip().count("\n") == 0 and "runbok" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_edited_journal_fails_verification(
    by_the_book: tuple[subprocess.CompletedProcess[str], Path], home: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("journal.jsonl", "journal.head"):
        (copy / name).write_bytes((by_the_book[1] / name).read_bytes())
    lines = (copy / "journal.jsonl").read_text().splitlines()
    lines[3] = lines[3].replace('"wall":', '"wall": 1', 1)
    (copy / "journal.jsonl").write_text("\n".join(lines) + "\n")
    done = gameday(home, "verify", str(copy))
    assert done.returncode == 1 and "4" in done.stderr + done.stdout


def test_sim_and_local_agree_on_a_small_drill(asleep: Path, home: Path) -> None:
    """Stated tolerance: both detect within 5 drill seconds of the onset, both mitigate, each
    loses under $1,000, and both get the same grade."""
    out = home / "asleep-sim"
    done = gameday(home, "run", *ASLEEP, "--backend", "sim", "--report-dir", str(out))
    assert done.returncode in (0, 1), done.stderr[-2000:]
    sim, local = report_of(out)["scores"], report_of(asleep)["scores"]
    for scores in (sim, local):
        assert scores["time_to_detect_s"] is not None and scores["time_to_detect_s"] <= 5
        assert scores["time_to_mitigate_s"] is not None
        assert abs(scores["loss_usd"]) < 1_000
    assert sim["grade"] == local["grade"]
