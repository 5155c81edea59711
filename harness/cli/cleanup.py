"""``gameday cleanup``: sweep what crashed or killed runs left behind."""

from __future__ import annotations

import click

from harness.backends.registry import backend_named
from harness.cli.console import out
from harness.runstate import all_runs, load


@click.command()
@click.option("--run", "run_id", help="Only this run (default: every run on record).")
def cleanup(run_id: str | None) -> None:
    """Stop every process, proxy and toxic of recorded runs and forget them.

    A run killed with SIGKILL cannot clean up after itself; its state file
    still names every process it started and its proxy server, which is what
    this sweeps. Running drills are stopped too.
    """
    runs = [load(run_id)] if run_id else all_runs()
    for state in runs:
        backend_named(state.backend).down(state)
        out.print(f"{state.run_id}: cleaned up ({len(state.services)} services)")
    if not runs:
        out.print("nothing to clean up")
