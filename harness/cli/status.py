"""``gameday status``: the topologies that are up, and whether each process lives."""

from __future__ import annotations

import json

import click

from harness.backends.registry import backend_named
from harness.cli.console import out
from harness.cli.up import services_table
from harness.runstate import all_runs, load


@click.command()
@click.argument("run_id", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def status(run_id: str | None, as_json: bool) -> None:
    """Show running topologies and the state of each service."""
    runs = [load(run_id)] if run_id else all_runs()
    if as_json:
        payload = []
        for state in runs:
            alive = backend_named(state.backend).alive(state)
            summary = state.summary()
            for name, svc in summary["services"].items():
                svc["alive"] = alive.get(name, False)
            payload.append(summary)
        out.print_json(json.dumps(payload))
        return
    if not runs:
        out.print("nothing is up")
        return
    for state in runs:
        out.print(services_table(state, backend_named(state.backend).alive(state)))
