"""Scores of a drill run, computed from its journal's events alone (``docs/scoring.md``)."""

from __future__ import annotations

from harness.scoring.expectations import (
    METRICS,
    OPERATORS,
    evaluate_expectations,
    expectation_problem,
)
from harness.scoring.model import (
    ExpectationResult,
    Grade,
    Impact,
    Milestones,
    ScoreCard,
    Scores,
)
from harness.scoring.score import runbook_adherence, score

__all__ = [
    "METRICS",
    "OPERATORS",
    "ExpectationResult",
    "Grade",
    "Impact",
    "Milestones",
    "ScoreCard",
    "Scores",
    "evaluate_expectations",
    "expectation_problem",
    "runbook_adherence",
    "score",
]
