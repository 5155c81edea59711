"""History in a real SQLite file: schema, filters, concurrent writers, trends."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from harness.errors import UsageError
from harness.history import SCHEMA_VERSION, HistoryRow, HistoryStore, ResponderRow, history_path
from harness.history.trends import distribution, quantile, sparkline, trends


def row(
    n: int, *, team: str = "blue", drill: str = "flag-reuse", detect: float | None = 1.0
) -> HistoryRow:
    return HistoryRow(
        run_id=f"gd-{n:04d}",
        drill=drill,
        team=team,
        responder="ana",
        responders=(ResponderRow(name="ana", grade="B", adherence=0.5), ResponderRow(name="bob")),
        backend="sim",
        controls="modern",
        seed=3,
        outcome="passed",
        grade="A",
        points=95.0,
        time_to_detect_s=detect,
        time_to_acknowledge_s=None,
        time_to_mitigate_s=float(n),
        loss_usd=100.0 * n,
        runbook_adherence=0.8,
        report_path=f"/reports/{n}",
        started_at=f"2026-01-01T00:00:{n:02d}+00:00",
        ended_at=None,
        source="cli",
    )


def test_path_follows_gameday_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GAMEDAY_HOME", str(tmp_path))
    assert history_path() == tmp_path / "history.sqlite"


def test_round_trip_filters_and_schema(tmp_path: Path) -> None:
    store = HistoryStore(tmp_path / "h.sqlite")
    store.add(row(1), scores={"grade": "A"})
    store.add(row(2, team="red", drill="knight-2012"))
    store.add(row(3))
    assert store.schema_version() == SCHEMA_VERSION
    assert [r.run_id for r in store.runs()] == ["gd-0003", "gd-0002", "gd-0001"]
    assert [r.run_id for r in store.runs(team="blue", limit=1)] == ["gd-0003"]
    assert [r.run_id for r in store.runs(drill="knight-2012")] == ["gd-0002"]
    assert store.get("gd-0001") == row(1)
    assert store.get("nope") is None
    store.add(row(1).model_copy(update={"team": "green"}))  # recorded again: replaced
    assert [r.team for r in store.runs(team="green")] == ["green"]
    with sqlite3.connect(tmp_path / "h.sqlite") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("SELECT count(*) FROM run_responders").fetchone()[0] == 6


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(UsageError, match=f"has schema {SCHEMA_VERSION + 1}"):
        HistoryStore(path).runs()


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    errors: list[BaseException] = []

    def write(start: int) -> None:
        try:
            for n in range(start, start + 25):
                HistoryStore(path).add(row(n))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i * 25,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(HistoryStore(path).runs()) == 100


def test_distributions_not_averages() -> None:
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    d = distribution([4.0, None, 1.0, 2.0, 3.0])
    assert (d.count, d.never, d.min, d.p25, d.median, d.p75, d.max) == (
        4,
        1,
        1.0,
        1.75,
        2.5,
        3.25,
        4.0,
    )
    assert d.sparkline == "█·▁▃▆"
    assert sparkline([5.0, 5.0]) == "▁▁"
    assert distribution([None]).min is None


def test_trends_per_team_and_responder() -> None:
    rows = [row(1), row(2, detect=None), row(3, team="red")]
    found = {(t.kind, t.name): t for t in trends(rows)}
    assert set(found) == {
        ("team", "blue"),
        ("team", "red"),
        ("responder", "ana"),
        ("responder", "bob"),
    }
    blue = found[("team", "blue")]
    assert blue.runs == 2 and blue.metrics["time_to_detect_s"].never == 1
    assert blue.grades["A"] == 2
    ana = found[("responder", "ana")]
    # ana was graded on her own actions (B, 0.5); bob was not, so he gets the run's.
    assert ana.grades["B"] == 3 and ana.metrics["adherence"].median == 0.5
    assert found[("responder", "bob")].grades["A"] == 3
