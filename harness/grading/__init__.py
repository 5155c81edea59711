"""Responder grading: a scorecard per responder of a run, from its verified journal.

``grade_run(directory)`` refuses a journal that fails ``harness.journal.verify``
and otherwise grades each responder's own actions against the drill's runbook
(``docs/history.md``).
"""

from __future__ import annotations

from harness.grading.anchors import event_times
from harness.grading.models import ForbiddenTaken, GradeSheet, ResponderCard, TimelineItem
from harness.grading.scorecard import grade_events, grade_run

__all__ = [
    "ForbiddenTaken",
    "GradeSheet",
    "ResponderCard",
    "TimelineItem",
    "event_times",
    "grade_events",
    "grade_run",
]
