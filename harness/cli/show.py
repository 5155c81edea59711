"""``gameday show DRILL``: the drill's settings, timeline, faults, expectations and runbook."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from faults.registry import registry
from harness.cli.console import out
from harness.drill.expectations import METRIC_MEANINGS
from harness.drill.loader import load_drill
from harness.drill.models import Drill
from harness.drill.problems import display_path
from harness.drill.timing import When, format_duration, format_time_of_day
from harness.runbook.models import Runbook


def schedule(drill: Drill) -> list[dict[str, str]]:
    """Faults and scripted actions in drill-time order; those waiting for an event come last."""
    rows: list[tuple[float, int, dict[str, str]]] = []

    def add(when: When, order: int, row: dict[str, str]) -> None:
        at = drill.resolve(when)
        shown = when.text if at is None else format_time_of_day(at)
        if at is not None and when.time_s is None:
            shown = f"{shown} ({when.text})"
        rows.append((float("inf") if at is None else at, order, {"at": shown, **row}))

    for i, step in enumerate(drill.timeline):
        revert = "at the end"
        if step.duration is not None:
            revert = f"after {format_duration(step.duration)}"
        elif step.until is not None:
            revert = f"at {step.until.text}"
        params = json.dumps(step.params, separators=(", ", ": ")) if step.params else ""
        what = f"{step.fault} {params}".strip()
        add(step.at, i, {"kind": "fault", "what": what, "revert": revert, "note": step.note})
    for j, scripted in enumerate(drill.script):
        row = {"kind": "script", "what": scripted.describe(), "revert": "", "note": ""}
        add(scripted.at, len(drill.timeline) + j, row)
    return [row for _, _, row in sorted(rows, key=lambda r: (r[0], r[1]))]


def _settings(drill: Drill) -> Table:
    clock = drill.clock
    span = clock.end - clock.start
    wall = format_duration(round(span / clock.speed))
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold")
    table.add_column()
    rows = [
        ("controls", drill.controls),
        ("topology", f"{drill.topology.routers} routers on {drill.topology.initial_build}"),
        (
            "clock",
            f"{format_time_of_day(clock.start)} to {format_time_of_day(clock.end)} "
            f"at {clock.speed:g}x ({format_duration(span)} of drill time, about {wall} wall)",
        ),
        ("seed, scale", f"{drill.seed}, {drill.scale:g}"),
        ("runbook", drill.runbook),
    ]
    if drill.abort.max_loss_usd is not None:
        rows.append(("abort at loss", f"${drill.abort.max_loss_usd:,.0f}"))
    if drill.abort.max_duration is not None:
        rows.append(("abort after", format_duration(drill.abort.max_duration)))
    for key, value in rows:
        table.add_row(key, escape(value))
    return table


def _timeline(drill: Drill) -> Table:
    table = Table(title="timeline", title_justify="left", title_style="bold")
    for column in ("at", "", "what", "reverted", "why"):
        table.add_column(column)
    for row in schedule(drill):
        kind = "[magenta]fault[/]" if row["kind"] == "fault" else "[blue]script[/]"
        table.add_row(row["at"], kind, escape(row["what"]), row["revert"], escape(row["note"]))
    return table


def _faults(drill: Drill) -> Table:
    known = registry()
    table = Table(title="faults", title_justify="left", title_style="bold")
    table.add_column("fault", style="magenta")
    table.add_column("what it does")
    for name in drill.fault_names():
        cls = known.get(name)
        table.add_row(name, cls.summary if cls is not None else "[dim]not registered here[/]")
    return table


def _expectations(drill: Drill) -> Table:
    table = Table(title="expectations", title_justify="left", title_style="bold")
    table.add_column("expectation", style="cyan")
    table.add_column("metric")
    for expectation in drill.expectations:
        table.add_row(escape(expectation.name), METRIC_MEANINGS[expectation.metric])
    return table


def _runbook(book: Runbook) -> list[Table]:
    steps = Table(title=f"runbook {book.name}: {book.title}", title_justify="left")
    steps.title_style = "bold"
    for column in ("step", "action", "deadline", "after", "title"):
        steps.add_column(column)
    for step in book.steps:
        name = step.id if step.required else f"{step.id} [dim](optional)[/]"
        actions = " or ".join(a.value for a in step.action)
        if step.args:
            actions += " " + ", ".join(f"{k}={v}" for k, v in step.args.items())
        deadline = str(step.deadline) if step.deadline else ""
        steps.add_row(name, escape(actions), deadline, ", ".join(step.requires), step.title)
    forbidden = Table(title="forbidden", title_justify="left", title_style="bold")
    for column in ("rule", "action", "when", "penalty", "why"):
        forbidden.add_column(column)
    for rule in book.forbidden:
        action = rule.action.value + "".join(f" {k}={v}" for k, v in rule.args.items())
        when = "during the incident" if rule.during == "incident" else "always"
        if rule.unless:
            when += f", unless after {', '.join(rule.unless)}"
        forbidden.add_row(rule.id, escape(action), when, f"{rule.penalty:g}", rule.reason)
    return [steps, forbidden] if book.forbidden else [steps]


def as_json(drill: Drill) -> dict[str, Any]:
    book = drill.graded_against
    return {
        "drill": drill.model_dump(mode="json"),
        "source": display_path(drill.source) if drill.source else None,
        "schedule": schedule(drill),
        "runbook": book.model_dump(mode="json"),
    }


@click.command()
@click.argument("drill_name", metavar="DRILL")
@click.option("--json", "print_json", is_flag=True, help="Print the drill and its runbook as JSON.")
def show(drill_name: str, print_json: bool) -> None:
    """Show a drill (a bundled name or a file): timeline, faults, expectations, runbook."""
    drill = load_drill(drill_name)
    if print_json:
        out.print_json(json.dumps(as_json(drill)))
        return
    out.print(f"[bold cyan]{drill.name}[/]: {escape(drill.summary)}")
    rest = drill.description.strip().splitlines()[1:]
    if rest:
        out.print(escape(" ".join(line.strip() for line in rest)), style="dim")
    out.print()
    out.print(_settings(drill))
    for table in (_timeline(drill), _faults(drill), _expectations(drill)):
        out.print()
        out.print(table)
    for table in _runbook(drill.graded_against):
        out.print()
        out.print(table)
