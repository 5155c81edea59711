"""The report as JUnit XML, so a CI system shows each expectation as a test.

One ``testsuite`` per run (named ``gameday.<drill>``): one ``testcase`` per
expectation (a ``failure`` when it did not hold), one for the run itself (an
``error`` when it was interrupted or crashed), and one for the journal's
integrity when the report was checked against its journal.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from harness.report import fmt
from harness.report.model import Report

# XML 1.0 cannot hold most control characters, not even escaped; alert texts may.
_NOT_XML = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _case(suite: ET.Element, classname: str, name: str) -> ET.Element:
    attrs = {"classname": _clean(classname), "name": _clean(name), "time": "0"}
    return ET.SubElement(suite, "testcase", attrs)


def junit_xml(report: Report) -> str:
    """The JUnit XML document of a report, as text."""
    classname = f"gameday.{report.drill}"
    suite = ET.Element("testsuite", {"name": classname, "skipped": "0"})
    props = ET.SubElement(suite, "properties")
    s = report.scores
    for key, value in (
        ("run_id", report.run_id),
        ("backend", report.backend),
        ("seed", str(report.seed)),
        ("controls", report.controls),
        ("responder", report.responder),
        ("outcome", report.outcome),
        ("grade", f"{s.grade} ({s.points:g}/100)"),
        ("time_to_detect", fmt.seconds(s.time_to_detect_s)),
        ("time_to_mitigate", fmt.seconds(s.time_to_mitigate_s)),
        ("loss", fmt.usd(s.loss_usd)),
        ("digest", report.digest),
    ):
        ET.SubElement(props, "property", {"name": key, "value": _clean(value)})

    failures = errors = 0
    for result in report.expectations:
        case = _case(suite, classname, result.name)
        if not result.ok:
            failures += 1
            detail = _clean(result.detail)
            failure = ET.SubElement(
                case, "failure", {"message": detail, "type": "ExpectationFailed"}
            )
            failure.text = _clean(f"expected {result.name}; {result.detail}")
    run = _case(suite, classname, "drill run")
    if report.outcome in ("interrupted", "error"):
        errors += 1
        detail = _clean(report.outcome_detail or report.outcome)
        ET.SubElement(run, "error", {"message": detail, "type": report.outcome}).text = detail
    if report.journal is not None:
        case = _case(suite, classname, "journal integrity")
        if not report.journal.intact:
            failures += 1
            message = _clean(report.journal.problem or "journal not intact")
            ET.SubElement(case, "failure", {"message": message, "type": "JournalTampered"})

    tests = len(suite.findall("testcase"))
    counts = {"tests": str(tests), "failures": str(failures), "errors": str(errors)}
    suite.attrib.update({**counts, "time": f"{report.duration_s:.3f}"})
    if report.started_at:
        # JUnit's schema wants a local date-time without a zone; it is UTC.
        suite.set("timestamp", report.started_at[:19])
    root = ET.Element("testsuites", {"name": "gameday", **counts})
    root.append(suite)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def write_junit(report: Report, path: str | Path) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(junit_xml(report), encoding="utf-8")
    return target
