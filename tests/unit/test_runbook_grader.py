"""The runbook grader: per-step status, forbidden actions, and adherence in [0, 1]."""

from __future__ import annotations

import random
from typing import Any

import pytest

from harness.runbook.grader import StepStatus, TimedAction, grade_runbook
from harness.runbook.loader import load_runbook
from harness.runbook.models import ResponderAction, Runbook

BOOK = Runbook.model_validate(
    {
        "name": "test",
        "title": "Test",
        "summary": "For the grader's tests.",
        "steps": [
            {"id": "halt", "title": "h", "action": "kill_switch", "deadline": "2m after detection"},
            {
                "id": "cancel",
                "title": "c",
                "action": "cancel_all",
                "requires": "halt",
                "deadline": "3m after detection",
            },
            {"id": "verify", "title": "v", "action": "verify_builds", "requires": "halt"},
            {
                "id": "isolate",
                "title": "i",
                "action": "disable_router",
                "args": {"router": "router-8"},
                "requires": "verify",
            },
            {"id": "inbox", "title": "o", "action": "open_inbox", "required": False},
        ],
        "forbidden": [
            {
                "id": "rollback-unverified",
                "action": "rollback",
                "unless": "verify",
                "penalty": 0.5,
                "reason": "r",
            },
            {"id": "deploy-in-incident", "action": "deploy", "during": "incident", "reason": "d"},
            {
                "id": "legacy",
                "action": "deploy",
                "args": {"mode": "legacy"},
                "penalty": 0.1,
                "reason": "l",
            },
        ],
    }
)
EVENTS = {"onset": 100.0, "detection": 110.0, "mitigation": 200.0}
PERFECT = [
    (120.0, "ana", "kill_switch", {}),
    (130.0, "ana", "cancel_all", {}),
    (200.0, "bo", "verify_builds", {}),
    (300.0, "bo", "disable_router", {"router": "router-8"}),
]


def act(at: float, action: str, **args: Any) -> tuple[float, str, str, dict[str, Any]]:
    return (at, "ana", action, args)


def statuses(actions: list[Any], events: dict[str, float | None] | None = None) -> dict[str, str]:
    grade = grade_runbook(BOOK, actions, EVENTS if events is None else events)
    return {s.id: s.status.value for s in grade.steps}


def test_by_the_book() -> None:
    grade = grade_runbook(BOOK, PERFECT, EVENTS)
    assert grade.adherence == 1.0
    assert grade.violations == []
    halt = grade.step("halt")
    assert (halt.status, halt.at_s, halt.responder, halt.deadline_s) == (
        "done",
        120.0,
        "ana",
        230.0,
    )
    assert grade.step("inbox").status == StepStatus.SKIPPED  # optional: not counted
    assert grade.step("verify").responder == "bo"


def test_nothing_done() -> None:
    grade = grade_runbook(BOOK, [], EVENTS)
    assert grade.adherence == 0.0
    assert {s.status for s in grade.steps} == {StepStatus.SKIPPED}


@pytest.mark.parametrize(
    ("actions", "expected", "adherence"),
    [
        # Late: the kill switch 5 minutes after detection (deadline 2m).
        (
            [
                act(410, "kill_switch"),
                act(411, "cancel_all"),
                act(412, "verify_builds"),
                act(413, "disable_router", router="router-8"),
            ],
            {"halt": "late", "cancel": "late", "verify": "done", "isolate": "done"},
            (0.5 + 0.5 + 1 + 1) / 4,
        ),
        # Out of order: verify before the kill switch; isolate follows verify, so it is in order.
        (
            [
                act(115, "verify_builds"),
                act(120, "kill_switch"),
                act(130, "cancel_all"),
                act(140, "disable_router", router="router-8"),
            ],
            {"halt": "done", "cancel": "done", "verify": "out_of_order", "isolate": "done"},
            (1 + 1 + 0.5 + 1) / 4,
        ),
        # Out of order and late: credit 0.25.
        (
            [act(400, "cancel_all"), act(401, "kill_switch")],
            {"halt": "late", "cancel": "out_of_order", "verify": "skipped", "isolate": "skipped"},
            (0.5 + 0.25) / 4,
        ),
        # A prerequisite never done: the dependent is out of order.
        (
            [act(120, "verify_builds"), act(121, "disable_router", router="router-8")],
            {"halt": "skipped", "cancel": "skipped", "verify": "out_of_order", "isolate": "done"},
            (0.5 + 1) / 4,
        ),
        # Repeating an action after its prerequisite puts the step in order.
        (
            [act(115, "verify_builds"), *PERFECT],
            {"halt": "done", "cancel": "done", "verify": "done", "isolate": "done"},
            1.0,
        ),
        # Arguments must match: the wrong router does not isolate.
        (
            [*PERFECT[:3], act(300, "disable_router", router="router-3")],
            {"halt": "done", "cancel": "done", "verify": "done", "isolate": "skipped"},
            0.75,
        ),
        # Unknown action names match nothing.
        (
            [act(120, "pray")],
            {"halt": "skipped", "cancel": "skipped", "verify": "skipped", "isolate": "skipped"},
            0.0,
        ),
    ],
)
def test_step_statuses(actions: list[Any], expected: dict[str, str], adherence: float) -> None:
    grade = grade_runbook(BOOK, actions, EVENTS)
    assert {k: v for k, v in statuses(actions).items() if k != "inbox"} == expected
    assert grade.adherence == pytest.approx(adherence)


def test_a_deadline_whose_event_never_came_does_not_apply() -> None:
    late = [act(10_000, "kill_switch")]
    assert statuses(late, {"detection": None})["halt"] == "done"
    assert statuses(late, {})["halt"] == "done"
    assert statuses(late)["halt"] == "late"


