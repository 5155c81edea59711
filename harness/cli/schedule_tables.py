"""Tables of ``gameday schedule list`` and ``gameday schedule log``."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.table import Table

from harness.history import GameDayRow
from harness.schedule.models import ScheduleInfo

_OUTCOME_STYLE = {
    "passed": "green",
    "failed": "red",
    "error": "red",
    "interrupted": "yellow",
    "missed": "bold red",
    "skipped": "yellow",
}


def when(moment: datetime | None, zone: str | None = None) -> str:
    """``Fri 2026-01-09 16:00:00 EST`` in ``zone`` (default: the moment's own), or ``paused``."""
    if moment is None:
        return "paused"
    if zone is not None:
        moment = moment.astimezone(ZoneInfo(zone))
    return f"{moment:%a %Y-%m-%d %H:%M:%S %Z}"


def _outcome(outcome: str | None) -> str:
    if outcome is None:
        return "-"
    return f"[{_OUTCOME_STYLE.get(outcome, 'white')}]{outcome}[/]"


def schedules_table(infos: list[ScheduleInfo]) -> Table:
    """One schedule a row; ``--json`` has every field (responder, backend, webhook, seed)."""
    table = Table(title=f"Schedules ({len(infos)})", title_justify="left")
    table.add_column("id", no_wrap=True)  # what the other commands take: never cut
    for column in ("team", "when", "next start", "last"):
        table.add_column(column)
    table.add_column("missed", justify="right")
    for i in infos:
        s = i.spec
        next_start = when(i.next_run, s.timezone)
        if i.next_blackout:
            next_start += f"\n[yellow](in {i.next_blackout}: will be skipped)[/]"
        extra = f", blackouts {', '.join(s.blackouts)}" if s.blackouts else ""
        last = "-" if i.last_outcome is None else f"{_outcome(i.last_outcome)} {i.last_due}"
        table.add_row(
            s.id,
            s.team,
            f"{s.when()}{extra}\n{s.timezone}",
            next_start,
            last,
            f"[bold red]{i.missed}[/]" if i.missed else "0",
        )
    return table


def game_days_table(rows: list[GameDayRow]) -> Table:
    """One game day a row; ``--json`` has the report path and the webhook's full answer."""
    table = Table(title=f"Scheduled game days ({len(rows)})", title_justify="left")
    for column in ("due", "schedule", "team", "outcome", "grade", "run", "webhook"):
        table.add_column(column)
    table.add_column("detail", overflow="fold")
    for r in rows:
        table.add_row(
            r.due_at.replace("T", " "),
            r.schedule_id,
            r.team or "-",
            _outcome(r.outcome),
            r.grade or "-",
            r.run_id or "-",
            r.webhook.split(" ")[0].rstrip(":") if r.webhook else "-",
            r.detail,
        )
    return table
