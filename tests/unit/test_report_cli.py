"""``gameday verify`` and ``gameday report``, in-process through ``main``."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.events import Event, RunEnded
from harness.journal import JournalWriter
from tests.unit.test_scoring_runs import by_the_book, knight_like


def journal_of(directory: Path, events: list[Event]) -> Path:
    with JournalWriter(directory) as writer:
        for event in events:
            writer.append(event)
    return directory


def test_verify_an_intact_journal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = journal_of(tmp_path / "run", by_the_book())
    assert main(["verify", str(run)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("intact: ") and f"{len(by_the_book())} records" in out


def test_verify_names_the_first_bad_record_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = journal_of(tmp_path / "run", by_the_book())
    journal = run / "journal.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    edited = lines[8].replace(b'"by":"by-the-book"', b'"by":"someone-else"')
    assert edited != lines[8]
    lines[8] = edited
    journal.write_bytes(b"".join(lines))
    assert main(["verify", str(journal)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    message = f"error: {journal}: line 9: record 8 does not match its hash (edited)"
    assert captured.err.splitlines() == [message]


def test_verify_without_a_journal_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["verify", str(tmp_path)]) == 4
    assert "no journal at" in capsys.readouterr().err


def test_report_writes_report_junit_and_html_and_exits_with_the_outcome(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = journal_of(tmp_path / "run", knight_like())
    junit = tmp_path / "ci" / "junit.xml"
    assert main(["report", str(run), "--junit", str(junit), "--html"]) == 1
    captured = capsys.readouterr()
    assert "FAILED" in captured.out and "Simulated vs SEC" in captured.out
    assert "journal intact" in captured.out
    assert captured.err.splitlines() == ["error: run failed: 3 of 3 expectations failed"]
    report = json.loads((run / "report.json").read_text())
    assert report["outcome"] == "failed" and report["journal"]["intact"] is True
    assert report["journal"]["records"] == len(knight_like())
    assert ET.parse(junit).getroot().get("failures") == "3"
    assert (run / "report.html").read_text().startswith("<!DOCTYPE html>")


def test_report_of_a_passing_run_exits_0_and_can_print_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = journal_of(tmp_path / "run", by_the_book())
    assert main(["report", str(run), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["outcome"] == "passed" and printed["scores"]["grade"] == "A"
    assert printed == json.loads((run / "report.json").read_text())


def test_report_of_a_crashed_run_is_interrupted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = [e for e in knight_like() if not isinstance(e, RunEnded)][:150]
    run = journal_of(tmp_path / "run", events)
    journal = run / "journal.jsonl"
    journal.write_bytes(journal.read_bytes() + b'{"event":{"at_us":3')
    assert main(["report", str(run)]) == 2
    captured = capsys.readouterr()
    assert "INTERRUPTED" in captured.out and "torn" in captured.out
    assert "not intact" not in captured.err
    assert json.loads((run / "report.json").read_text())["outcome"] == "interrupted"


def test_report_of_a_tampered_journal_warns_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = journal_of(tmp_path / "run", by_the_book())
    journal = run / "journal.jsonl"
    lines = journal.read_bytes().splitlines(keepends=True)
    del lines[10]
    journal.write_bytes(b"".join(lines))
    assert main(["report", str(run)]) == 1
    assert "journal not intact: line 11" in capsys.readouterr().err


def test_report_without_a_journal_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", str(tmp_path)]) == 4
    assert "no journal at" in capsys.readouterr().err
