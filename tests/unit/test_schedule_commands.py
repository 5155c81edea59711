"""``gameday schedule ...`` in-process through ``main``: what it stores, and its errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli.main import main
from harness.schedule.store import ScheduleStore
from tests.unit.schedule_support import write_tiny_drill


@pytest.fixture(autouse=True)
def home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("GAMEDAY_HOME", str(tmp_path))
    return tmp_path


def add(*args: str) -> list[str]:
    return ["schedule", "add", *args]


def test_add_list_pause_resume_remove(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    drill = write_tiny_drill(tmp_path)
    assert main(add("silent-deploy", "--cron", "0 16 * * FRI", "--team", "blue",
                    "--window", "15:00-17:00", "--random", "--blackout", "16:00-16:15",
                    "--webhook", "http://127.0.0.1:9/x")) == 0  # fmt: skip
    assert main(add(str(drill), "--cron", "0 18 * * 6", "--team", "red", "--backend", "sim",
                    "--controls", "modern", "--timezone", "Europe/London")) == 0  # fmt: skip
    said = capsys.readouterr().out
    assert said.startswith("added silent-deploy-") and "window 15:00-17:00 (random)" in said
    assert "next Sat " in said and " GMT" in said  # 0 18 * * 6: crontab's 6 is Saturday
    specs = {s.team: (s, n) for s, n in ScheduleStore().all()}
    blue, first = specs["blue"]
    assert (blue.drill, blue.backend, blue.responder, blue.timezone) == (
        "silent-deploy", "local", "by-the-book", "America/New_York",
    )  # fmt: skip
    assert first is not None and first.weekday() == 4
    assert first == blue.rule().start_on(first.date())  # the random draw is what is listed
    assert blue.rule().reason(first) is None and (first.hour, first.minute) >= (16, 15)
    red, _ = specs["red"]
    assert red.drill == str(drill.resolve()) and red.drill_name == "tiny-deploy"

    assert main(["schedule", "list", "--json"]) == 0
    infos = json.loads(capsys.readouterr().out)
    assert {i["spec"]["id"] for i in infos} == {blue.id, red.id}
    assert main(["schedule", "list"]) == 0
    assert blue.id in capsys.readouterr().out

    assert main(["schedule", "pause", blue.id]) == 0
    assert ScheduleStore().get(blue.id)[1] is None
    assert main(["schedule", "resume", blue.id]) == 0
    assert ScheduleStore().get(blue.id)[1] == first
    assert main(["schedule", "remove", red.id]) == 0
    assert [s.id for s, _ in ScheduleStore().all()] == [blue.id]
    assert main(["schedule", "log"]) == 0


def test_a_sometimes_blacked_out_schedule_is_added_with_a_note(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(add("flag-reuse", "--cron", "0 10 * * *", "--team", "blue")) == 0
    assert "fall inside a blackout; they will be skipped and reported" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (add("flag-reuse", "--cron", "0 16 * *", "--team", "x"), "--cron: '0 16 * *': got 4"),
        (add("flag-reuse", "--cron", "0 16 * * *"), "Missing option '--team'"),
        (add("flag-reuse", "--team", "x"), "Missing option '--cron'"),
        (add("flag-reus", "--cron", "0 16 * * *", "--team", "x"), "no drill named 'flag-reus'"),
        (
            add("flag-reuse", "--cron", "0 10 * * MON-FRI", "--team", "x"),
            "--cron: every start falls inside market hours (09:30-16:00 Mon-Fri) in "
            "America/New_York; expected a time outside the blackouts; pass --allow-market-hours",
        ),
        (
            add("flag-reuse", "--cron", "0 0 * * 1-5", "--team", "x", "--window", "10:00-11:00"),
            "--window: every start falls inside market hours",
        ),
        (
            add("flag-reuse", "--cron", "0 16 * * *", "--team", "x", "--window", "5pm"),
            "--window: expected HH:MM-HH:MM such as 15:00-17:00, got '5pm'",
        ),
        (
            add("flag-reuse", "--cron", "0 16 * * *", "--team", "x", "--random"),
            "--random: needs --window",
        ),
        (
            add("flag-reuse", "--cron", "0 16 * * *", "--team", "x", "--blackout", "13-12"),
            "--blackout: expected HH:MM-HH:MM",
        ),
        (
            add("flag-reuse", "--cron", "0 16 * * *", "--team", "x", "--timezone", "Wall/Street"),
            "--timezone: unknown time zone 'Wall/Street'",
        ),
        (
            add("flag-reuse", "--cron", "0 16 * * *", "--team", "x", "--webhook", "slack"),
            "--webhook: expected an http:// or https:// URL, got 'slack'",
        ),
        (
            add("flag-reuse", "--cron", "0 16 * * *", "--team", "x", "--misfire-grace", "soon"),
            "--misfire-grace: expected a duration",
        ),
        (
            add("flag-reuse", "--cron", "0 16 * * *", "--team", "x", "--responder", "nobody"),
            "unknown responder 'nobody'",
        ),
        (
            add(
                "flag-reuse",
                "--cron",
                "0 16 * * *",
                "--team",
                "x",
                "--backend",
                "sim",
                "--responder",
                "human",
            ),
            "--responder human: a person cannot act on the sim backend's clock",
        ),
        (add("flag-reuse", "--cron", "0 16 * * *", "--team", " "), "--team: expected a team"),
        (["schedule", "remove", "nope"], "unknown schedule id 'nope' (schedules: none)"),
        (["schedule", "resume", "nope"], "unknown schedule id 'nope'"),
    ],
)
def test_bad_input_is_one_line_naming_the_option(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 4
    said = capsys.readouterr()
    assert said.err.startswith(f"error: {message}"), said.err
    assert len(said.err.strip().splitlines()) == 1 and "Traceback" not in said.err
    assert ScheduleStore().all() == []
