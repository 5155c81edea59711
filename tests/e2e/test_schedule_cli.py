"""Scheduled game days end to end: the CLI and the real scheduler process, in subprocesses."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from harness.history import HistoryStore
from harness.schedule.store import ScheduleStore
from tests.unit.schedule_support import webhook_server, write_tiny_drill

pytestmark = pytest.mark.slow


def gameday(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli.main", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "GAMEDAY_HOME": str(home)},
        timeout=120,
    )


class Scheduler:
    """``gameday scheduler`` as a process; its log in a file."""

    def __init__(self, home: Path, name: str) -> None:
        self.log = home / f"{name}.log"
        with self.log.open("w") as sink:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "harness.cli.main", "scheduler", "--poll", "0.5s"],
                stdin=subprocess.DEVNULL,
                stdout=sink,
                stderr=subprocess.STDOUT,
                env={**os.environ, "GAMEDAY_HOME": str(home)},
            )

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.log.read_text():
            assert self.process.poll() is None, self.log.read_text()
            assert time.monotonic() < deadline, f"no {text!r} in {self.log.read_text()}"
            time.sleep(0.05)
        return self.log.read_text()

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=60)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def schedulers(tmp_path: Path) -> Iterator[list[Scheduler]]:
    started: list[Scheduler] = []
    try:
        yield started
    finally:
        for s in started:
            s.kill()


def processes_mentioning(text: str) -> list[int]:
    """Pids of live processes whose command line mentions ``text`` (Linux ``/proc``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if text.encode() in cmdline:
                found.append(int(entry.name))
    return found


def test_a_schedule_survives_a_scheduler_restart_and_runs_at_its_next_time(
    tmp_path: Path, schedulers: list[Scheduler]
) -> None:
    home = tmp_path
    drill = write_tiny_drill(tmp_path)
    start_at = (datetime.now(UTC) + timedelta(seconds=10)).replace(microsecond=0)
    with webhook_server() as hook:
        added = gameday(
            home, "schedule", "add", str(drill), "--cron", "* * * * *",
            "--cron-second", str(start_at.second), "--team", "blue", "--backend", "sim",
            "--timezone", "UTC", "--allow-market-hours", "--misfire-grace", "30s",
            "--webhook", hook.url,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        schedule_id = added.stdout.split(":")[0].removeprefix("added ")
        store = ScheduleStore(home / "schedules.sqlite")
        assert store.get(schedule_id)[1] == start_at

        first = Scheduler(home, "first")
        schedulers.append(first)
        first.wait_for(f"1 schedule(s), 1 active; next {schedule_id}")
        assert first.stop() == 0
        assert "stopped" in first.log.read_text()
        assert "starting" not in first.log.read_text()  # stopped before the start came
        assert store.get(schedule_id)[1] == start_at  # still there, unchanged

        second = Scheduler(home, "second")
        schedulers.append(second)
        second.wait_for(f"1 schedule(s), 1 active; next {schedule_id}")
        notice = hook.wait_for(lambda b: b["outcome"] in ("passed", "failed"), timeout=90)
        refused = gameday(home, "scheduler")  # one scheduler per state home
        assert refused.returncode == 4
        assert "another gameday scheduler is running" in refused.stderr
        assert second.stop() == 0
        log = second.log.read_text()

    assert notice["schedule_id"] == schedule_id and notice["team"] == "blue"
    assert notice["drill"] == "tiny-deploy" and notice["outcome"] == "passed"
    assert notice["due_at"] == start_at.isoformat()
    assert notice["grade"] == notice["scores"]["grade"]
    report_dir = Path(notice["report_path"])
    assert report_dir.parent == home / "reports"
    report = json.loads((report_dir / "report.json").read_text())
    assert report["run_id"] == notice["run_id"] and report["backend"] == "sim"
    assert (report_dir / "journal.jsonl").is_file() and (report_dir / "scheduled.log").is_file()
    history = HistoryStore(home / "history.sqlite")
    [run] = history.runs()
    assert (run.run_id, run.source, run.team) == (notice["run_id"], "schedule", "blue")
    [day] = history.game_days()
    assert (day.outcome, day.run_id, day.webhook) == ("passed", run.run_id, "ok (HTTP 204)")
    assert f"{schedule_id}: passed" in log and "stopped" in log
    assert processes_mentioning(str(home)) == []  # no drill or scheduler left behind


def test_bad_input_is_one_line_and_exit_4(tmp_path: Path) -> None:
    bad_cron = gameday(
        tmp_path, "schedule", "add", "flag-reuse", "--cron", "0 16 * *", "--team", "x"
    )
    assert bad_cron.returncode == 4
    assert bad_cron.stderr.startswith("error: --cron: '0 16 * *': got 4 fields")
    assert len(bad_cron.stderr.strip().splitlines()) == 1 and bad_cron.stdout == ""
    unknown = gameday(tmp_path, "schedule", "pause", "nope")
    assert unknown.returncode == 4
    assert unknown.stderr.strip() == "error: unknown schedule id 'nope' (schedules: none)"
