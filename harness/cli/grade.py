"""``gameday grade RUN``: a scorecard per responder, from the run's verified journal.

RUN is a run id recorded in history or a report directory. A journal that
fails verification is refused (exit 1, one line naming its first bad record).
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table

from harness.cli.console import out
from harness.cli.history import dollars, seconds
from harness.drill.timing import format_time_of_day
from harness.errors import RunNotFound
from harness.grading import GradeSheet, ResponderCard, grade_run
from harness.history import HistoryStore


def report_dir_of(run: str) -> Path:
    """RUN as a report directory: an existing directory, else a run id from history."""
    path = Path(run)
    if path.is_dir():
        return path
    row = HistoryStore().get(run)
    if row is None:
        raise RunNotFound(f"{run}: neither a report directory nor a run id in history")
    return Path(row.report_path)


def _names(ids: tuple[str, ...]) -> str:
    return ", ".join(ids) or "-"


def _card(card: ResponderCard) -> Table:
    adherence = "-" if card.adherence is None else f"{card.adherence:.0%}"
    table = Table(
        title=f"{card.responder}: grade {card.grade} ({card.points:g}/100), adherence {adherence}",
        title_justify="left",
        show_header=False,
    )
    table.add_column("measure")
    table.add_column("value")
    table.add_row("time to acknowledge", seconds(card.time_to_acknowledge_s))
    table.add_row("time to detect", seconds(card.time_to_detect_s))
    table.add_row("time to mitigate", seconds(card.time_to_mitigate_s))
    table.add_row("loss", dollars(card.loss_usd))
    table.add_row("steps done", _names(card.steps_done))
    table.add_row("steps late", _names(card.steps_late))
    table.add_row("steps out of order", _names(card.steps_out_of_order))
    table.add_row("steps skipped", _names(card.steps_skipped))
    table.add_row(
        "forbidden actions", _names(tuple(f"{f.rule} ({f.action})" for f in card.forbidden))
    )
    return table


def _timeline(card: ResponderCard) -> Table:
    table = Table(title=f"{card.responder}: actions against the runbook", title_justify="left")
    for column in ("time", "action", "ok", "runbook step", "status", "forbidden"):
        table.add_column(column)
    for item in card.timeline:
        args = " ".join(f"{k}={v}" for k, v in item.args.items() if k != "reason")
        table.add_row(
            format_time_of_day(item.at_s),
            f"{item.action} {args}".strip(),
            "yes" if item.ok else "no",
            item.step or "-",
            item.status or "-",
            item.forbidden or "",
        )
    return table


def print_sheet(sheet: GradeSheet) -> None:
    team = "-" if sheet.team_adherence is None else f"{sheet.team_adherence:.0%}"
    out.print(
        f"{sheet.run_id} ({sheet.drill}, runbook {sheet.runbook or 'none'}): "
        f"run grade {sheet.team_grade}, combined adherence {team}; "
        f"journal intact, {sheet.journal_records} records",
        soft_wrap=True,
        markup=False,
    )
    for card in sheet.responders:
        out.print(_card(card))
        out.print(_timeline(card))


@click.command()
@click.argument("run")
@click.option("--json", "as_json", is_flag=True, help="Print the grade sheet as JSON.")
def grade(run: str, as_json: bool) -> None:
    """Grade each responder of RUN (a run id from history or a report directory)."""
    sheet = grade_run(report_dir_of(run))
    if as_json:
        out.print_json(sheet.model_dump_json())
    else:
        print_sheet(sheet)
