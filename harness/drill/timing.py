"""Drill time as people write it: times of day, durations, events, and "when" a step fires.

All times are drill seconds since midnight of the trading day (the services'
clock counts microseconds from the same midnight); durations are seconds.

``When`` is one string in the file:

- ``"09:30:00"`` or ``"09:30"``: a time of day,
- ``"+90s"``: an offset from the drill's start,
- ``"market_open"`` or ``"deploy_finished+30s"``: an event, optionally delayed.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, Final

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    model_serializer,
    model_validator,
)

from harness.drill.problems import did_you_mean
from services.clock import MARKET_OPEN_US, US, parse_hhmm

MARKET_OPEN_S: Final = MARKET_OPEN_US // US
_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|h|m|s)")
_TIME_OF_DAY = re.compile(r"^\d{1,2}:\d{2}(:\d{2})?$")
_UNITS: Final = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


class DrillEvent(StrEnum):
    """Things that happen during a drill, by name; steps and deadlines can wait for them."""

    DRILL_START = "drill_start"
    DEPLOY_FINISHED = "deploy_finished"
    ROLLBACK_FINISHED = "rollback_finished"
    FIRST_EMAIL = "first_email"
    FIRST_PAGE = "first_page"
    FIRST_ALERT = "first_alert"
    MARKET_OPEN = "market_open"
    ONSET = "onset"
    DETECTION = "detection"
    KILL_SWITCH = "kill_switch"
    MITIGATION = "mitigation"


EVENT_MEANINGS: Final[dict[DrillEvent, str]] = {
    DrillEvent.DRILL_START: "the drill clock starts (clock.start)",
    DrillEvent.DEPLOY_FINISHED: "a deploy (scripted or a responder's) reports its result",
    DrillEvent.ROLLBACK_FINISHED: "a rollback reports its result",
    DrillEvent.FIRST_EMAIL: "the first alert delivered to the e-mail inbox",
    DrillEvent.FIRST_PAGE: "the first page sent to the pager",
    DrillEvent.FIRST_ALERT: "the first alert on any channel",
    DrillEvent.MARKET_OPEN: "09:30:00, the open",
    DrillEvent.ONSET: "the first unintended order accepted by the exchange",
    DrillEvent.DETECTION: "the first ack of a related page or the first automated control trip",
    DrillEvent.KILL_SWITCH: "the kill switch is thrown, by a person or a control",
    DrillEvent.MITIGATION: "unintended order flow has stopped",
}


def parse_duration(value: object) -> float:
    """``90``, ``"90s"``, ``"1h30m"``, ``"250ms"`` to seconds."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration such as 90s, 5m or 1h30m, got {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"expected a duration of zero or more, got {value}")
        return float(value)
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        try:
            return parse_duration(float(text))
        except ValueError:
            pass
        if text and _DURATION_PART.sub("", text) == "":
            return sum(float(n) * _UNITS[u] for n, u in _DURATION_PART.findall(text))
    raise ValueError(f"expected a duration such as 90s, 5m or 1h30m, got {value!r}")


def format_duration(seconds: float) -> str:
    """Seconds as the shortest of ``1h30m``, ``90s``, ``250ms`` that reads back the same."""
    if seconds < 1 and seconds != 0:
        return f"{seconds * 1000:g}ms"
    whole = int(seconds)
    if whole != seconds:
        return f"{seconds:g}s"
    h, rest = divmod(whole, 3600)
    m, s = divmod(rest, 60)
    text = (f"{h}h" if h else "") + (f"{m}m" if m else "") + (f"{s}s" if s else "")
    return text or "0s"


def parse_time_of_day(value: object) -> int:
    """``"08:00"`` or ``"09:30:15"`` to seconds since midnight."""
    if not isinstance(value, str):
        raise ValueError(f'expected a time of day in quotes, such as "09:30", got {value!r}')
    return parse_hhmm(value.strip()) // US


def format_time_of_day(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600:02d}:{whole % 3600 // 60:02d}:{whole % 60:02d}"


Duration = Annotated[float, BeforeValidator(parse_duration)]
TimeOfDay = Annotated[
    int,
    BeforeValidator(parse_time_of_day),
    PlainSerializer(format_time_of_day, return_type=str),
]


class When(BaseModel):
    """When a step fires: exactly one of ``time_s``, ``offset_s`` or ``event`` (plus ``delay_s``).

    Written in files as one string (see the module docstring) and dumped back
    as that string.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    time_s: int | None = None
    offset_s: float | None = None
    event: DrillEvent | None = None
    delay_s: float = 0.0

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if isinstance(value, When | dict):
            return value
        if not isinstance(value, str) or not value.strip():
            raise ValueError(_when_expected(value))
        text = value.strip()
        if text.startswith("+"):
            return {"text": text, "offset_s": parse_duration(text[1:])}
        if _TIME_OF_DAY.match(text):
            return {"text": text, "time_s": parse_time_of_day(text)}
        name, plus, delay = text.partition("+")
        name = name.strip()
        if name not in set(DrillEvent):
            raise ValueError(_when_expected(value) + did_you_mean(name, list(DrillEvent)))
        return {"text": text, "event": name, "delay_s": parse_duration(delay) if plus else 0.0}

    @model_serializer
    def _as_text(self) -> str:
        return self.text

    def resolve(self, start_s: int) -> float | None:
        """Drill seconds since midnight, or ``None`` for an event known only when it happens."""
        if self.time_s is not None:
            return float(self.time_s)
        if self.offset_s is not None:
            return start_s + self.offset_s
        if self.event is DrillEvent.DRILL_START:
            return start_s + self.delay_s
        if self.event is DrillEvent.MARKET_OPEN:
            return MARKET_OPEN_S + self.delay_s
        return None


def _when_expected(value: object) -> str:
    return (
        f'expected a time of day ("09:30:00"), an offset from the start ("+90s") or an event '
        f"(market_open, deploy_finished+30s, ...; see docs/drills.md), got {value!r}"
    )
