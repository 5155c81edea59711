"""A run's report, computed from its journal: ``report.json``, a terminal summary, JUnit, HTML."""

from __future__ import annotations

from harness.report.build import (
    REPORT_NAME,
    build_report,
    digest_of,
    read_report,
    write_report,
)
from harness.report.html import render_html, write_html
from harness.report.junit import junit_xml, write_junit
from harness.report.model import DIGEST_EXCLUDES, Outcome, Report
from harness.report.summary import print_summary, summary

__all__ = [
    "DIGEST_EXCLUDES",
    "REPORT_NAME",
    "Outcome",
    "Report",
    "build_report",
    "digest_of",
    "junit_xml",
    "print_summary",
    "read_report",
    "render_html",
    "summary",
    "write_html",
    "write_junit",
    "write_report",
]
