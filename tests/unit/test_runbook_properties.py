"""Properties of the runbook grader over random runbooks, actions and event times."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.runbook.grader import StepStatus, grade_runbook
from harness.runbook.models import ResponderAction, Runbook
from tests.unit.test_runbook_grader import BOOK

ACTIONS = [a.value for a in ResponderAction]


@st.composite
def runbooks(draw: st.DrawFn) -> Runbook:
    """Random runbooks whose prerequisites point backwards (so never a cycle)."""
    count = draw(st.integers(min_value=1, max_value=6))
    steps = []
    for i in range(count):
        earlier = [f"s{j}" for j in range(i)]
        steps.append(
            {
                "id": f"s{i}",
                "title": "t",
                "action": draw(
                    st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=2, unique=True)
                ),
                "args": draw(st.sampled_from([{}, {"router": "router-8"}])),
                "requires": draw(st.lists(st.sampled_from(earlier), unique=True))
                if earlier
                else [],
                "deadline": draw(
                    st.sampled_from([None, "1m after detection", "before market_open"])
                ),
                "required": draw(st.booleans()),
            }
        )
    forbidden = [
        {
            "id": f"f{k}",
            "action": a,
            "unless": draw(st.lists(st.sampled_from([s["id"] for s in steps]), max_size=1)),
            "during": d,
            "penalty": p,
            "reason": "r",
        }
        for k, (a, d, p) in enumerate(
            draw(
                st.lists(
                    st.tuples(
                        st.sampled_from(ACTIONS),
                        st.sampled_from(["always", "incident"]),
                        st.floats(0, 1),
                    ),
                    max_size=3,
                )
            )
        )
    ]
    return Runbook.model_validate(
        {"name": "random", "title": "r", "summary": "s", "steps": steps, "forbidden": forbidden}
    )


timed_actions = st.lists(
    st.tuples(
        st.floats(min_value=0, max_value=50_000, allow_nan=False),
        st.sampled_from(["ana", "bo"]),
        st.sampled_from([*ACTIONS, "pray"]),
        st.sampled_from([{}, {"router": "router-8"}, {"router": "router-3"}, {"mode": "legacy"}]),
    ),
    max_size=12,
)
event_times = st.fixed_dictionaries(
    {
        "onset": st.none() | st.floats(0, 50_000),
        "detection": st.none() | st.floats(0, 50_000),
        "mitigation": st.none() | st.floats(0, 50_000),
        "market_open": st.just(34200.0),
    }
)


@settings(max_examples=300, deadline=None)
@given(runbooks(), timed_actions, event_times)
def test_adherence_is_a_fraction_and_credits_match_statuses(
    book: Runbook, actions: list[Any], events: dict[str, float | None]
) -> None:
    grade = grade_runbook(book, actions, events)
    assert 0.0 <= grade.adherence <= 1.0
    assert 0.0 <= grade.step_score <= 1.0
    assert grade.adherence == pytest.approx(max(0.0, min(1.0, grade.step_score - grade.penalty)))
    assert [s.id for s in grade.steps] == [s.id for s in book.steps]
    for step in grade.steps:
        expected = (
            0.0
            if step.status == "skipped"
            else (0.5 if step.late else 1.0) * (1.0 if step.in_order else 0.5)
        )
        assert step.credit == expected
        assert (step.at_s is None) == (step.status == "skipped")
    counted = [s.at_s for s in grade.steps if s.at_s is not None]
    assert len(counted) <= len(actions)


@settings(max_examples=200, deadline=None)
@given(runbooks(), timed_actions, event_times, st.randoms(use_true_random=False))
def test_input_order_does_not_matter_when_times_differ(
    book: Runbook, actions: list[Any], events: dict[str, float | None], rng: random.Random
) -> None:
    distinct = {a[0]: a for a in actions}
    ordered = list(distinct.values())
    shuffled = list(ordered)
    rng.shuffle(shuffled)
    assert grade_runbook(book, shuffled, events) == grade_runbook(book, ordered, events)


@settings(max_examples=300, deadline=None)
@given(runbooks(), st.floats(min_value=0, max_value=30_000))
def test_following_any_runbook_step_by_step_scores_one(book: Runbook, detection: float) -> None:
    clean = book.model_copy(update={"forbidden": []})
    replay = [
        (detection + i, "ana", step.action[0].value, dict(step.args))
        for i, step in enumerate(clean.steps)
    ]
    events = {"detection": detection, "market_open": detection + 60.0}
    grade = grade_runbook(clean, replay, events)
    assert grade.adherence == 1.0
    assert {s.status for s in grade.steps} == {StepStatus.DONE}


@settings(max_examples=200, deadline=None)
@given(timed_actions, event_times, st.sampled_from(["rollback", "deploy"]), st.floats(0, 50_000))
def test_a_forbidden_action_never_raises_adherence(
    actions: list[Any], events: dict[str, float | None], forbidden: str, at: float
) -> None:
    # In BOOK, rollback and deploy satisfy no step: adding one can only cost.
    before = grade_runbook(BOOK, actions, events).adherence
    after = grade_runbook(BOOK, [*actions, (at, "ana", forbidden, {"mode": "legacy"})], events)
    assert after.adherence <= before
