"""``gameday list``: the bundled drills, one line each."""

from __future__ import annotations

import json
from pathlib import Path

import click
from pydantic import BaseModel, Field
from rich.markup import escape
from rich.table import Table

from harness.cli.console import out
from harness.drill.loader import bundled_drills, check_drill, parse_drill
from harness.drill.problems import display_path
from harness.errors import ConfigError


class DrillEntry(BaseModel):
    """One line of ``gameday list``; ``problem`` is set when the drill does not validate."""

    name: str
    description: str
    path: str
    controls: str | None = None
    runbook: str | None = None
    faults: list[str] = Field(default_factory=list)
    valid: bool
    problem: str | None = None


def entry(path: Path) -> DrillEntry:
    """A drill's line, also for a drill that does not validate (``valid`` false)."""
    shown = display_path(path)
    try:
        drill = parse_drill(path)
    except ConfigError as exc:
        return DrillEntry(name=path.stem, description="", path=shown, valid=False, problem=str(exc))
    problem: str | None = None
    try:
        check_drill(drill, path)
    except ConfigError as exc:
        problem = str(exc)
    return DrillEntry(
        name=drill.name,
        description=drill.summary,
        path=shown,
        controls=drill.controls,
        runbook=drill.runbook,
        faults=drill.fault_names(),
        valid=problem is None,
        problem=problem,
    )


@click.command(name="list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def list_drills(as_json: bool) -> None:
    """List the bundled drills with a one-line description."""
    entries = [entry(path) for path in bundled_drills()]
    if as_json:
        out.print_json(json.dumps([e.model_dump(mode="json") for e in entries]))
        return
    table = Table(box=None, pad_edge=False, show_header=True, header_style="bold")
    table.add_column("drill", style="cyan", no_wrap=True)
    table.add_column("description")
    table.add_column("runbook", no_wrap=True)
    for e in entries:
        description = e.description
        if e.problem:
            description += f"\n[red]not valid:[/] {escape(e.problem)}"
        table.add_row(e.name, description, e.runbook or "")
    out.print(table)
    out.print("\n[dim]gameday show NAME for the timeline; gameday run NAME to run it[/]")
