"""``gameday schedule ...``: add, list, pause, resume and remove schedules; their log.

The ``schedule`` commands edit ``$GAMEDAY_HOME/schedules.sqlite`` directly, with
or without a scheduler running; a running scheduler sees each change within
one poll (``gameday scheduler``, ``harness/cli/scheduler.py``).
``docs/schedules.md`` explains windows, blackouts and misfires. The job store
is imported inside the commands: every other ``gameday`` command would
otherwise load SQLAlchemy.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from rich.markup import escape

from harness.cli.console import err, out
from harness.cli.schedule_tables import game_days_table, schedules_table, when
from harness.drill.files import looks_like_path
from harness.drill.loader import load_drill
from harness.drill.timing import parse_duration
from harness.errors import UsageError
from harness.history import HistoryStore
from harness.responders.registry import responder_named
from harness.schedule.checks import check_starts
from harness.schedule.models import DEFAULT_GRACE_S, DEFAULT_TIMEZONE, ScheduleInfo, ScheduleSpec
from harness.schedule.trigger import GameDayTrigger
from harness.schedule.windows import TimeRange

if TYPE_CHECKING:
    from harness.schedule.store import ScheduleStore


def _store() -> ScheduleStore:
    from harness.schedule.store import ScheduleStore

    return ScheduleStore()


def duration_option(option: str, text: str, minimum: float) -> float:
    try:
        value = parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None
    if value < minimum:
        raise UsageError(f"{option}: expected at least {minimum:g}s, got {text!r}")
    return value


def _zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(
            f"--timezone: unknown time zone {name!r}; expected an IANA name such as "
            f"{DEFAULT_TIMEZONE}"
        ) from None
    return name


def _is_file(drill: str) -> bool:
    return looks_like_path(drill) or Path(drill).is_file()


def _webhook(url: str | None) -> str | None:
    if url is not None and not url.startswith(("http://", "https://")):
        raise UsageError(f"--webhook: expected an http:// or https:// URL, got {url!r}")
    return url


@click.group(name="schedule")
def schedule() -> None:
    """Scheduled game days: add, list, pause, resume, remove, and their log."""


@schedule.command("add")
@click.argument("drill")
@click.option("--cron", required=True, help="Crontab: minute hour day month weekday (0=Sun).")
@click.option("--team", required=True, help="The team whose game day it is.")
@click.option("--responder", default="by-the-book", show_default=True, help="Who responds.")
@click.option("--controls", type=click.Choice(["knight-2012", "modern"]), help="Risk controls.")
@click.option("--backend", type=click.Choice(["local", "sim"]), default="local", show_default=True)
@click.option("--window", help="Start inside HH:MM-HH:MM on the cron's day.")
@click.option("--random", "random_start", is_flag=True, help="A random start in the window.")
@click.option("--webhook", help="POST the outcome as JSON to this URL.")
@click.option("--timezone", default=DEFAULT_TIMEZONE, show_default=True, help="IANA time zone.")
@click.option("--allow-market-hours", is_flag=True, help="May start 09:30-16:00 Mon-Fri.")
@click.option("--blackout", multiple=True, help="Never start in HH:MM-HH:MM (repeatable).")
@click.option(
    "--misfire-grace",
    default=f"{DEFAULT_GRACE_S // 60}m",
    show_default=True,
    help="A start found later than this is reported missed, not run.",
)
@click.option("--cron-second", default="0", hidden=True)  # seconds field, for tests
def add(
    drill: str,
    cron: str,
    team: str,
    responder: str,
    controls: str | None,
    backend: str,
    window: str | None,
    random_start: bool,
    webhook: str | None,
    timezone: str,
    allow_market_hours: bool,
    blackout: tuple[str, ...],
    misfire_grace: str,
    cron_second: str,
) -> None:
    """Schedule DRILL (a name from `gameday list` or a file) as TEAM's game day."""
    if not team.strip():
        raise UsageError("--team: expected a team name, got an empty one")
    if random_start and window is None:
        raise UsageError("--random: needs --window HH:MM-HH:MM to draw the start from")
    if window is not None:
        window = str(TimeRange.parse(window, "--window"))
    blackouts = tuple(str(TimeRange.parse(b, "--blackout")) for b in blackout)
    if backend == "sim" and responder == "human":
        raise UsageError("--responder human: a person cannot act on the sim backend's clock")
    loaded = load_drill(drill)
    responder_named(responder, loaded.graded_against)
    store = _store()
    spec = ScheduleSpec.model_validate(
        {
            "id": store.new_id(loaded.name),
            # A file is kept by absolute path: the scheduler may run elsewhere.
            "drill": str(Path(drill).resolve()) if _is_file(drill) else drill,
            "drill_name": loaded.name,
            "team": team,
            "responder": responder,
            "controls": controls,
            "backend": backend,
            "cron": cron,
            "cron_second": cron_second,
            "timezone": _zone(timezone),
            "window": window,
            "random": random_start,
            "seed": secrets.randbits(32),
            "blackouts": blackouts,
            "allow_market_hours": allow_market_hours,
            "webhook": _webhook(webhook),
            "misfire_grace_s": round(duration_option("--misfire-grace", misfire_grace, 1)),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    notes = check_starts(GameDayTrigger.of(spec), spec.misfire_grace_s, datetime.now(UTC))
    first = store.add(spec)
    out.print(
        f"added {spec.id}: {spec.drill_name} for {team}, {spec.when()}; "
        f"next {when(first, spec.timezone)}",
        soft_wrap=True,
    )
    for note in notes:
        err.print(f"[yellow]note:[/] {escape(note)}", soft_wrap=True)


def _infos(store: ScheduleStore) -> list[ScheduleInfo]:
    days = HistoryStore().game_days()
    infos = []
    for spec, next_run in store.all():
        mine = [d for d in days if d.schedule_id == spec.id]
        infos.append(
            ScheduleInfo(
                spec=spec,
                next_run=next_run,
                next_blackout=spec.rule().reason(next_run) if next_run else None,
                last_outcome=mine[0].outcome if mine else None,
                last_due=mine[0].due_at if mine else None,
                missed=sum(d.outcome == "missed" for d in mine),
            )
        )
    return infos


@schedule.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the schedules as JSON.")
def list_schedules(as_json: bool) -> None:
    """Every schedule: when, for whom, its next start, and its missed game days."""
    infos = _infos(_store())
    if as_json:
        out.print_json(json.dumps([i.model_dump(mode="json") for i in infos]))
    else:
        out.print(schedules_table(infos))


@schedule.command("remove")
@click.argument("schedule_id")
def remove(schedule_id: str) -> None:
    """Delete a schedule (its game days stay in history)."""
    _store().remove(schedule_id)
    out.print(f"removed {schedule_id}")


@schedule.command("pause")
@click.argument("schedule_id")
def pause(schedule_id: str) -> None:
    """No game days until resumed (starts while paused are not reported missed)."""
    _store().pause(schedule_id)
    out.print(f"paused {schedule_id}")


@schedule.command("resume")
@click.argument("schedule_id")
def resume(schedule_id: str) -> None:
    """Resume from the next start after now."""
    first = _store().resume(schedule_id)
    out.print(f"resumed {schedule_id}; next {when(first)}", soft_wrap=True)


@schedule.command("log")
@click.argument("schedule_id", required=False)
@click.option("--missed", is_flag=True, help="Only the missed game days.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the game days as JSON.")
def log(schedule_id: str | None, missed: bool, limit: int, as_json: bool) -> None:
    """Scheduled game days, newest first: run, missed or skipped, and the webhook's answer."""
    rows = HistoryStore().game_days(
        schedule_id=schedule_id, outcome="missed" if missed else None, limit=limit
    )
    if as_json:
        out.print_json(json.dumps([r.model_dump(mode="json") for r in rows]))
    else:
        out.print(game_days_table(rows))
