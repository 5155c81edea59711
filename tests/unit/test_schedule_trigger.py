"""Crontab parsing, the game-day trigger, and the checks ``schedule add`` makes."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

import pytest

from harness.errors import UsageError
from harness.schedule.checks import check_starts
from harness.schedule.cron import cron_trigger, crontab_weekdays
from harness.schedule.trigger import GameDayTrigger
from harness.schedule.windows import Blackouts, StartRule, TimeRange

NY = ZoneInfo("America/New_York")
MONDAY = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def trigger(cron: str, **rule: object) -> GameDayTrigger:
    window = rule.pop("window", None)
    return GameDayTrigger(
        cron,
        StartRule(
            str(rule.pop("timezone", "America/New_York")),
            window=TimeRange.parse(str(window), "--window") if window else None,
            **rule,  # type: ignore[arg-type]
        ),
    )


def first(t: GameDayTrigger, n: int, now: datetime = MONDAY) -> list[datetime]:
    return list(islice(t.upcoming(now), n))


@pytest.mark.parametrize(
    ("field", "names"),
    [
        ("*", "*"),
        ("1-5", "mon,tue,wed,thu,fri"),
        ("0", "sun"),
        ("7", "sun"),
        ("5-7", "sun,fri,sat"),
        ("0,6", "sun,sat"),
        ("*/2", "sun,tue,thu,sat"),
        ("FRI", "fri"),
        ("mon-wed,fri", "mon,tue,wed,fri"),
    ],
)
def test_crontab_weekdays_count_sunday_as_zero(field: str, names: str) -> None:
    assert crontab_weekdays(field) == names


@pytest.mark.parametrize(
    ("cron", "message"),
    [
        ("0 16 * *", "got 4 fields"),
        ("0 16 * * FRI extra", "got 6 fields"),
        ("61 16 * * *", "higher than the maximum"),
        ("0 16 * * 8", "day of week 8"),
        ("0 16 * * 5-1", "runs backwards"),
        ("0 16 * * someday", "unknown day of week"),
    ],
)
def test_bad_cron_is_one_line_naming_the_option(cron: str, message: str) -> None:
    with pytest.raises(UsageError, match=f"^--cron: .*{message}.*expected 5 crontab fields"):
        cron_trigger(cron, NY)


def test_without_a_window_it_fires_when_the_cron_does() -> None:
    starts = first(trigger("0 16 * * FRI"), 2)
    assert [s.isoformat() for s in starts] == [
        "2026-01-09T16:00:00-05:00",
        "2026-01-16T16:00:00-05:00",
    ]
    weekdays = first(trigger("30 8 * * 1-5", timezone="UTC"), 6)
    assert [s.weekday() for s in weekdays] == [1, 2, 3, 4, 0, 1]  # Tuesday on: Monday 08:30 passed


def test_a_window_fires_once_on_each_cron_day_at_the_rules_start() -> None:
    rule = {"window": "15:00-17:00", "random": True, "seed": 9}
    t = trigger("*/10 * * * MON,FRI", **rule)  # many cron times a day: one game day a day
    starts = first(t, 6)
    assert [s.strftime("%a") for s in starts] == ["Mon", "Fri", "Mon", "Fri", "Mon", "Fri"]
    for s in starts:
        assert s == t.rule.start_on(s.date())
        assert t.rule.reason(s) is None
        assert 16 <= s.hour < 17 if s.weekday() < 5 else 15 <= s.hour < 17
    # After a start, the next one is on the cron's next day, even when asked late.
    assert t.get_next_fire_time(starts[0], starts[2]) == starts[1]


def test_a_start_already_passed_today_moves_to_the_next_cron_day() -> None:
    t = trigger("0 0 * * *", window="16:00-17:00")
    before = datetime(2026, 1, 9, 15, 0, tzinfo=NY)
    after = datetime(2026, 1, 9, 16, 0, 1, tzinfo=NY)
    assert t.get_next_fire_time(None, before) == datetime(2026, 1, 9, 16, 0, tzinfo=NY)
    assert t.get_next_fire_time(None, after) == datetime(2026, 1, 10, 16, 0, tzinfo=NY)


def test_the_trigger_survives_the_job_store_as_plain_data() -> None:
    t = trigger(
        "0 16 * * FRI",
        window="15:00-17:00",
        random=True,
        seed=5,
        blackouts=Blackouts(extra=(TimeRange.parse("16:10-16:20", "--blackout"),)),
    )
    state = t.__getstate__()
    assert all(isinstance(v, str | int | bool | list | None) for v in state.values())
    again = pickle.loads(pickle.dumps(t))
    assert first(again, 5) == first(t, 5)
    assert str(again) == "gameday[0 16 * * FRI, window 15:00-17:00, America/New_York]"


def test_due_at_finds_the_start_a_late_run_belongs_to() -> None:
    t = trigger("0 16 * * FRI")
    start = datetime(2026, 1, 9, 16, 0, tzinfo=NY)
    assert t.due_at(start + timedelta(seconds=40), grace_s=60) == start
    late = start + timedelta(minutes=5)
    assert t.due_at(late, grace_s=60) == late  # outside the grace: not a scheduled start


def test_add_refuses_a_schedule_that_always_starts_in_market_hours() -> None:
    with pytest.raises(UsageError, match=r"^--cron: every start falls inside market hours.*"):
        check_starts(trigger("0 10 * * 1-5"), 300, MONDAY)
    with pytest.raises(UsageError, match=r"^--window: every start falls inside market hours"):
        check_starts(trigger("0 0 * * MON-FRI", window="10:00-12:00"), 300, MONDAY)
    with pytest.raises(UsageError, match=r"^--cron: every start falls inside blackout 18:00-19:00"):
        check_starts(
            trigger(
                "30 18 * * *",
                blackouts=Blackouts(extra=(TimeRange.parse("18:00-19:00", "--blackout"),)),
            ),
            300,
            MONDAY,
        )
    # Allowed explicitly, or sometimes outside: accepted, with a note for the skipped ones.
    assert check_starts(trigger("0 10 * * 1-5", blackouts=Blackouts(False)), 300, MONDAY) == []
    notes = check_starts(trigger("0 10 * * *"), 300, MONDAY)
    assert len(notes) == 1 and "fall inside a blackout; they will be skipped" in notes[0]
    assert check_starts(trigger("0 16 * * FRI", window="15:00-17:00"), 300, MONDAY) == []


def test_add_refuses_a_grace_time_as_long_as_the_gap_between_starts() -> None:
    every_two_minutes = trigger("*/2 * * * *", blackouts=Blackouts(False))
    with pytest.raises(UsageError, match=r"^--misfire-grace: 5m is not shorter than the 2m"):
        check_starts(every_two_minutes, 300, MONDAY)
    assert check_starts(every_two_minutes, 60, MONDAY) == []
