"""A drill's expectations (``metric op value``) checked against its scores and impact.

Metrics are the fields of ``Scores`` and ``Impact`` (``METRICS``). Times that
never happened are ``None``: they fail every comparison except ``== null``
and ``!= null``. Grades compare by quality, so ``grade >= B`` means B or A.
"""

from __future__ import annotations

import difflib
import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Final, Protocol

from harness.events import ExpectationSpec
from harness.scoring.model import ExpectationResult, Impact, Scores

Value = float | str | None

OPERATORS: Final[dict[str, Callable[[float, float], bool]]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
METRICS: Final[tuple[str, ...]] = (
    *(name for name in Scores.model_fields if name not in ("onset_s", "detected_by")),
    *Impact.model_fields,
)
_GRADE_RANK: Final = {"F": 0, "D": 1, "C": 2, "B": 3, "A": 4}


def expectation_problem(metric: str, op: str, value: Value) -> str | None:
    """Why an expectation can never be checked (for validating drill files), or ``None``."""
    if metric not in METRICS:
        close = difflib.get_close_matches(metric, METRICS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown metric {metric!r}{hint}"
    if op not in OPERATORS:
        return f"unknown operator {op!r}: use one of {', '.join(OPERATORS)}"
    if value is None:
        return None if op in ("==", "!=") else f"only == and != compare with null, not {op}"
    if metric == "grade":
        if not isinstance(value, str) or value.upper() not in _GRADE_RANK:
            return f"grade compares with a letter A, B, C, D or F, not {value!r}"
    elif isinstance(value, str):
        return f"{metric} compares with a number, not {value!r}"
    return None


def _show(metric: str, value: Value) -> str:
    if value is None:
        return "never" if metric.startswith("time_") else "null"
    if isinstance(value, str):
        return value
    if metric.endswith("_usd"):
        return f"${value:,.2f}"
    if metric.endswith("_s"):
        return f"{value:g} s"
    return f"{value:g}"


def _compare(spec: ExpectationSpec, actual: Value) -> bool:
    expected = spec.value
    if expected is None or actual is None:
        same = actual is None and expected is None
        return {"==": same, "!=": not same}.get(spec.op, False)
    if isinstance(actual, str) or isinstance(expected, str):
        return OPERATORS[spec.op](_GRADE_RANK[str(actual)], _GRADE_RANK[str(expected).upper()])
    return OPERATORS[spec.op](actual, expected)


def _check(spec: ExpectationSpec, metrics: dict[str, Value]) -> ExpectationResult:
    name = spec.name or f"{spec.metric} {spec.op} {_show(spec.metric, spec.value)}"
    problem = expectation_problem(spec.metric, spec.op, spec.value)
    actual = metrics.get(spec.metric) if problem is None else None
    return ExpectationResult(
        name=name,
        ok=problem is None and _compare(spec, actual),
        detail=problem or f"{spec.metric} was {_show(spec.metric, actual)}",
        metric=spec.metric,
        op=spec.op,
        expected=spec.value,
        actual=actual,
    )


class ExpectationLike(Protocol):
    """Anything with ``metric``, ``op`` and ``value``, such as a drill file's expectation."""

    @property
    def metric(self) -> str: ...

    @property
    def op(self) -> str: ...

    @property
    def value(self) -> Value: ...


def _spec_of(item: ExpectationLike | tuple[str, str, Value]) -> ExpectationSpec:
    if isinstance(item, ExpectationSpec):
        return item
    if isinstance(item, tuple):
        return ExpectationSpec(metric=item[0], op=item[1], value=item[2])
    # A drill's own expectation names itself; its name is a property, not a field.
    name = getattr(item, "name", "")
    return ExpectationSpec(
        metric=str(item.metric), op=str(item.op), value=item.value, name=str(name or "")
    )


def check_expectation(
    item: ExpectationLike | tuple[str, str, Value], metrics: Mapping[str, Value]
) -> ExpectationResult:
    """One expectation against a table of metric values (the one rule for every caller)."""
    spec = _spec_of(item)
    if spec.metric not in metrics:
        return ExpectationResult(
            name=spec.name or f"{spec.metric} {spec.op} {_show(spec.metric, spec.value)}",
            ok=False,
            detail=f"no score {spec.metric}",
            metric=spec.metric,
            op=spec.op,
            expected=spec.value,
            actual=None,
        )
    return _check(spec, dict(metrics))


def evaluate_expectations(
    expectations: Iterable[ExpectationLike | tuple[str, str, Value]],
    scores: Scores,
    impact: Impact,
) -> list[ExpectationResult]:
    """Check each expectation (``ExpectationSpec``, anything with ``metric``, ``op`` and
    ``value``, or a ``(metric, op, value)`` tuple) against the scores and impact, in order."""
    metrics: dict[str, Value] = {
        **{k: v for k, v in scores.model_dump().items() if k in METRICS},
        **impact.model_dump(),
    }
    return [_check(_spec_of(item), metrics) for item in expectations]
