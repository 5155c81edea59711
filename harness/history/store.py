"""``HistoryStore``: the runs table in SQLite, safe for several writers at once.

The database is opened in WAL mode with a busy timeout, so a scheduled game day,
a CI job and a person at a terminal can all record runs into one file; every
write is one ``BEGIN IMMEDIATE`` transaction. The schema carries its version in
``PRAGMA user_version``; a database from a newer gameday is refused rather
than misread. Version 2 added ``game_days`` (every start of a scheduled game
day, run or not); an older file is migrated when first opened.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

from harness.errors import UsageError
from harness.history.models import GameDayRow, HistoryRow, ResponderRow
from harness.paths import state_home

SCHEMA_VERSION: Final = 2
HISTORY_NAME: Final = "history.sqlite"
BUSY_TIMEOUT_MS: Final = 30_000

# Scores used to filter and sort on have their own columns; ``scores`` keeps the
# whole score set as JSON so later scores need no migration.
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    drill TEXT NOT NULL,
    team TEXT NOT NULL DEFAULT '',
    responder TEXT NOT NULL,
    backend TEXT NOT NULL,
    controls TEXT NOT NULL,
    seed INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    grade TEXT NOT NULL,
    points REAL NOT NULL,
    time_to_detect_s REAL,
    time_to_acknowledge_s REAL,
    time_to_mitigate_s REAL,
    loss_usd REAL NOT NULL,
    runbook_adherence REAL,
    scores TEXT NOT NULL,
    report_path TEXT NOT NULL,
    started_at TEXT,
    ended_at TEXT,
    source TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_by_team ON runs (team, started_at);
CREATE INDEX IF NOT EXISTS runs_by_drill ON runs (drill, started_at);
CREATE INDEX IF NOT EXISTS runs_by_grade ON runs (grade);
CREATE TABLE IF NOT EXISTS run_responders (
    run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
    responder TEXT NOT NULL,
    grade TEXT,
    adherence REAL,
    PRIMARY KEY (run_id, responder)
);
CREATE INDEX IF NOT EXISTS run_responders_by_name ON run_responders (responder);
CREATE TABLE IF NOT EXISTS game_days (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    schedule_id TEXT NOT NULL,
    drill TEXT NOT NULL,
    team TEXT NOT NULL DEFAULT '',
    due_at TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    outcome TEXT NOT NULL,
    run_id TEXT,
    grade TEXT,
    report_path TEXT,
    detail TEXT NOT NULL DEFAULT '',
    webhook TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS game_days_by_schedule ON game_days (schedule_id, due_at);
CREATE INDEX IF NOT EXISTS game_days_by_team ON game_days (team, due_at);
"""

_COLUMNS: Final = (
    "run_id, drill, team, responder, backend, controls, seed, outcome, grade, points, "
    "time_to_detect_s, time_to_acknowledge_s, time_to_mitigate_s, loss_usd, "
    "runbook_adherence, scores, report_path, started_at, ended_at, source"
)
_GAME_DAY_COLUMNS: Final = ", ".join(GameDayRow.model_fields)


def _wal(conn: sqlite3.Connection) -> None:
    # Switching a new file to WAL takes a lock that SQLite does not wait for through the
    # busy handler: several processes opening a fresh history at once may see "locked".
    for attempt in range(100):
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == 99:
                raise
            time.sleep(0.02)


def history_path() -> Path:
    """Where history lives: ``$GAMEDAY_HOME/history.sqlite`` (or the default state home)."""
    return state_home() / HISTORY_NAME


