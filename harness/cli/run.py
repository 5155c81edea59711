"""``gameday run``: one drill from the command line, scored and reported."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Literal

import click
from rich.live import Live
from rich.markup import escape

from harness.cli.console import err, out
from harness.cli.live import LiveView
from harness.cli.report import OUTCOME_EXIT
from harness.drill.loader import load_drill
from harness.errors import GamedayError, UsageError
from harness.history import record_run
from harness.journal import read_journal, verify
from harness.report import build_report, print_summary, write_html, write_junit, write_report
from harness.responders.registry import responder_named
from harness.runner.facilitator import MAX_SPEED
from harness.runner.run import DrillRun, RunOptions
from services.clock import US, format_hhmmss, parse_hhmm


@click.command()
@click.argument("drill")
@click.option(
    "--backend",
    default="local",
    show_default=True,
    help="local (processes on 127.0.0.1), docker (containers) or sim (one process, virtual clock).",
)
@click.option("--responder", default="by-the-book", show_default=True, help="Who responds.")
@click.option(
    "--controls", type=click.Choice(["knight-2012", "modern"]), help="Risk controls profile."
)
@click.option("--seed", type=int, help="Seed (default: the drill's).")
@click.option("--speed", type=float, help="Drill seconds per wall second (default: the drill's).")
@click.option("--scale", type=float, help="Order-flow volume multiplier (default: the drill's).")
@click.option("--report-dir", type=click.Path(path_type=Path), help="Where the report goes.")
@click.option("--junit", type=click.Path(path_type=Path), help="Also write JUnit XML here.")
@click.option("--html", is_flag=True, help="Also write report.html.")
@click.option("--team", default="", help="Team the run is recorded under in history.")
@click.option(
    "--people",
    default="",
    help="With --responder human: the people on the desk, comma-separated (each gets a token).",
)
@click.option(
    "--fast-forward",
    "fast_forward",
    metavar="HH:MM-HH:MM",
    help="Run this quiet stretch of drill time at --fast-forward-speed (local backend).",
)
@click.option(
    "--fast-forward-speed",
    type=float,
    default=600.0,
    show_default=True,
    help="Drill seconds per wall second during --fast-forward.",
)
# The scheduler runs drills through this command and records them as its own.
@click.option("--source", type=click.Choice(["cli", "schedule"]), default="cli", hidden=True)
@click.pass_context
def run(
    ctx: click.Context,
    drill: str,
    backend: str,
    responder: str,
    controls: str | None,
    seed: int | None,
    speed: float | None,
    scale: float | None,
    report_dir: Path | None,
    junit: Path | None,
    html: bool,
    team: str,
    people: str,
    fast_forward: str | None,
    fast_forward_speed: float,
    source: Literal["cli", "schedule"],
) -> int:
    """Run DRILL (a name from `gameday list` or a file), score it, write the report."""
    if backend not in ("local", "docker", "sim"):
        raise UsageError(f"--backend: unknown backend {backend!r} (known: docker, local, sim)")
    if backend == "sim" and responder == "human":
        raise UsageError("--responder human: a person cannot act on the sim backend's clock")
    names = _people(people)
    if names and responder != "human":
        raise UsageError("--people: only a human drill has people acting (--responder human)")
    loaded = load_drill(drill)
    window = _window(fast_forward, loaded.clock.start, loaded.clock.end, fast_forward_speed)
    chosen = responder_named(responder, loaded.graded_against)
    options = RunOptions(
        drill=loaded,
        responder=chosen,
        backend=backend,
        controls=controls,
        seed=seed,
        speed=speed,
        scale=scale,
        report_dir=report_dir,
        people=names,
        fast_forward=window,
        fast_forward_speed=fast_forward_speed,
    )
    started = time.monotonic()
    if err.is_terminal:
        title = f"{loaded.name}: {chosen.name} responding, {controls or loaded.controls} controls"
        view = LiveView(title, int(loaded.clock.start * US))
        with Live(view, console=err, refresh_per_second=4):
            directory = DrillRun(options, log=view.log, on_tick=view.update).execute()
    else:
        directory = DrillRun(options, log=lambda line: err.print(line, highlight=False)).execute()
    journal = directory / "journal.jsonl"
    report = build_report(read_journal(journal).events, journal=verify(journal))
    write_report(report, directory)
    if junit is not None:
        write_junit(report, junit)
    if html:
        write_html(report, directory / "report.html")
    print_summary(report, out)
    try:
        record_run(directory, source=source, team=team, report=report)
    except GamedayError as exc:  # the drill's verdict stands without its history entry
        err.print(f"[yellow]warning:[/] not recorded in history: {escape(str(exc))}")
    err.print(f"report: {directory} ({time.monotonic() - started:.0f} s)")
    code = int(OUTCOME_EXIT[report.outcome])
    ctx.exit(code)
    return code


def _people(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    for name in names:
        if len(name) > 64 or not name.replace("-", "").replace("_", "").replace(".", "").isalnum():
            raise UsageError(f"--people: {name!r} is not a name (letters, digits, - _ . only)")
    if len(set(names)) != len(names):
        raise UsageError("--people: a name is listed twice")
    return names


def _window(text: str | None, start_s: float, end_s: float, speed: float) -> tuple[int, int] | None:
    """``--fast-forward HH:MM-HH:MM`` as drill µs, inside the drill's clock."""
    if text is None:
        return None
    if not 0 < speed <= MAX_SPEED:
        raise UsageError(f"--fast-forward-speed: expected a number in (0, {MAX_SPEED:g}]")
    first, sep, last = text.partition("-")
    try:
        if not sep:
            raise ValueError("expected FROM-TO")
        begin, finish = parse_hhmm(first.strip()), parse_hhmm(last.strip())
    except ValueError as exc:
        raise UsageError(f"--fast-forward: {exc}, e.g. 08:05-09:29") from None
    if not start_s * US <= begin < finish <= end_s * US:
        raise UsageError(
            f"--fast-forward: {text} is not an interval inside the drill's "
            f"{format_hhmmss(int(start_s * US))}-{format_hhmmss(int(end_s * US))}"
        )
    return begin, finish