@pytest.mark.parametrize(
    ("extra", "rules", "penalty"),
    [
        ([act(150, "rollback")], ["rollback-unverified"], 0.5),
        ([act(250, "rollback")], [], 0.0),  # after verify_builds at 200
        ([act(150, "rollback"), act(160, "rollback")], ["rollback-unverified"] * 2, 0.5),
        ([act(150, "deploy", mode="verified")], ["deploy-in-incident"], 0.25),
        ([act(250, "deploy", mode="verified")], [], 0.0),  # after mitigation
        ([act(50, "deploy", mode="verified")], [], 0.0),  # before the onset
        ([act(250, "deploy", mode="legacy")], ["legacy"], 0.1),
        ([act(150, "deploy", mode="legacy")], ["deploy-in-incident", "legacy"], 0.35),
    ],
)
def test_forbidden_actions(extra: list[Any], rules: list[str], penalty: float) -> None:
    grade = grade_runbook(BOOK, [*PERFECT, *extra], EVENTS)
    assert sorted(v.rule for v in grade.violations) == sorted(rules)
    assert grade.penalty == pytest.approx(penalty)
    assert grade.adherence == pytest.approx(1.0 - penalty)
    for violation in grade.violations:
        assert violation.reason and violation.responder == "ana"


def test_incident_window_without_mitigation_or_detection() -> None:
    deploy = [act(5_000, "deploy", mode="verified")]
    during = grade_runbook(BOOK, deploy, {"onset": 100.0})
    assert [v.rule for v in during.violations] == ["deploy-in-incident"]
    no_incident = grade_runbook(BOOK, deploy, {"market_open": 34200.0})
    assert no_incident.violations == []


def test_adherence_never_goes_below_zero() -> None:
    actions = [act(150, "rollback"), act(151, "deploy", mode="legacy")]
    grade = grade_runbook(BOOK, actions, EVENTS)
    assert grade.step_score == 0.0
    assert grade.penalty == pytest.approx(0.85)
    assert grade.adherence == 0.0


def test_each_action_counts_for_one_step_only() -> None:
    book = Runbook.model_validate(
        {
            "name": "twice",
            "title": "t",
            "summary": "s",
            "steps": [
                {"id": "verify", "title": "v", "action": "verify_builds"},
                {
                    "id": "fix",
                    "title": "f",
                    "action": ["deploy", "disable_router"],
                    "requires": "verify",
                },
                {"id": "re-verify", "title": "r", "action": "verify_builds", "requires": "fix"},
            ],
        }
    )
    once = grade_runbook(book, [act(1, "verify_builds"), act(2, "disable_router")], {})
    assert [s.status for s in once.steps] == ["done", "done", "skipped"]
    twice = grade_runbook(
        book, [act(1, "verify_builds"), act(2, "deploy"), act(3, "verify_builds")], {}
    )
    assert twice.adherence == 1.0


def test_a_runbook_without_required_steps_scores_by_penalties_only() -> None:
    book = Runbook.model_validate(
        {
            "name": "optional",
            "title": "t",
            "summary": "s",
            "steps": [{"id": "inbox", "title": "o", "action": "open_inbox", "required": False}],
            "forbidden": [
                {"id": "no-rollback", "action": "rollback", "penalty": 0.5, "reason": "r"}
            ],
        }
    )
    assert grade_runbook(book, [], EVENTS).adherence == 1.0
    assert grade_runbook(book, [act(150, "rollback")], EVENTS).adherence == 0.5


def test_list_order_does_not_matter_and_ties_keep_it() -> None:
    shuffled = list(PERFECT)
    random.Random(4).shuffle(shuffled)
    assert grade_runbook(BOOK, shuffled, EVENTS) == grade_runbook(BOOK, PERFECT, EVENTS)
    same_time = [act(120, "kill_switch"), act(120, "cancel_all")]
    assert statuses(same_time)["cancel"] == "done"
    assert statuses(list(reversed(same_time)))["cancel"] == "out_of_order"


def test_timed_actions_and_string_arguments() -> None:
    actions = [TimedAction(*a) for a in PERFECT[:3]]
    actions.append(TimedAction(300.0, "bo", ResponderAction.DISABLE_ROUTER, {"router": "router-8"}))
    assert grade_runbook(BOOK, actions, EVENTS).adherence == 1.0


MORNING = {"onset": 34200.0, "detection": 34205.0, "mitigation": 34215.0, "market_open": 34200.0}


def test_the_shipped_runaway_runbook_by_the_book() -> None:
    book = load_runbook("runaway-orders")
    actions = [
        (34210.0, "desk", "kill_switch", {}),
        (34220.0, "desk", "cancel_all", {}),
        (34230.0, "desk", "escalate", {"to": "head-of-trading"}),
        (34260.0, "desk", "verify_builds", {}),
        (34300.0, "desk", "disable_router", {"router": "router-8"}),
    ]
    grade = grade_runbook(book, actions, MORNING)
    assert grade.adherence == 1.0, grade


def test_the_shipped_runaway_runbook_the_knight_way() -> None:
    # Investigate live, roll back the good routers at +30 min, kill at +45 min.
    book = load_runbook("runaway-orders")
    events = {"onset": 34200.0, "detection": 34200.0 + 2700, "mitigation": 34200.0 + 2700}
    actions: list[tuple[float, str, str, dict[str, object]]] = [
        (34200.0 + 1800, "knight", "rollback", {}),
        (34200.0 + 2700, "knight", "kill_switch", {}),
    ]
    grade = grade_runbook(book, actions, events)
    assert [v.rule for v in grade.violations] == ["rollback-unverified"]
    assert grade.adherence == 0.0
