"""Blackouts, windows and the seeded random start, with injected dates and times."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from harness.errors import UsageError
from harness.schedule.windows import (
    MARKET_HOURS,
    Blackouts,
    StartRule,
    TimeRange,
    allowed,
    seconds_of_day,
)

NY = ZoneInfo("America/New_York")
FRIDAY = date(2026, 1, 9)
SATURDAY = date(2026, 1, 10)


def at(day: date, hh: int, mm: int, ss: int = 0, zone: ZoneInfo = NY) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, ss, tzinfo=zone)


def hm(text: str) -> TimeRange:
    return TimeRange.parse(text, "--window")


@pytest.mark.parametrize(
    ("moment", "reason"),
    [
        (at(FRIDAY, 9, 29, 59), None),
        (at(FRIDAY, 9, 30), MARKET_HOURS),
        (at(FRIDAY, 15, 59, 59), MARKET_HOURS),
        (at(FRIDAY, 16, 0), None),  # the close: "0 16 * * FRI" may run
        (at(SATURDAY, 10, 0), None),  # no market on a weekend
        (at(SATURDAY, 12, 30), "blackout 12:00-13:00"),
        (at(FRIDAY, 12, 59, 59), MARKET_HOURS),  # inside both: the earlier-starting one
        (at(FRIDAY, 13, 0), MARKET_HOURS),
    ],
)
def test_market_hours_and_extra_blackouts(moment: datetime, reason: str | None) -> None:
    blackouts = Blackouts(extra=(hm("12:00-13:00"),))
    assert blackouts.reason(moment) == reason


def test_allowing_market_hours_keeps_extra_blackouts() -> None:
    blackouts = Blackouts(market_hours=False, extra=(hm("12:00-13:00"),))
    assert blackouts.reason(at(FRIDAY, 10, 0)) is None
    assert blackouts.reason(at(FRIDAY, 12, 0)) == "blackout 12:00-13:00"


def test_reason_reads_the_wall_clock_of_the_schedules_zone() -> None:
    rule = StartRule("America/New_York")
    noon_utc_friday = datetime(2026, 1, 9, 15, 0, tzinfo=ZoneInfo("UTC"))  # 10:00 in New York
    assert rule.reason(noon_utc_friday) == MARKET_HOURS
    assert StartRule("Asia/Tokyo").reason(noon_utc_friday) is None  # Saturday 00:00 there


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("17-18", "expected HH:MM-HH:MM"),
        ("15:00", "expected HH:MM-HH:MM"),
        ("18:00-17:00", "ends before it starts"),
        ("15:00-15:00", "ends before it starts"),
        ("10:60-11:00", "not a time of day"),
        ("23:00-25:00", "not a time of day"),
    ],
)
def test_bad_ranges_name_the_option(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=f"^--window: .*{message}"):
        TimeRange.parse(text, "--window")


def test_ranges_read_back() -> None:
    assert str(hm("9:30-16:00")) == "09:30-16:00"
    assert str(hm("22:00-24:00")) == "22:00-24:00"
    assert str(hm("15:00:30-15:01")) == "15:00:30-15:01"


def test_allowed_parts_of_a_window() -> None:
    market = hm("09:30-16:00")
    assert allowed(hm("15:00-17:00"), [market]) == [hm("16:00-17:00")]
    assert allowed(hm("10:00-11:00"), [market]) == []
    assert allowed(hm("08:00-18:00"), [market, hm("17:00-17:30")]) == [
        hm("08:00-09:30"),
        hm("16:00-17:00"),
        hm("17:30-18:00"),
    ]


def test_window_start_is_its_first_moment_outside_every_blackout() -> None:
    rule = StartRule("America/New_York", window=hm("15:00-17:00"))
    assert rule.start_on(FRIDAY) == at(FRIDAY, 16, 0)
    assert rule.start_on(SATURDAY) == at(SATURDAY, 15, 0)
    closed = StartRule("America/New_York", window=hm("10:00-11:00"))
    assert closed.start_on(FRIDAY) == at(FRIDAY, 10, 0)  # all blacked out: refused when due
    assert closed.reason(closed.start_on(FRIDAY)) == MARKET_HOURS
    assert closed.reason(closed.start_on(SATURDAY)) is None


def test_random_start_is_seeded_by_schedule_and_date_and_avoids_blackouts() -> None:
    rule = StartRule(
        "America/New_York",
        window=hm("15:00-18:00"),
        random=True,
        seed=42,
        blackouts=Blackouts(extra=(hm("16:30-17:00"),)),
    )
    days = [FRIDAY + timedelta(days=n) for n in range(120)]
    starts = [rule.start_on(d) for d in days]
    assert starts == [rule.start_on(d) for d in days]  # the same draw every time it is asked
    for day, start in zip(days, starts, strict=True):
        assert start.date() == day
        assert rule.reason(start) is None
        second = seconds_of_day(start)
        assert 15 * 3600 <= second < 18 * 3600
    weekdays = [seconds_of_day(s) for s in starts if s.weekday() < 5]
    assert min(weekdays) >= 16 * 3600  # market hours are out of the draw
    assert len(set(weekdays)) > len(weekdays) // 2  # and it does move from day to day
    other = StartRule("America/New_York", window=hm("15:00-18:00"), random=True, seed=43).start_on(
        FRIDAY
    )
    assert other != rule.start_on(FRIDAY)


def test_random_start_in_a_fully_blacked_out_window_is_the_window_start() -> None:
    rule = StartRule("America/New_York", window=hm("10:00-11:00"), random=True, seed=1)
    assert rule.start_on(FRIDAY) == at(FRIDAY, 10, 0)


def test_start_keeps_the_wall_clock_across_daylight_saving() -> None:
    rule = StartRule("America/New_York", window=hm("16:00-17:00"))
    winter, summer = rule.start_on(date(2026, 3, 6)), rule.start_on(date(2026, 3, 13))
    assert (winter.hour, summer.hour) == (16, 16)
    assert winter.utcoffset() == timedelta(hours=-5)
    assert summer.utcoffset() == timedelta(hours=-4)
