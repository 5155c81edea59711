"""Standard crontab expressions as APScheduler cron triggers.

``--cron`` takes the five crontab fields (minute, hour, day of month, month,
day of week) with crontab's weekday numbers: 0 and 7 are Sunday, 1 is Monday.
APScheduler 3 numbers weekdays from Monday = 0, so numeric weekdays are
translated to names here (``1-5`` becomes ``mon,tue,wed,thu,fri``); names
(``MON-FRI``, ``FRI``) mean the same in both. When both day of month and day of
week are restricted, a day must match both (APScheduler), not either (Vixie cron).

>>> crontab_weekdays("1-5")
'mon,tue,wed,thu,fri'
>>> crontab_weekdays("0,6")
'sun,sat'
"""

from __future__ import annotations

import re
from typing import Any, Final
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from harness.errors import UsageError

WEEKDAYS: Final = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_FULL_NAMES: Final = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
_PART: Final = re.compile(r"^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:/(\d+))?$")
CRON_HELP: Final = (
    "expected 5 crontab fields: minute hour day-of-month month day-of-week, e.g. '0 16 * * FRI'"
)


def _weekday(token: str) -> int:
    if token.isdigit():
        if int(token) > 7:
            raise ValueError(f"day of week {token} is not 0-7")
        return int(token) % 7
    for number, name in enumerate(WEEKDAYS):
        if token in (name, _FULL_NAMES[number]):
            return number
    raise ValueError(f"unknown day of week {token!r}")


def crontab_weekdays(field: str) -> str:
    """A crontab day-of-week field as APScheduler weekday names (``*`` stays ``*``)."""
    text = field.strip().lower()
    if text in ("*", "?"):
        return "*"
    days: set[int] = set()
    for part in text.split(","):
        found = _PART.match(part)
        if found is None:
            raise ValueError(f"day of week {part!r} is not a day, a range or a step")
        span, step_text = found.groups()
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"day of week {part!r} has a step of 0")
        if span == "*":
            first, last = 0, 6
        elif "-" in span:
            low, high = span.split("-")
            first, last = _weekday(low), _weekday(high)
            if high == "7":  # 5-7 is Friday to Sunday
                last = 7
        else:
            first = last = _weekday(span)
            if step_text:  # 1/2 is every other day from Monday
                last = 6
        if last < first:
            raise ValueError(f"day of week range {span!r} runs backwards")
        days.update(d % 7 for d in range(first, last + 1, step))
    return ",".join(WEEKDAYS[d] for d in sorted(days))


def cron_fields(expression: str) -> dict[str, str]:
    """The APScheduler ``CronTrigger`` keyword arguments of a crontab expression."""
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(f"got {len(fields)} fields")
    minute, hour, day, month, weekday = fields
    return {
        "minute": minute,
        "hour": hour,
        "day": day,
        "month": month,
        "day_of_week": crontab_weekdays(weekday),
    }


def cron_trigger(expression: str, zone: ZoneInfo, second: str = "0") -> Any:
    """An APScheduler ``CronTrigger``; a bad expression is a ``UsageError`` naming ``--cron``.

    ``second`` is the seconds field (``"0"`` for crontab; tests use ``"*/5"``).
    """
    try:
        return CronTrigger(**cron_fields(expression), second=second, timezone=zone)
    except ValueError as exc:
        raise UsageError(f"--cron: {expression!r}: {exc}; {CRON_HELP}") from None
