"""The letter grade: detection, mitigation, loss against the drill's scale, runbook adherence.

Each part is worth a share of 100 points (``WEIGHTS``). Detection and
mitigation times score on a log scale: full marks up to their "good" time,
nothing at Knight's 45 minutes or later, or if it never happened; a tenfold
faster response is worth the same wherever it happens on the scale. A run
with no runaway at all gets both in full. Loss scores linearly from no loss
(full marks) to the reference loss (nothing): Knight's $460 million times the
drill's scale, unless the run names its own reference. Adherence is the
runbook grader's 0..1. Without a runbook grade the other parts share its
weight. ``docs/scoring.md`` gives worked examples.

The yardstick is Knight Capital's morning in the SEC's figures: SEC, *In the
Matter of Knight Capital Americas LLC*, Release No. 34-70694 (16 October 2013),
¶1, ¶17, ¶18. The report sets a Knight drill's figures beside them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

from harness.scoring.model import Grade, Milestones


@dataclass(frozen=True, slots=True)
class SecFigure:
    """One figure of the SEC order: what it counts, its unit, its value.

    ``extensive`` figures (counts of executions, shares and dollars) grow with
    a drill's ``scale``; counts of stocks and the duration do not.
    """

    key: str
    label: str
    unit: str
    value: float
    extensive: bool


KNIGHT_EXECUTIONS: Final = 4_000_000
KNIGHT_SHARES: Final = 397_000_000
KNIGHT_STOCKS: Final = 154
KNIGHT_NET_LONG_USD: Final = 3_500_000_000.0
KNIGHT_NET_LONG_STOCKS: Final = 80
KNIGHT_NET_SHORT_USD: Final = 3_150_000_000.0
KNIGHT_NET_SHORT_STOCKS: Final = 74
KNIGHT_LOSS_USD: Final = 460_000_000.0
KNIGHT_DURATION_S: Final = 45 * 60.0

SEC_FIGURES: Final[tuple[SecFigure, ...]] = (
    SecFigure("executions", "executions", "count", KNIGHT_EXECUTIONS, True),
    SecFigure("shares", "shares", "count", KNIGHT_SHARES, True),
    SecFigure("symbols", "stocks", "count", KNIGHT_STOCKS, False),
    SecFigure("net_long_usd", "net long", "usd", KNIGHT_NET_LONG_USD, True),
    SecFigure("net_long_symbols", "net long stocks", "count", KNIGHT_NET_LONG_STOCKS, False),
    SecFigure("net_short_usd", "net short", "usd", KNIGHT_NET_SHORT_USD, True),
    SecFigure("net_short_symbols", "net short stocks", "count", KNIGHT_NET_SHORT_STOCKS, False),
    SecFigure("loss_usd", "loss", "usd", KNIGHT_LOSS_USD, True),
    SecFigure("duration_s", "duration", "s", KNIGHT_DURATION_S, False),
)

SEC_SOURCE: Final = "SEC Release No. 34-70694 (16 Oct 2013), ¶1, ¶17, ¶18"

# MiFID RTS 6 Art. 16 asks for alerts within 5 s; a person needs longer to act.
DETECT_GOOD_S: Final = 5.0
MITIGATE_GOOD_S: Final = 30.0
TOO_LATE_S: Final = KNIGHT_DURATION_S

WEIGHTS: Final[dict[str, float]] = {
    "detection": 30.0,
    "mitigation": 30.0,
    "loss": 25.0,
    "adherence": 15.0,
}
LETTERS: Final[tuple[tuple[float, Grade], ...]] = (
    (90.0, "A"),
    (80.0, "B"),
    (70.0, "C"),
    (60.0, "D"),
)


def time_credit(seconds: float | None, good_s: float, too_late_s: float = TOO_LATE_S) -> float:
    """1 at or under ``good_s``, 0 at ``too_late_s`` or never, log-linear between."""
    if seconds is None or seconds >= too_late_s:
        return 0.0
    if seconds <= good_s:
        return 1.0
    return 1.0 - math.log(seconds / good_s) / math.log(too_late_s / good_s)


def loss_reference(scale: float, reference_usd: float | None = None) -> float:
    """The loss that earns nothing: ``reference_usd`` if given, else Knight's times ``scale``."""
    return reference_usd if reference_usd is not None else KNIGHT_LOSS_USD * scale


def loss_credit(loss_usd: float, reference_usd: float) -> float:
    """1 with no loss (or a gain), 0 at ``reference_usd`` or more."""
    return 1.0 - min(1.0, max(0.0, loss_usd) / reference_usd)


def points(
    milestones: Milestones, loss_usd: float, adherence: float | None, reference_usd: float
) -> float:
    """0..100, rounded to one decimal."""
    runaway = milestones.onset_us is not None
    credits = {
        "detection": time_credit(milestones.since_onset(milestones.detected_us), DETECT_GOOD_S)
        if runaway
        else 1.0,
        "mitigation": time_credit(milestones.since_onset(milestones.mitigated_us), MITIGATE_GOOD_S)
        if runaway
        else 1.0,
        "loss": loss_credit(loss_usd, reference_usd),
    }
    if adherence is not None:
        credits["adherence"] = adherence
    weight = sum(WEIGHTS[part] for part in credits)
    earned = sum(WEIGHTS[part] * credit for part, credit in credits.items())
    return round(100.0 * earned / weight, 1)


def letter(score: float) -> Grade:
    """A (90+), B (80+), C (70+), D (60+), else F."""
    return next((grade for floor, grade in LETTERS if score >= floor), "F")
