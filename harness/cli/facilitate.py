"""The facilitator's commands: ``gameday pause``, ``resume``, ``speed``, ``hint``, ``debrief``.

``pause``, ``resume`` and ``hint`` act on a running drill through its control
API with the facilitator's token (``gameday watch RUN --facilitator`` offers
the same from the keyboard); ``debrief`` tells the story of a finished or
running run from its journal.
"""

from __future__ import annotations

import click
from rich.table import Table

from harness.cli.console import out
from harness.cli.control_client import request
from harness.cli.grade import report_dir_of
from harness.errors import UsageError
from harness.report.debrief import Debrief, debrief_run, format_time
from harness.runner.control_api import FACILITATOR


def _clock(run_id: str, action: str, token: str | None, speed: float | None = None) -> None:
    body: dict[str, object] = {"action": action}
    if speed is not None:
        body["speed"] = speed
    status, answer = request(run_id, "POST", "/clock", body, role=FACILITATOR, token=token)
    if status != 200:
        raise UsageError(f"drill {run_id}: {answer.get('error', answer)}")
    state = "paused" if answer.get("paused") else "running"
    note = "" if answer.get("changed") else " (it already was)"
    out.print(f"drill {run_id}: clock {state} at {answer.get('speed', 0):g}x{note}")


_TOKEN = click.option(
    "--token", envvar="GAMEDAY_FACILITATOR_TOKEN", help="The facilitator's token, if handed one."
)


@click.command()
@click.argument("run_id")
@_TOKEN
def pause(run_id: str, token: str | None) -> None:
    """Stop drill time for every process of drill RUN_ID (the desk is frozen)."""
    _clock(run_id, "pause", token)


@click.command()
@click.argument("run_id")
@_TOKEN
def resume(run_id: str, token: str | None) -> None:
    """Let drill time run again in drill RUN_ID."""
    _clock(run_id, "resume", token)


@click.command()
@click.argument("run_id")
@click.argument("speed", type=float)
@_TOKEN
def speed(run_id: str, speed: float, token: str | None) -> None:
    """Run drill RUN_ID at SPEED drill seconds per wall second from now (fast-forward)."""
    _clock(run_id, "speed", token, speed)


@click.command()
@click.argument("run_id")
@click.argument("text")
@click.option("--to", default="", help="The responder it is for (default: everyone).")
@_TOKEN
def hint(run_id: str, text: str, to: str, token: str | None) -> None:
    """Give the responders of drill RUN_ID a hint; it shows in their view and the journal."""
    status, answer = request(
        run_id, "POST", "/hint", {"text": text, "to": to}, role=FACILITATOR, token=token
    )
    if status != 200:
        raise UsageError(f"drill {run_id}: {answer.get('error', answer)}")
    out.print(f"drill {run_id}: hint given to {to or 'everyone'}")


def print_debrief(debrief: Debrief) -> None:
    table = Table(
        title=f"debrief of {debrief.run_id} ({debrief.drill})",
        title_justify="left",
    )
    for column in ("time", "who", "what", "against the runbook"):
        table.add_column(column)
    for line in debrief.lines:
        style = "red" if line.runbook.startswith("FORBIDDEN") else None
        table.add_row(format_time(line.at_s), line.who, line.text, line.runbook, style=style)
    out.print(table)
    for card in debrief.sheet.responders:
        adherence = "-" if card.adherence is None else f"{card.adherence:.0%}"
        broke = ", ".join(f.rule for f in card.forbidden) or "none"
        out.print(
            f"{card.responder}: grade {card.grade} ({card.points:g}/100), adherence "
            f"{adherence}, {card.actions} actions, skipped {', '.join(card.steps_skipped) or '-'}"
            f", forbidden {broke}",
            markup=False,
            soft_wrap=True,
        )


@click.command()
@click.argument("run")
@click.option("--json", "as_json", is_flag=True, help="Print the debrief as JSON.")
def debrief(run: str, as_json: bool) -> None:
    """The debrief of RUN (a run id from history or a report directory)."""
    story = debrief_run(report_dir_of(run))
    if as_json:
        out.print_json(story.model_dump_json())
    else:
        print_debrief(story)
