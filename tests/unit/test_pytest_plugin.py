"""The gameday pytest plugin, driven through ``pytester`` on real ``sim`` runs.

One inner session holds every case, so the drill runs once (about 8 s): the
marker, the tightened marker and the fixture all ask for the same run, which the
plugin shares on the deterministic ``sim`` backend.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.history import HistoryStore

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.slow

SUITE = """
import pytest

@pytest.mark.drill("flag-reuse", responder="by-the-book", controls="modern",
                   expect=["time_to_detect_s <= 30", "grade >= B"])
def test_marker_passes(gameday):
    assert gameday.marked.scores.grade in ("A", "B")

@pytest.mark.drill("flag-reuse", responder="by-the-book", controls="modern",
                   expect=["time_to_detect_s <= 0.001", "loss_usd < 1_000_000", "points >= 99.5"])
def test_tightened_fails():
    pass

def test_fixture(gameday):
    report = gameday.run("flag-reuse", responder="by-the-book", controls="modern",
                         expect=["runbook_adherence >= 0.75"])
    assert report.outcome == "passed"
    assert report.impact.executions >= 0
    assert all(e.ok for e in report.expectations)
"""


def test_plugin_session(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    home = pytester.path / "home"
    monkeypatch.setenv("GAMEDAY_HOME", str(home))
    pytester.makepyfile(test_resilience=SUITE)
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--junitxml=resilience.xml", "--gameday-team", "ci", "-rf"
    )
    result.assert_outcomes(passed=2, failed=1)
    out = result.stdout.str()
    # The failure lists each failed expectation, readably, without a traceback.
    result.stdout.fnmatch_lines(
        [
            "*drill flag-reuse (responder by-the-book, controls modern, backend sim, run gd-*):"
            " 2 of 3 expectations failed",
            "*FAILED time_to_detect_s <= 0.001: time_to_detect_s was *",
            "*FAILED points >= 99.5: points was *",
        ]
    )
    assert "loss_usd < 1_000_000:" not in out.split("Resilience summary")[0].split("FAILED")[-1]
    assert "Traceback" not in out
    # The summary: one line per use, the shared ones marked as such.
    result.stdout.fnmatch_lines(
        [
            "*Resilience summary*",
            "flag-reuse*by-the-book*modern*detect*mitigate*loss*grade A*pass*test_marker_passes",
            "flag-reuse*FAIL*(shared run)*test_tightened_fails",
            "flag-reuse*pass*(shared run)*test_fixture",
        ]
    )
    # JUnit XML carries the scores as properties of each test case.
    tree = ET.parse(pytester.path / "resilience.xml")
    cases = {c.get("name"): c for c in tree.iter("testcase")}
    assert set(cases) == {"test_marker_passes", "test_tightened_fails", "test_fixture"}
    props = {p.get("name"): p.get("value") for p in cases["test_marker_passes"].iter("property")}
    assert props["gameday.flag-reuse.grade"] == "A"
    assert float(props["gameday.flag-reuse.time_to_detect_s"] or "nan") <= 30
    assert props["gameday.flag-reuse.run_id"].startswith("gd-")
    # One run, shared by three tests, recorded once in history with source pytest.
    rows = HistoryStore(home / "history.sqlite").runs()
    assert [(r.drill, r.source, r.team) for r in rows] == [("flag-reuse", "pytest", "ci")]


def test_unused_plugin_changes_nothing(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        "[pytest]\naddopts = --strict-markers --strict-config\nfilterwarnings = error\n"
    )
    pytester.makepyfile("def test_plain():\n    assert True\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert "Resilience summary" not in result.stdout.str()


def test_bad_expectation_is_one_readable_failure(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_typo(gameday):
            gameday.run("flag-reuse", expect=["time_to_detekt_s <= 30"])
        def test_unknown_drill(gameday):
            gameday.run("no-such-drill")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(
        [
            "*gameday: bad expectation 'time_to_detekt_s <= 30': *did you mean*",
            "*gameday: drill no-such-drill: *",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_marker_is_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest("--markers")
    result.stdout.fnmatch_lines(["@pytest.mark.drill(name, responder=*"])
    assert Path(pytester.path).is_dir()
