"""``gameday down``: stop a topology and leave no process or port behind."""

from __future__ import annotations

import click

from harness.backends.registry import backend_named
from harness.cli.console import out
from harness.errors import UsageError
from harness.runstate import all_runs, load


@click.command()
@click.argument("run_id", required=False)
@click.option("--all", "all_", is_flag=True, help="Stop every run.")
def down(run_id: str | None, all_: bool) -> None:
    """Stop one running topology, or all of them."""
    if all_ == (run_id is not None):
        raise UsageError("give a RUN_ID or --all (see `gameday status`)")
    runs = all_runs() if all_ else [load(run_id or "")]
    for state in runs:
        backend_named(state.backend).down(state)
        out.print(f"{state.run_id}: down")
