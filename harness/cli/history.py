"""``gameday history``: the runs recorded in history, newest first."""

from __future__ import annotations

import json

import click
from rich.table import Table

from harness.cli.console import out
from harness.history import HistoryRow, HistoryStore


def seconds(value: float | None) -> str:
    return "never" if value is None else f"{value:.1f} s"


def dollars(value: float) -> str:
    return f"${value:,.0f}"


def _table(rows: list[HistoryRow]) -> Table:
    table = Table(title=f"History ({len(rows)} runs)", title_justify="left")
    for column in ("run", "started", "drill", "team", "responders", "backend", "controls"):
        table.add_column(column)
    for column in ("detect", "mitigate", "loss", "adherence", "grade"):
        table.add_column(column, justify="right")
    table.add_column("outcome")
    table.add_column("source")
    for r in rows:
        table.add_row(
            r.run_id,
            (r.started_at or "")[:19].replace("T", " "),
            r.drill,
            r.team or "-",
            ", ".join(p.name for p in r.responders) or r.responder,
            r.backend,
            r.controls,
            seconds(r.time_to_detect_s),
            seconds(r.time_to_mitigate_s),
            dollars(r.loss_usd),
            "-" if r.runbook_adherence is None else f"{r.runbook_adherence:.0%}",
            r.grade,
            r.outcome,
            r.source,
        )
    return table


@click.command()
@click.option("--team", help="Only this team's runs.")
@click.option("--drill", help="Only runs of this drill.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the runs as JSON.")
def history(team: str | None, drill: str | None, limit: int, as_json: bool) -> None:
    """The drill runs recorded in history ($GAMEDAY_HOME/history.sqlite), newest first."""
    rows = HistoryStore().runs(team=team, drill=drill, limit=limit)
    if as_json:
        out.print_json(json.dumps([r.model_dump(mode="json") for r in rows]))
    else:
        out.print(_table(rows))
