"""``report.json``: the shape of a run's report.

Times are drill seconds since midnight unless a name says otherwise;
``started_at`` and ``ended_at`` are the only wall-clock fields (ISO 8601,
UTC). ``digest`` is the SHA-256 of the canonical JSON of the report without
``DIGEST_EXCLUDES``: two runs of the same drill with the same seed on the
deterministic ``sim`` backend have the same digest.
"""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, JsonValue

from harness.scoring import ExpectationResult, Impact, Scores

Outcome = Literal["passed", "failed", "interrupted", "error"]

REPORT_VERSION: Final = 1

# Fields that differ between identical runs: the run's name, the wall clock,
# the journal's hashes (which cover both), and the digest itself.
DIGEST_EXCLUDES: Final = frozenset({"run_id", "started_at", "ended_at", "journal", "digest"})


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


class FaultRecord(_Frozen):
    """A fault of the run: when it went in and when (if ever) it was undone."""

    fault_id: str
    name: str
    params: dict[str, JsonValue]
    target: str
    injected_at: float
    reverted_at: float | None
    revert_ok: bool | None


class ActionRecord(_Frozen):
    """Something a responder did through the control API."""

    responder: str
    action: str
    at: float
    args: dict[str, JsonValue]
    ok: bool


class TimelineEntry(_Frozen):
    """One line of the run's story, for people: what happened at which drill time."""

    at: float
    type: str
    text: str


class SecRow(_Frozen):
    """One SEC figure beside the simulated one; ``sec_scaled`` is the SEC figure times scale."""

    figure: str
    unit: str
    sec: float
    sec_scaled: float
    simulated: float | None
    ratio: float | None


class SecComparison(_Frozen):
    """The simulated runaway against Knight's, figure by figure."""

    source: str
    scale: float
    rows: tuple[SecRow, ...]


class JournalInfo(_Frozen):
    """What ``verify`` said about the journal the report was computed from."""

    records: int
    head: str
    intact: bool
    problem: str | None = None


class Report(_Frozen):
    """A drill run's report, computed from its journal."""

    report_version: int = REPORT_VERSION
    run_id: str
    drill: str
    backend: str
    seed: int
    speed: float
    scale: float
    controls: str
    responder: str
    outcome: Outcome
    outcome_detail: str = ""
    abort_reason: str | None = None
    started_at: str | None = None
    ended_at: str | None = None
    drill_start: float
    drill_end: float
    duration_s: float
    scores: Scores
    impact: Impact
    faults: tuple[FaultRecord, ...] = ()
    actions: tuple[ActionRecord, ...] = ()
    expectations: tuple[ExpectationResult, ...] = ()
    pnl_series: tuple[tuple[float, float], ...] = ()
    milestones: dict[str, float | None] = {}
    timeline: tuple[TimelineEntry, ...] = ()
    sec: SecComparison | None = None
    journal: JournalInfo | None = None
    digest: str = ""

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"
