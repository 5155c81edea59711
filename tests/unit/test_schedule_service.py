"""The scheduler in-process: real APScheduler, real SQLite, a real webhook receiver.

Starts missed while the scheduler was down are reported, not run; a schedule
added while it runs is picked up; a start inside a blackout is skipped and
reported; a webhook that cannot be reached is recorded, not raised.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from harness.cli.main import main
from harness.history import HistoryStore
from harness.schedule.models import ScheduleSpec
from harness.schedule.service import SchedulerService
from harness.schedule.store import ScheduleStore
from tests.unit.schedule_support import Webhook, webhook_server


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("GAMEDAY_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture
def hook() -> Iterator[Webhook]:
    with webhook_server() as server:
        yield server


def daily_at(moment: datetime, webhook: str, **changes: object) -> ScheduleSpec:
    """A daily schedule of flag-reuse at ``moment``'s time of day (UTC, market hours allowed)."""
    fields: dict[str, object] = {
        "id": "flag-reuse-0001",
        "drill": "flag-reuse",
        "drill_name": "flag-reuse",
        "team": "blue",
        "backend": "sim",
        "cron": f"{moment.minute} {moment.hour} * * *",
        "timezone": "UTC",
        "allow_market_hours": True,
        "webhook": webhook,
        "misfire_grace_s": 60,
        "created_at": moment.isoformat(),
    }
    return ScheduleSpec.model_validate({**fields, **changes})


@contextmanager
def serving(service: SchedulerService) -> Iterator[list[str]]:
    """``service`` running in a thread until the block ends; yields its log lines."""
    lines: list[str] = []
    service.log = lines.append
    stop, ready, failed = threading.Event(), threading.Event(), []

    def serve() -> None:
        try:
            service.run(stop, ready.set)
        except BaseException as exc:
            failed.append(exc)
            ready.set()

    thread = threading.Thread(target=serve, name="scheduler-under-test")
    thread.start()
    try:
        assert ready.wait(20) and not failed, failed
        yield lines
    finally:
        stop.set()
        thread.join(30)
        assert not thread.is_alive()
    assert not failed, failed


def listed(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    capsys.readouterr()
    assert main(list(args)) == 0
    found: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return found


def test_a_start_missed_while_the_scheduler_was_down_is_reported_not_run(
    home: Path, hook: Webhook, capsys: pytest.CaptureFixture[str]
) -> None:
    now = datetime.now(UTC)
    due = (now - timedelta(hours=2)).replace(second=0, microsecond=0)
    spec = daily_at(due, hook.url)
    # Added a day ago: the start two hours ago came and went with no scheduler up.
    assert ScheduleStore().add(spec, now=now - timedelta(days=1)) == due
    with serving(SchedulerService(poll_s=0.2)) as log:
        notice = hook.wait_for(lambda b: b["outcome"] == "missed")
    assert notice["schedule_id"] == spec.id and notice["team"] == "blue"
    assert notice["due_at"] == due.isoformat()
    assert notice["run_id"] is None and notice["report_path"] is None
    assert "past the misfire grace time of 1m" in notice["detail"]
    assert any("flag-reuse-0001: missed" in line for line in log)
    [missed] = HistoryStore().game_days()
    assert (missed.outcome, missed.due_at, missed.team) == ("missed", due.isoformat(), "blue")
    assert missed.webhook == "ok (HTTP 204)"
    assert HistoryStore().runs() == []  # not run hours late
    assert not (home / "reports").exists()
    assert len(hook.received) == 1
    # The schedule goes on to its next start, and the list says what was missed.
    assert ScheduleStore().get(spec.id)[1] == due + timedelta(days=1)
    [info] = listed(capsys, "schedule", "list", "--json")
    assert (info["missed"], info["last_outcome"]) == (1, "missed")
    [row] = listed(capsys, "schedule", "log", "--missed", "--json")
    assert row["due_at"] == due.isoformat()


def test_a_schedule_added_while_the_scheduler_runs_is_picked_up(home: Path, hook: Webhook) -> None:
    now = datetime.now(UTC)
    due = (now - timedelta(hours=3)).replace(second=0, microsecond=0)
    with serving(SchedulerService(poll_s=0.2)) as log:
        assert any("0 schedule(s)" in line for line in log)
        # Another process (here another store) writes the job store: the next poll sees it.
        ScheduleStore().add(daily_at(due, hook.url), now=now - timedelta(days=1))
        notice = hook.wait_for(lambda b: b["outcome"] == "missed")
    assert notice["due_at"] == due.isoformat()
    assert [d.outcome for d in HistoryStore().game_days()] == ["missed"]


def test_a_start_inside_market_hours_is_skipped_and_reported(home: Path, hook: Webhook) -> None:
    friday_ten = datetime(2026, 1, 9, 10, 0, tzinfo=ZoneInfo("America/New_York"))
    service = SchedulerService(clock=lambda: friday_ten.astimezone(UTC))
    spec = daily_at(friday_ten, hook.url, timezone="America/New_York", allow_market_hours=False)
    service.run_game_day(spec)
    notice = hook.wait_for(lambda b: b["outcome"] == "skipped")
    assert notice["detail"] == ("would start at 10:00 inside market hours (09:30-16:00 Mon-Fri)")
    assert notice["due_at"] == "2026-01-09T10:00:00-05:00"
    [skipped] = HistoryStore().game_days()
    assert skipped.outcome == "skipped" and skipped.run_id is None
    assert HistoryStore().runs() == [] and not (home / "reports").exists()


def test_a_webhook_that_cannot_be_reached_is_recorded_not_raised(home: Path) -> None:
    friday_ten = datetime(2026, 1, 9, 10, 0, tzinfo=ZoneInfo("America/New_York"))
    service = SchedulerService(clock=lambda: friday_ten, webhook_timeout_s=2)
    lines: list[str] = []
    service.log = lines.append
    dead = "http://127.0.0.1:9/gameday"  # discard port: nothing listens
    spec = daily_at(friday_ten, dead, timezone="America/New_York", allow_market_hours=False)
    service.run_game_day(spec)
    [skipped] = HistoryStore().game_days()
    assert skipped.webhook.startswith("failed: ConnectionError")
    assert any("webhook http://127.0.0.1:9/gameday: failed" in line for line in lines)
