"""Knight's morning on the docker backend, through the CLI: the same story as on local.

The same expectations as ``tests/e2e/test_run_cli.py``: by the book with modern
controls passes; Knight's responder on Knight's controls loses at least 20
times more, with the rollback in the journal. At 120x; Knight's own morning also
runs the quiet pre-open stretch at 600x (``--fast-forward``), as on local.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from .support import NOTHING, gameday, journal, labelled, report_of

FAST = ["--backend", "docker", "--speed", "120"]
# A whole morning in containers (bring-up, 140 drill minutes at 120x, teardown) is
# longer than the suite's default limit per test.
pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("home")


@pytest.fixture(scope="module")
def by_the_book(home: Path, services_image: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = home / "btb"
    done = gameday(
        home, "run", "knight-2012", "--responder", "by-the-book", "--controls", "modern",
        "--report-dir", str(out), *FAST,
    )  # fmt: skip
    return done, out


@pytest.fixture(scope="module")
def knight(home: Path, services_image: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    out = home / "knight"
    done = gameday(
        home, "run", "knight-2012", "--responder", "knight-2012", "--controls", "knight-2012",
        "--report-dir", str(out), *FAST, "--fast-forward", "08:05-09:29",
    )  # fmt: skip
    return done, out


def test_by_the_book_with_modern_controls_passes_on_docker(
    by_the_book: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, out = by_the_book
    assert done.returncode == 0, done.stderr[-3000:]
    report = report_of(out)
    assert report["backend"] == "docker" and report["outcome"] == "passed"
    assert all(f["reverted_at"] is not None for f in report["faults"])
    assert labelled(report["run_id"]) == NOTHING


def test_knight_responder_on_knight_controls_tells_the_knight_story_on_docker(
    by_the_book: tuple[subprocess.CompletedProcess[str], Path],
    knight: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    done, out = knight
    assert done.returncode == 1, done.stderr[-3000:]  # its expectations fail
    good, bad = report_of(by_the_book[1])["scores"], report_of(out)["scores"]
    assert bad["loss_usd"] >= 20 * max(good["loss_usd"], 1.0)
    rollbacks = [
        e for e in journal(out) if e["type"] == "responder_action" and e.get("action") == "rollback"
    ]
    assert rollbacks, "the journal holds the rollback"
    assert labelled(report_of(out)["run_id"]) == NOTHING
