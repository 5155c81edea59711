"""What scoring produces: scores, impact, the milestones they come from, expectation results."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from services.clock import US

Grade = Literal["A", "B", "C", "D", "F"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class Scores(_Frozen):
    """The responders' scores; times in drill seconds from the onset, ``None`` if never."""

    time_to_detect_s: float | None
    time_to_acknowledge_s: float | None
    time_to_mitigate_s: float | None
    loss_usd: float
    runbook_adherence: float | None
    grade: Grade
    points: float = Field(ge=0, le=100)
    onset_s: float | None = None
    detected_by: str | None = None


class Impact(_Frozen):
    """The runaway's footprint in the SEC's columns (unintended trading only)."""

    executions: int = 0
    shares: int = 0
    symbols: int = 0
    net_long_usd: float = 0.0
    net_long_symbols: int = 0
    net_short_usd: float = 0.0
    net_short_symbols: int = 0


class Milestones(_Frozen):
    """Drill times (µs since midnight) the scores are measured between."""

    start_us: int
    end_us: int
    onset_us: int | None = None
    detected_us: int | None = None
    detected_by: str | None = None
    acknowledged_us: int | None = None
    mitigated_us: int | None = None
    flow_end_us: int | None = None

    def since_onset(self, at_us: int | None) -> float | None:
        """Drill seconds from the onset to ``at_us`` (never negative), or ``None``."""
        if at_us is None or self.onset_us is None:
            return None
        return max(0, at_us - self.onset_us) / US

    @property
    def runaway_s(self) -> float | None:
        """How long unintended orders kept executing, whether or not someone stopped them."""
        return self.since_onset(self.flow_end_us)


class ScoreCard(_Frozen):
    """Everything ``score`` computes from a run's events."""

    scores: Scores
    impact: Impact
    milestones: Milestones
    pnl_series: tuple[tuple[float, float], ...] = ()


class ExpectationResult(_Frozen):
    """One expectation checked against the scores: ``ok`` and a line saying why."""

    name: str
    ok: bool
    detail: str
    metric: str = ""
    op: str = ""
    expected: float | str | None = None
    actual: float | str | None = None
