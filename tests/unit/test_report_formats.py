"""JUnit XML and HTML renderings of a report."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.events import AlertRaised, Event, RunEnded
from harness.journal import JournalProblem, VerifyResult
from harness.report import build_report, junit_xml, render_html, write_html, write_junit
from harness.report.svg import nice_step, pnl_chart
from tests.unit.test_scoring_runs import by_the_book, knight_like

HOSTILE = '<script>alert("x")</script> & ]]> [bold]markup[/]\x00\x1b'


def hostile_run() -> list[Event]:
    events = knight_like()
    at = events[5].at_us
    alert = AlertRaised(
        at_us=at, wall=0.0, channel="email", kind="k", source="router-8", text=HOSTILE
    )
    return [*events[:5], alert, *events[5:]]


def test_junit_has_one_case_per_expectation_and_parses(tmp_path: Path) -> None:
    path = write_junit(build_report(knight_like()), tmp_path / "ci" / "junit.xml")
    root = ET.parse(path).getroot()
    assert root.tag == "testsuites"
    [suite] = root.findall("testsuite")
    assert suite.get("name") == "gameday.knight-2012"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [
        "time_to_detect_s <= 60 s",
        "time_to_mitigate_s <= 300 s",
        "grade >= C",
        "drill run",
    ]
    assert suite.get("tests") == "4" and suite.get("failures") == "3" and suite.get("errors") == "0"
    failure = cases[0].find("failure")
    assert failure is not None and failure.get("message") == "time_to_detect_s was 2699.95 s"
    assert cases[3].find("failure") is None and cases[3].find("error") is None
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["grade"] == "F (9.6/100)" and props["run_id"] == "gd-knight"


def test_junit_of_a_passing_run_has_no_failures() -> None:
    suite = ET.fromstring(junit_xml(build_report(by_the_book()))).find("testsuite")
    assert suite is not None and suite.get("failures") == "0" and suite.get("errors") == "0"


def test_junit_marks_an_interrupted_run_and_a_broken_journal() -> None:
    events = [e for e in knight_like() if not isinstance(e, RunEnded)]
    broken = VerifyResult(
        Path("j"), 3, "ab" * 32, JournalProblem("edited", 4, "record 3 does not match its hash")
    )
    root = ET.fromstring(junit_xml(build_report(events, journal=broken)))
    cases = {c.get("name"): c for c in root.iter("testcase")}
    run_error = cases["drill run"].find("error")
    assert run_error is not None and run_error.get("type") == "interrupted"
    journal_failure = cases["journal integrity"].find("failure")
    assert journal_failure is not None
    assert journal_failure.get("message") == "line 4: record 3 does not match its hash"
    assert root.get("errors") == "1" and root.get("failures") == "4"


def test_junit_survives_hostile_text() -> None:
    events = hostile_run()
    events[-1] = RunEnded(at_us=events[-1].at_us, wall=0.0, outcome="error", detail=HOSTILE)
    root = ET.fromstring(junit_xml(build_report(events)))
    error = next(root.iter("error"))
    assert error.get("message", "").startswith('<script>alert("x")</script> & ]]>')


def test_html_is_one_self_contained_page_with_chart_and_timeline(tmp_path: Path) -> None:
    path = write_html(build_report(knight_like()), tmp_path / "report.html")
    page = path.read_text()
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    for external in ("<script", "src=", "href=", "<link", "url(", "@import", "http://", "https://"):
        assert external not in page, external
    [svg] = re.findall(r"<svg.*?</svg>", page, re.S)
    ET.fromstring(svg)  # well-formed
    assert "<polyline" in svg and ">onset</text>" in svg and "fault skip_server_on_deploy" in svg
    assert "Simulated vs SEC" in page and "&#10007;" in page
    assert "kill switch thrown by knight-2012" in page
    assert page.count("<tr>") > 100


def test_html_escapes_what_the_journal_says() -> None:
    page = render_html(build_report(hostile_run()))
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp;" in page


def test_a_run_without_snapshots_gets_a_note_instead_of_a_chart() -> None:
    assert "no market snapshots" in pnl_chart([])


def test_chart_steps_are_round() -> None:
    assert nice_step(460_000) == 100_000
    assert nice_step(3.2) == 1.0
    assert nice_step(0) == 1.0