class HistoryStore:
    """The history database; each method opens, uses and closes its own connection."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or history_path()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: transactions are begun explicitly, as IMMEDIATE, so two
        # writers queue on the busy timeout instead of failing on lock upgrade.
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            _wal(conn)
            conn.execute("PRAGMA foreign_keys = ON")
            self._migrate(conn)
            yield conn
        except sqlite3.DatabaseError as exc:
            raise UsageError(f"history {self.path}: {exc}") from None
        finally:
            conn.close()

    def _migrate(self, conn: sqlite3.Connection) -> None:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if version == SCHEMA_VERSION:
            return
        if version > SCHEMA_VERSION:
            raise UsageError(
                f"history {self.path} has schema {version}; this gameday knows {SCHEMA_VERSION}"
            )
        # Every statement is CREATE ... IF NOT EXISTS, so the same script creates
        # a new file and migrates an older one (1 -> 2: game_days).
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def schema_version(self) -> int:
        with self._connect() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    def add(self, row: HistoryRow, scores: dict[str, object] | None = None) -> None:
        """Record ``row``; a run recorded again (same run id) replaces its earlier record."""
        values = (
            row.run_id,
            row.drill,
            row.team,
            row.responder,
            row.backend,
            row.controls,
            row.seed,
            row.outcome,
            row.grade,
            row.points,
            row.time_to_detect_s,
            row.time_to_acknowledge_s,
            row.time_to_mitigate_s,
            row.loss_usd,
            row.runbook_adherence,
            json.dumps(scores or {}, sort_keys=True),
            row.report_path,
            row.started_at,
            row.ended_at,
            row.source,
        )
        marks = ", ".join("?" * len(values))
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("DELETE FROM runs WHERE run_id = ?", (row.run_id,))
                conn.execute(f"INSERT INTO runs ({_COLUMNS}) VALUES ({marks})", values)
                conn.executemany(
                    "INSERT INTO run_responders (run_id, responder, grade, adherence) "
                    "VALUES (?, ?, ?, ?)",
                    [(row.run_id, r.name, r.grade, r.adherence) for r in row.responders],
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def runs(
        self, *, team: str | None = None, drill: str | None = None, limit: int | None = None
    ) -> list[HistoryRow]:
        """Runs, newest first, optionally only one team's or one drill's."""
        where, params = [], []
        if team is not None:
            where.append("team = ?")
            params.append(team)
        if drill is not None:
            where.append("drill = ?")
            params.append(drill)
        sql = f"SELECT {_COLUMNS} FROM runs"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY started_at DESC, run_id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._connect() as conn:
            conn.row_factory = sqlite3.Row
            found = conn.execute(sql, params).fetchall()
            crew = self._responders(conn, [r["run_id"] for r in found])
        return [_row(r, crew.get(r["run_id"], ())) for r in found]

    def get(self, run_id: str) -> HistoryRow | None:
        """One run by its id, or ``None``."""
        with self._connect() as conn:
            conn.row_factory = sqlite3.Row
            found = conn.execute(f"SELECT {_COLUMNS} FROM runs WHERE run_id = ?", (run_id,))
            first = found.fetchone()
            if first is None:
                return None
            crew = self._responders(conn, [run_id])
        return _row(first, crew.get(run_id, ()))

    def add_game_day(self, row: GameDayRow) -> None:
        """Record one start of a scheduled game day."""
        values = tuple(row.model_dump().values())
        marks = ", ".join("?" * len(values))
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute(
                    f"INSERT INTO game_days ({_GAME_DAY_COLUMNS}) VALUES ({marks})", values
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def game_days(
        self,
        *,
        schedule_id: str | None = None,
        outcome: str | None = None,
        limit: int | None = None,
    ) -> list[GameDayRow]:
        """Starts of scheduled game days, newest first."""
        where, params = [], []
        if schedule_id is not None:
            where.append("schedule_id = ?")
            params.append(schedule_id)
        if outcome is not None:
            where.append("outcome = ?")
            params.append(outcome)
        sql = f"SELECT {_GAME_DAY_COLUMNS} FROM game_days"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._connect() as conn:
            conn.row_factory = sqlite3.Row
            found = conn.execute(sql, params).fetchall()
        return [GameDayRow.model_validate(dict(r)) for r in found]

    @staticmethod
    def _responders(
        conn: sqlite3.Connection, run_ids: list[str]
    ) -> dict[str, tuple[ResponderRow, ...]]:
        crew: dict[str, list[ResponderRow]] = {}
        for chunk in range(0, len(run_ids), 500):
            ids = run_ids[chunk : chunk + 500]
            marks = ", ".join("?" * len(ids))
            for r in conn.execute(
                "SELECT run_id, responder, grade, adherence FROM run_responders "
                f"WHERE run_id IN ({marks}) ORDER BY responder",
                ids,
            ):
                crew.setdefault(r[0], []).append(
                    ResponderRow(name=r[1], grade=r[2], adherence=r[3])
                )
        return {k: tuple(v) for k, v in crew.items()}


def _row(r: sqlite3.Row, responders: tuple[ResponderRow, ...]) -> HistoryRow:
    data = {k: r[k] for k in r.keys() if k != "scores"}  # noqa: SIM118 (sqlite3.Row)
    return HistoryRow.model_validate({**data, "responders": responders})
