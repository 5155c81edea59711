"""The report as a terminal summary (rich): outcome, scores, impact, expectations, SEC."""

from __future__ import annotations

from typing import Final

from rich import box
from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from harness.report import fmt
from harness.report.model import Outcome, Report

OUTCOME_STYLE: Final[dict[Outcome, str]] = {
    "passed": "bold green",
    "failed": "bold red",
    "interrupted": "bold yellow",
    "error": "bold magenta",
}
GRADE_STYLE: Final = {"A": "green", "B": "green", "C": "yellow", "D": "red", "F": "bold red"}


def _row(table: Table, *cells: str | Text) -> None:
    # Text cells: names and details come from the journal and must never be read as markup.
    table.add_row(*(c if isinstance(c, Text) else Text(c) for c in cells))


def _header(report: Report) -> Text:
    text = Text()
    text.append(f"{report.drill}", style="bold")
    text.append(f"  run {report.run_id}  {report.backend}  seed {report.seed}  ")
    text.append(f"x{report.speed:g}  scale {report.scale:g}\n")
    text.append(f"controls {report.controls}  responder {report.responder}  ")
    text.append(f"{fmt.clock(report.drill_start)} to {fmt.clock(report.drill_end)}\n")
    text.append(report.outcome.upper(), style=OUTCOME_STYLE[report.outcome])
    if report.outcome_detail:
        text.append(f"  {report.outcome_detail}")
    if report.abort_reason:
        text.append(f"\naborted: {report.abort_reason}", style="yellow")
    return text


def _scores(report: Report) -> Table:
    s = report.scores
    table = Table(title="Scores", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("measure")
    table.add_column("value", justify="right")
    onset = "no runaway" if s.onset_s is None else fmt.clock(s.onset_s)
    _row(table, "onset", onset)
    detect = fmt.seconds(s.time_to_detect_s)
    if s.detected_by:
        detect += f" ({s.detected_by})"
    _row(table, "time to detect", detect)
    _row(table, "time to acknowledge", fmt.seconds(s.time_to_acknowledge_s))
    _row(table, "time to mitigate", fmt.seconds(s.time_to_mitigate_s))
    _row(table, "loss", fmt.usd(s.loss_usd))
    _row(table, "runbook adherence", fmt.adherence(s.runbook_adherence))
    grade = Text(s.grade, style=GRADE_STYLE[s.grade])
    grade.append(f" ({s.points:g}/100)", style="dim")
    _row(table, "grade", grade)
    return table


def _impact(report: Report) -> Table:
    i = report.impact
    table = Table(title="Impact (unintended trading)", box=box.SIMPLE_HEAD, title_justify="left")
    for column in ("executions", "shares", "stocks", "net long", "net short"):
        table.add_column(column, justify="right")
    _row(
        table,
        fmt.count(i.executions),
        fmt.count(i.shares),
        fmt.count(i.symbols),
        f"{fmt.usd(i.net_long_usd)} in {i.net_long_symbols}",
        f"{fmt.usd(i.net_short_usd)} in {i.net_short_symbols}",
    )
    return table


def _expectations(report: Report) -> RenderableType:
    if not report.expectations:
        return Text("no expectations", style="dim")
    table = Table(title="Expectations", box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("")
    table.add_column("expectation")
    table.add_column("result")
    for result in report.expectations:
        mark = Text("✓", style="green") if result.ok else Text("✗", style="bold red")
        _row(table, mark, result.name, result.detail)
    return table


def _sec(report: Report) -> RenderableType | None:
    if report.sec is None:
        return None
    table = Table(
        title=f"Simulated vs SEC (scale {report.sec.scale:g})",
        caption=report.sec.source,
        box=box.SIMPLE_HEAD,
        title_justify="left",
    )
    table.add_column("figure")
    for column in ("simulated", "SEC at scale", "SEC", "ratio"):
        table.add_column(column, justify="right")
    for row in report.sec.rows:
        _row(
            table,
            row.figure,
            fmt.figure(row.simulated, row.unit),
            fmt.figure(row.sec_scaled, row.unit),
            fmt.figure(row.sec, row.unit),
            fmt.ratio(row.ratio),
        )
    return table


def _journal(report: Report) -> Text | None:
    if report.journal is None:
        return None
    j = report.journal
    if j.intact:
        return Text(f"journal intact: {j.records} records, head {j.head[:12]}", style="dim")
    return Text(f"journal NOT intact: {j.problem}", style="bold red")


def summary(report: Report) -> RenderableType:
    """Everything the terminal shows about a report, as one renderable."""
    parts = [
        Panel(_header(report), title="gameday report", title_align="left"),
        _scores(report),
        _impact(report),
        _expectations(report),
        _sec(report),
        _journal(report),
    ]
    return Group(*(p for p in parts if p is not None))


def print_summary(report: Report, console: Console) -> None:
    console.print(summary(report))
