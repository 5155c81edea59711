"""Schedules in the real SQLite job store, and game days in the history database."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from harness.errors import UsageError
from harness.history import SCHEMA_VERSION, GameDayRow, HistoryStore
from harness.schedule.models import ScheduleSpec
from harness.schedule.store import ScheduleStore, StoreEditor, job_store, schedules_path

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)  # a Monday


def spec(schedule_id: str = "flag-reuse-0001", **changes: object) -> ScheduleSpec:
    fields: dict[str, object] = {
        "id": schedule_id,
        "drill": "flag-reuse",
        "drill_name": "flag-reuse",
        "team": "blue",
        "backend": "sim",
        "cron": "0 16 * * FRI",
        "window": "15:00-17:00",
        "random": True,
        "seed": 11,
        "created_at": NOW.isoformat(),
    }
    return ScheduleSpec.model_validate({**fields, **changes})


def test_path_follows_gameday_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GAMEDAY_HOME", str(tmp_path))
    assert schedules_path() == tmp_path / "schedules.sqlite"


def test_schedules_persist_pause_resume_and_remove(tmp_path: Path) -> None:
    path = tmp_path / "schedules.sqlite"
    first = ScheduleStore(path).add(spec(), now=NOW)
    ScheduleStore(path).add(spec("knight-2012-0002", cron="0 18 * * *", window=None), now=NOW)
    assert first is not None and first == spec().rule().start_on(first.date())
    # A new store (a new process) reads the same schedules back, soonest first.
    listed = ScheduleStore(path).all()
    assert [(s.id, n) for s, n in listed] == [
        ("knight-2012-0002", datetime(2026, 1, 5, 18, 0, tzinfo=ZoneInfo("America/New_York"))),
        ("flag-reuse-0001", first),
    ]
    assert listed[1][0] == spec()
    # The start is long past: only a scheduler may run or advance it, never the CLI.
    assert ScheduleStore(path).get("flag-reuse-0001")[1] == first
    store = ScheduleStore(path)
    store.pause("flag-reuse-0001")
    assert store.get("flag-reuse-0001") == (spec(), None)
    resumed = store.resume("flag-reuse-0001", now=NOW)
    assert resumed == first
    assert store.get("flag-reuse-0001")[1] == first
    store.remove("knight-2012-0002")
    assert [s.id for s, _ in ScheduleStore(path).all()] == ["flag-reuse-0001"]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_unknown_and_duplicate_ids_are_usage_errors(tmp_path: Path) -> None:
    store = ScheduleStore(tmp_path / "s.sqlite")
    store.add(spec(), now=NOW)
    for call in (store.remove, store.pause, store.resume, store.get):
        with pytest.raises(UsageError, match=r"^unknown schedule id 'flag-reuse-001'; did you"):
            call("flag-reuse-001")
    with pytest.raises(UsageError, match="exists already"):
        store.add(spec(), now=NOW)
    assert store.new_id("flag-reuse").startswith("flag-reuse-")


def test_a_schedule_removed_while_due_does_not_break_the_store(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    ScheduleStore(path).add(spec(), now=NOW)
    store = job_store(path)
    scheduler = StoreEditor(jobstores={"default": store}, timezone=UTC)
    scheduler.start(paused=True)
    try:
        job = scheduler.get_job("flag-reuse-0001")
        ScheduleStore(path).remove("flag-reuse-0001")
        store.update_job(job)  # what the scheduler does after submitting a due job
    finally:
        scheduler.shutdown(wait=False)
    assert ScheduleStore(path).all() == []


def day(n: int, outcome: str = "missed", schedule_id: str = "flag-reuse-0001") -> GameDayRow:
    return GameDayRow.model_validate(
        {
            "schedule_id": schedule_id,
            "drill": "flag-reuse",
            "team": "blue",
            "due_at": f"2026-01-0{n}T16:00:00-05:00",
            "recorded_at": f"2026-01-0{n}T21:00:00+00:00",
            "outcome": outcome,
        }
    )


def test_game_days_are_recorded_and_filtered(tmp_path: Path) -> None:
    history = HistoryStore(tmp_path / "h.sqlite")
    history.add_game_day(day(1))
    history.add_game_day(day(2, "passed").model_copy(update={"run_id": "gd-1", "grade": "A"}))
    history.add_game_day(day(3, schedule_id="other"))
    assert [d.due_at[:10] for d in history.game_days()] == [
        "2026-01-03",
        "2026-01-02",
        "2026-01-01",
    ]
    assert history.game_days(schedule_id="flag-reuse-0001", outcome="missed") == [day(1)]
    assert history.game_days(limit=1)[0].schedule_id == "other"
    assert history.game_days(outcome="passed")[0].grade == "A"


def test_a_version_1_history_is_migrated_and_keeps_its_runs(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            CREATE TABLE runs (run_id TEXT PRIMARY KEY, drill TEXT NOT NULL,
                team TEXT NOT NULL DEFAULT '', responder TEXT NOT NULL, backend TEXT NOT NULL,
                controls TEXT NOT NULL, seed INTEGER NOT NULL, outcome TEXT NOT NULL,
                grade TEXT NOT NULL, points REAL NOT NULL, time_to_detect_s REAL,
                time_to_acknowledge_s REAL, time_to_mitigate_s REAL, loss_usd REAL NOT NULL,
                runbook_adherence REAL, scores TEXT NOT NULL, report_path TEXT NOT NULL,
                started_at TEXT, ended_at TEXT, source TEXT NOT NULL);
            CREATE TABLE run_responders (run_id TEXT NOT NULL, responder TEXT NOT NULL,
                grade TEXT, adherence REAL, PRIMARY KEY (run_id, responder));
            INSERT INTO runs VALUES ('gd-old', 'flag-reuse', 'blue', 'asleep', 'sim', 'modern',
                1, 'failed', 'F', 0, NULL, NULL, NULL, 5.0, 0.0, '{}', '/r', NULL, NULL, 'cli');
            PRAGMA user_version = 1;
            """
        )
    history = HistoryStore(path)
    assert history.schema_version() == SCHEMA_VERSION == 2
    assert [r.run_id for r in history.runs()] == ["gd-old"]
    history.add_game_day(day(1))
    assert history.game_days() == [day(1)]
