"""Reports built from journals: outcome, faults and actions, SEC block, digest, files."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from harness.errors import UsageError
from harness.events import Event, KillSwitchThrown, MarketSnapshot, RunEnded, RunStarted
from harness.journal import JournalWriter, read_journal, verify
from harness.report import (
    DIGEST_EXCLUDES,
    build_report,
    print_summary,
    read_report,
    write_report,
)
from tests.unit.test_scoring_runs import by_the_book, knight_like


def test_a_knight_like_run_fails_its_expectations() -> None:
    report = build_report(knight_like())
    assert report.outcome == "failed"
    assert report.outcome_detail == "3 of 3 expectations failed"
    assert [r.ok for r in report.expectations] == [False, False, False]
    assert report.scores.grade == "F"
    assert (report.drill, report.seed, report.scale) == ("knight-2012", 7, 0.001)


def test_a_by_the_book_run_passes() -> None:
    report = build_report(by_the_book())
    assert report.outcome == "passed" and all(r.ok for r in report.expectations)
    assert report.scores.grade == "A"


def test_faults_and_actions_are_listed_with_their_drill_times() -> None:
    report = build_report(knight_like())
    [fault] = report.faults
    assert fault.name == "skip_server_on_deploy" and fault.params == {"host": "router-8"}
    assert fault.injected_at == 8 * 3600 + 2 and fault.reverted_at == 10 * 3600 + 20 * 60 + 1
    assert fault.revert_ok is True
    [action] = report.actions
    assert (action.responder, action.action, action.at) == ("knight-2012", "rollback", 35100.0)


def test_a_knight_drill_is_set_beside_the_sec_figures() -> None:
    report = build_report(knight_like())
    assert report.sec is not None
    rows = {row.figure: row for row in report.sec.rows}
    assert list(rows) == [
        "executions",
        "shares",
        "stocks",
        "net long",
        "net long stocks",
        "net short",
        "net short stocks",
        "loss",
        "duration",
    ]
    assert rows["executions"].sec == 4_000_000 and rows["executions"].sec_scaled == 4_000
    assert rows["stocks"].sec_scaled == 154 and rows["stocks"].simulated == 154
    assert rows["loss"].sec == 460_000_000
    assert rows["duration"].simulated == pytest.approx(2699.95)
    assert rows["net long"].ratio == pytest.approx(1.0)


def test_other_drills_have_no_sec_block() -> None:
    events = knight_like()
    first = events[0]
    assert isinstance(first, RunStarted)
    events[0] = first.model_copy(update={"drill": "flag-reuse"})
    assert build_report(events).sec is None


def test_the_digest_ignores_run_id_and_wall_clock_only() -> None:
    a = build_report(knight_like("gd-a", wall0=1_600_000_000.0))
    b = build_report(knight_like("gd-b", wall0=1_700_000_123.5))
    assert a.run_id != b.run_id and a.started_at != b.started_at
    assert a.digest == b.digest and len(a.digest) == 64
    assert {"run_id", "started_at", "ended_at", "journal", "digest"} == DIGEST_EXCLUDES
    events = knight_like("gd-a")
    last = max(i for i, e in enumerate(events) if isinstance(e, MarketSnapshot))
    snap = events[last]
    assert isinstance(snap, MarketSnapshot)
    events[last] = snap.model_copy(update={"loss_usd": snap.loss_usd + 0.01})
    assert build_report(events).digest != a.digest


def test_a_journal_that_stops_early_is_an_interrupted_run() -> None:
    events = [e for e in knight_like() if not isinstance(e, RunEnded)]
    report = build_report(events[: len(events) // 2])
    assert report.outcome == "interrupted"
    assert "crashed" in report.outcome_detail
    assert report.scores.time_to_mitigate_s is None


def test_a_run_that_ended_in_error_says_so() -> None:
    events = knight_like()
    events[-1] = RunEnded(at_us=events[-1].at_us, wall=0.0, outcome="error", detail="boom")
    report = build_report(events)
    assert (report.outcome, report.outcome_detail) == ("error", "boom")


def test_without_run_started_there_is_nothing_to_report() -> None:
    with pytest.raises(UsageError, match="no run_started"):
        build_report(knight_like()[1:])


def test_a_crashed_runs_torn_journal_still_reports(tmp_path: Path) -> None:
    events = [e for e in knight_like() if not isinstance(e, RunEnded)][:200]
    with JournalWriter(tmp_path) as writer:
        for event in events:
            writer.append(event)
    journal = tmp_path / "journal.jsonl"
    journal.write_bytes(journal.read_bytes() + b'{"event":{"at_us":')
    check = verify(tmp_path)
    report = build_report(read_journal(tmp_path).events, journal=check)
    assert report.outcome == "interrupted"
    assert report.journal is not None and not report.journal.intact
    assert report.journal.records == 200 and "line 201: torn" in (report.journal.problem or "")


def test_report_json_reads_back_equal(tmp_path: Path) -> None:
    report = build_report(knight_like())
    path = write_report(report, tmp_path)
    assert path == tmp_path / "report.json"
    data = json.loads(path.read_text())
    for key in ("run_id", "drill", "backend", "seed", "speed", "scale", "controls", "responder"):
        assert key in data
    assert set(data["scores"]) >= {
        "time_to_detect_s",
        "time_to_mitigate_s",
        "loss_usd",
        "runbook_adherence",
        "grade",
    }
    assert set(data["impact"]) == {
        "executions",
        "shares",
        "symbols",
        "net_long_usd",
        "net_long_symbols",
        "net_short_usd",
        "net_short_symbols",
    }
    assert data["pnl_series"][0] == [34200.0, 0.0]
    assert read_report(tmp_path) == report


def test_the_timeline_has_milestones_and_no_snapshots() -> None:
    report = build_report(by_the_book())
    kinds = [e.type for e in report.timeline]
    assert "market_snapshot" not in kinds
    texts = [e.text for e in report.timeline if e.type == "milestone"]
    assert texts[0].startswith("runaway onset") and texts[1].startswith("detected: gate control")
    assert [e.at for e in report.timeline] == sorted(e.at for e in report.timeline)


def summary_text(events: list[Event]) -> str:
    console = Console(record=True, width=120, file=io.StringIO())
    print_summary(build_report(events), console)
    return console.export_text()


def test_the_summary_shows_scores_expectations_and_the_sec_block() -> None:
    text = summary_text(knight_like())
    for needed in ("FAILED", "time to detect", "45 min 0 s", "✗", "Simulated vs SEC", "$460.00m"):
        assert needed in text
    text = summary_text(by_the_book())
    assert "✓" in text and "PASSED" in text


def test_the_summary_prints_journal_text_literally() -> None:
    events = knight_like()
    first = events[0]
    assert isinstance(first, RunStarted)
    events[0] = first.model_copy(update={"drill": "knight [bold]x[/bold]", "responder": "[/y]"})
    kill = next(i for i, e in enumerate(events) if isinstance(e, KillSwitchThrown))
    events[kill] = events[kill].model_copy(update={"by": "[red]ops[/]"})
    text = summary_text(events)
    assert "knight [bold]x[/bold]" in text and "responder [/y]" in text
    assert "(kill switch by [red]ops[/])" in text


def test_a_report_that_is_not_one_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "report.json").write_text('{"drill": 3}')
    with pytest.raises(UsageError, match=r"report.json: run_id: Field required"):
        read_report(tmp_path)
    with pytest.raises(UsageError, match="no report"):
        read_report(tmp_path / "nowhere")
