"""Resilience drills as CI tests: copy this file into your repository and adjust.

Run with ``pytest examples/ci --gameday-backend sim --junitxml resilience.xml``.
Each test runs a drill on the deterministic ``sim`` backend (seconds per drill);
the JUnit XML carries every score as a property of its test case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from harness.pytest_drills import Gameday


@pytest.mark.drill(
    "flag-reuse",
    responder="by-the-book",
    controls="modern",
    expect=["time_to_detect_s <= 30", "time_to_mitigate_s <= 120", "grade >= B"],
)
def test_runaway_router_is_stopped_by_the_book() -> None:
    """Modern controls and a responder following the runbook stop the runaway at once."""


def test_controls_stop_the_runaway_with_nobody_watching(gameday: Gameday) -> None:
    """Even with nobody at the desk, modern controls keep the loss small."""
    report = gameday.run(
        "flag-reuse",
        responder="asleep",
        controls="modern",
        expect=["time_to_detect_s <= 5", "loss_usd < 1_000"],
    )
    assert report.impact.executions < 100
