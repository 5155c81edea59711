"""``gameday trends``: distributions over history per team and per responder."""

from __future__ import annotations

import json

import click
from rich.table import Table

from harness.cli.console import out
from harness.history import HistoryStore
from harness.history.trends import GRADE_ORDER, Distribution, Trend, trends

_LABELS = {
    "time_to_detect_s": "detect (s)",
    "time_to_mitigate_s": "mitigate (s)",
    "loss_usd": "loss ($)",
    "adherence": "adherence",
}


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"


def _table(trend: Trend) -> Table:
    grades = "  ".join(f"{g}:{trend.grades.get(g, 0)}" for g in GRADE_ORDER)
    who = trend.name or "(no team)"
    table = Table(
        title=f"{trend.kind} {who}: {trend.runs} runs; grades {grades}", title_justify="left"
    )
    table.add_column("metric")
    for column in ("n", "never", "min", "p25", "median", "p75", "max"):
        table.add_column(column, justify="right")
    table.add_column("oldest → newest")
    for key, label in _LABELS.items():
        d: Distribution = trend.metrics[key]
        table.add_row(
            label,
            str(d.count),
            str(d.never),
            *(_num(v) for v in (d.min, d.p25, d.median, d.p75, d.max)),
            d.sparkline,
        )
    return table


@click.command(name="trends")
@click.option("--team", help="Only this team's runs.")
@click.option("--drill", help="Only runs of this drill.")
@click.option("--json", "as_json", is_flag=True, help="Print the trends as JSON.")
def trends_command(team: str | None, drill: str | None, as_json: bool) -> None:
    """Distributions of detect, mitigate, loss, adherence and grades, per team and responder."""
    found = trends(HistoryStore().runs(team=team, drill=drill))
    if as_json:
        out.print_json(json.dumps([t.model_dump(mode="json") for t in found]))
        return
    if not found:
        out.print("no runs in history yet")
    for trend in found:
        out.print(_table(trend))
