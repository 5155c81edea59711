"""``gameday cleanup``: sweep what crashed or killed runs left behind."""

from __future__ import annotations

import click

from harness.backends.registry import backend_named
from harness.cli.console import err, out
from harness.errors import GamedayError, RunNotFound
from harness.runstate import RunState, all_runs, load


@click.command()
@click.option("--run", "run_id", help="Only this run (default: every run on record).")
def cleanup(run_id: str | None) -> None:
    """Stop every process, proxy, toxic and container of recorded runs and forget them.

    A run killed with SIGKILL cannot clean up after itself; its state file
    still names every process it started and its proxy server, which is what
    this sweeps. Running drills are stopped too. On a machine with a Docker
    Engine, every container, network and volume labelled ``gameday.run`` (or
    ``gameday.run=RUN`` with --run) goes as well, recorded or not.
    """
    runs = _runs(run_id)
    failed: GamedayError | None = None
    for state in runs:
        try:
            backend_named(state.backend).down(state)
        except GamedayError as exc:  # one run's trouble must not keep the others running
            err.print(f"[red]{state.run_id}: {exc}[/]")
            failed = failed or exc
            continue
        out.print(f"{state.run_id}: cleaned up ({len(state.services)} services)")
    from harness.backends.docker_engine import sweep_engine  # the SDK only here

    swept = sweep_engine(run_id)
    if swept:
        out.print(
            f"docker: removed {len(swept.containers)} containers, {len(swept.networks)}"
            f" networks, {len(swept.volumes)} volumes labelled gameday.run"
        )
    if run_id is not None and not runs and not swept:
        raise RunNotFound(f"no run {run_id!r} on record or in the Docker Engine")
    if not runs and not swept:
        out.print("nothing to clean up")
    if failed is not None:
        raise failed


def _runs(run_id: str | None) -> list[RunState]:
    if run_id is None:
        return all_runs()
    try:
        return [load(run_id)]
    except RunNotFound:
        return []  # its containers may still be in the engine
