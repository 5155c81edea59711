"""Turning a finished run's report directory into a history row, and storing it."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from harness.errors import GamedayError
from harness.grading.models import GradeSheet
from harness.grading.scorecard import grade_events
from harness.history.models import HistoryRow, ResponderRow, Source
from harness.history.store import HistoryStore
from harness.journal import journal_path, read_journal
from harness.report import Report, read_report


def row_of(
    report: Report,
    report_dir: Path,
    *,
    source: Source,
    team: str = "",
    sheet: GradeSheet | None = None,
) -> HistoryRow:
    """The history row of ``report``; ``sheet`` adds each responder's own grade."""
    graded = {c.responder: c for c in sheet.responders} if sheet else {}
    names = sorted({report.responder, *(a.responder for a in report.actions), *graded})
    s = report.scores
    return HistoryRow(
        run_id=report.run_id,
        drill=report.drill,
        team=team,
        responder=report.responder,
        responders=tuple(
            ResponderRow(
                name=n,
                grade=graded[n].grade if n in graded else None,
                adherence=graded[n].adherence if n in graded else None,
            )
            for n in names
        ),
        backend=report.backend,
        controls=report.controls,
        seed=report.seed,
        outcome=report.outcome,
        grade=s.grade,
        points=s.points,
        time_to_detect_s=s.time_to_detect_s,
        time_to_acknowledge_s=s.time_to_acknowledge_s,
        time_to_mitigate_s=s.time_to_mitigate_s,
        loss_usd=s.loss_usd,
        runbook_adherence=s.runbook_adherence,
        report_path=str(report_dir.resolve()),
        started_at=report.started_at,
        ended_at=report.ended_at,
        source=source,
    )


def _sheet(report_dir: Path) -> GradeSheet | None:
    try:
        return grade_events(read_journal(journal_path(report_dir)).events)
    except (GamedayError, ValidationError, OSError):
        # The run is still worth remembering without per-responder grades.
        return None


def record_run(
    report_dir: str | Path,
    *,
    source: Source,
    team: str = "",
    report: Report | None = None,
    store: HistoryStore | None = None,
) -> HistoryRow:
    """Add the run in ``report_dir`` (its ``report.json`` unless ``report`` is given)."""
    directory = Path(report_dir)
    final = report if report is not None else read_report(directory)
    row = row_of(final, directory, source=source, team=team, sheet=_sheet(directory))
    (store or HistoryStore()).add(row, scores=final.scores.model_dump(mode="json"))
    return row
