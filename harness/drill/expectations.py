"""Expectations: assertions on a run's scores, written ``time_to_detect_s <= 60``.

Each expectation is a metric from a fixed list, an operator and a value. The
string form is parsed into an ``Expectation``; the mapping form
``{metric: loss_usd, op: "<", value: 5_000_000}`` is accepted too. A metric
that is ``null`` in the report (it never happened) fails every comparison
except ``== null``. Grades compare by quality: ``grade >= B`` holds for A and B.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from harness.drill.problems import did_you_mean
from harness.drill.timing import parse_duration
from harness.scoring.expectations import check_expectation
from harness.scoring.model import ExpectationResult


class Metric(StrEnum):
    """What an expectation may be about: a score or an impact column of ``report.json``."""

    TIME_TO_DETECT_S = "time_to_detect_s"
    TIME_TO_ACKNOWLEDGE_S = "time_to_acknowledge_s"
    TIME_TO_MITIGATE_S = "time_to_mitigate_s"
    LOSS_USD = "loss_usd"
    RUNBOOK_ADHERENCE = "runbook_adherence"
    GRADE = "grade"
    POINTS = "points"
    EXECUTIONS = "executions"
    SHARES = "shares"
    SYMBOLS = "symbols"
    NET_LONG_USD = "net_long_usd"
    NET_LONG_SYMBOLS = "net_long_symbols"
    NET_SHORT_USD = "net_short_usd"
    NET_SHORT_SYMBOLS = "net_short_symbols"


METRIC_MEANINGS: Final[dict[Metric, str]] = {
    Metric.TIME_TO_DETECT_S: "scores: drill seconds from onset to detection; null if never",
    Metric.TIME_TO_ACKNOWLEDGE_S: "scores: drill seconds from onset to the first page ack",
    Metric.TIME_TO_MITIGATE_S: "scores: drill seconds from onset to mitigation; null if never",
    Metric.LOSS_USD: "scores: loss on unintended positions marked to market (positive = lost)",
    Metric.RUNBOOK_ADHERENCE: "scores: 0 to 1, see docs/runbooks.md",
    Metric.GRADE: "scores: letter grade, A (best) to F",
    Metric.POINTS: "scores: 0 to 100, the points the grade is made of",
    Metric.EXECUTIONS: "impact: unintended executions",
    Metric.SHARES: "impact: unintended shares executed",
    Metric.SYMBOLS: "impact: symbols with unintended executions",
    Metric.NET_LONG_USD: "impact: net long dollars",
    Metric.NET_LONG_SYMBOLS: "impact: symbols net long",
    Metric.NET_SHORT_USD: "impact: net short dollars",
    Metric.NET_SHORT_SYMBOLS: "impact: symbols net short",
}

GRADES: Final = ("A", "B", "C", "D", "F")
_OPS: Final[dict[str, Callable[[Any, Any], bool]]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_EXPRESSION = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(<=|>=|==|!=|<|>)\s*(\S.*?)\s*$")
Op = Literal["<", "<=", ">", ">=", "==", "!="]
Value = float | str | None
Scores = Mapping[str, float | int | str | None]


def _parse_value(metric: Metric, raw: object) -> Value:
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in ("null", "none", "~")):
        return None
    if metric is Metric.GRADE:
        letter = str(raw).strip().strip("'\"").upper()
        if letter not in GRADES:
            raise ValueError(f"grade: expected one of {', '.join(GRADES)}, got {raw!r}")
        return letter
    text = str(raw).strip().replace(",", "").replace("_", "").lstrip("$")
    try:
        number = float(text)
    except ValueError:
        if metric.value.endswith("_s"):
            return parse_duration(text)
        raise ValueError(f"{metric.value}: expected a number, got {raw!r}") from None
    if metric is Metric.RUNBOOK_ADHERENCE and not 0 <= number <= 1:
        raise ValueError(f"runbook_adherence: expected a value from 0 to 1, got {raw!r}")
    if metric is Metric.POINTS and not 0 <= number <= 100:
        raise ValueError(f"points: expected a value from 0 to 100, got {raw!r}")
    return number


def _format(value: Value) -> str:
    if value is None:
        return "null"
    if isinstance(value, float):
        return f"{value:_.0f}" if value.is_integer() and abs(value) >= 10_000 else f"{value:g}"
    return value


class Expectation(BaseModel):
    """``metric op value``: e.g. ``loss_usd < 5_000_000`` or ``grade >= B``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    metric: Metric
    op: Op
    value: Value

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, data: Any) -> Any:
        if isinstance(data, str):
            match = _EXPRESSION.match(data)
            if not match:
                raise ValueError(
                    f"expected 'METRIC OP VALUE' such as 'loss_usd < 5_000_000', got {data!r}"
                )
            data = {"metric": match[1], "op": match[2], "value": match[3]}
        if not isinstance(data, dict):
            return data
        name = str(data.get("metric", ""))
        if name not in set(Metric):
            raise ValueError(
                f"unknown metric {name!r}{did_you_mean(name, list(Metric))}"
                f" (expected one of: {', '.join(Metric)})"
            )
        if data.get("op") not in _OPS:
            raise ValueError(f"expected an operator among {' '.join(_OPS)}, got {data.get('op')!r}")
        value = _parse_value(Metric(name), data.get("value"))
        if value is None and data["op"] not in ("==", "!="):
            raise ValueError("null can only be compared with == or !=")
        return {**data, "value": value}

    @property
    def name(self) -> str:
        return f"{self.metric.value} {self.op} {_format(self.value)}"

    def check(self, scores: Scores) -> ExpectationResult:
        """Whether the run's scores meet this expectation (the scorer's rule), with a detail."""
        metrics = {k: v if isinstance(v, str | None) else float(v) for k, v in scores.items()}
        return check_expectation(self, metrics)
