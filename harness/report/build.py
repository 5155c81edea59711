"""``build_report(events)``: a run's report from its journal's events, and its files.

A Knight drill (``RunStarted.reference`` is ``knight-2012``, or the drill's
name starts with ``knight``) also gets the SEC's figures beside its own:
``sec_scaled`` is the SEC figure times the drill's scale for figures that grow
with size (executions, shares, dollars); stocks and duration stay as they are.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from pydantic import ValidationError

from harness.errors import UsageError
from harness.events import (
    Aborted,
    Event,
    FaultInjected,
    FaultReverted,
    ResponderAction,
    RunEnded,
    RunStarted,
)
from harness.journal import VerifyResult, canonical_json
from harness.report.model import (
    DIGEST_EXCLUDES,
    ActionRecord,
    FaultRecord,
    JournalInfo,
    Outcome,
    Report,
    SecComparison,
    SecRow,
)
from harness.report.timeline import timeline
from harness.scoring import ExpectationResult, Milestones, ScoreCard, evaluate_expectations, score
from harness.scoring.grade import SEC_FIGURES, SEC_SOURCE
from harness.scoring.milestones import QUIET_S
from services.clock import US

REPORT_NAME: Final = "report.json"
KNIGHT_REFERENCE: Final = "knight-2012"


def _wall(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat(timespec="milliseconds")


def _outcome(ended: RunEnded | None, results: Sequence[ExpectationResult]) -> tuple[Outcome, str]:
    if ended is None:
        return "interrupted", "the journal stops before the run ended (crashed or killed)"
    if ended.outcome != "completed":
        return ended.outcome, ended.detail
    failed = sum(not r.ok for r in results)
    if failed:
        return "failed", f"{failed} of {len(results)} expectations failed"
    return "passed", f"{len(results)} expectations held"


def _faults(events: Sequence[Event]) -> tuple[FaultRecord, ...]:
    reverts = {e.fault_id: e for e in events if isinstance(e, FaultReverted)}
    records = []
    for e in events:
        if isinstance(e, FaultInjected):
            undo = reverts.get(e.fault_id)
            records.append(
                FaultRecord(
                    fault_id=e.fault_id,
                    name=e.name,
                    params=e.params,
                    target=e.target,
                    injected_at=e.at_s,
                    reverted_at=undo.at_s if undo else None,
                    revert_ok=undo.ok if undo else None,
                )
            )
    return tuple(records)


def _actions(events: Sequence[Event]) -> tuple[ActionRecord, ...]:
    return tuple(
        ActionRecord(responder=e.responder, action=e.action, at=e.at_s, args=e.args, ok=e.ok)
        for e in events
        if isinstance(e, ResponderAction)
    )


def _milestones(marks: Milestones) -> dict[str, float | None]:
    times = {
        "onset": marks.onset_us,
        "detected": marks.detected_us,
        "acknowledged": marks.acknowledged_us,
        "mitigated": marks.mitigated_us,
        "flow_end": marks.flow_end_us,
    }
    return {k: None if v is None else v / US for k, v in times.items()}


def is_knight_drill(started: RunStarted) -> bool:
    return started.reference == KNIGHT_REFERENCE or started.drill.lower().startswith("knight")


def simulated_figures(card: ScoreCard) -> dict[str, float | None]:
    """The simulated value of each SEC figure, by key."""
    figures: dict[str, float | None] = {k: float(v) for k, v in card.impact.model_dump().items()}
    figures["loss_usd"] = card.scores.loss_usd
    figures["duration_s"] = card.milestones.runaway_s
    return figures


def sec_comparison(started: RunStarted, card: ScoreCard) -> SecComparison | None:
    """The side-by-side block for a Knight drill, else ``None``."""
    if not is_knight_drill(started):
        return None
    simulated = simulated_figures(card)
    rows = []
    for fig in SEC_FIGURES:
        value = simulated[fig.key]
        scaled = fig.value * started.scale if fig.extensive else fig.value
        rows.append(
            SecRow(
                figure=fig.label,
                unit=fig.unit,
                sec=fig.value,
                sec_scaled=scaled,
                simulated=value,
                ratio=None if value is None else round(value / scaled, 6),
            )
        )
    return SecComparison(source=SEC_SOURCE, scale=started.scale, rows=tuple(rows))


def digest_of(report: Report) -> str:
    """SHA-256 of the report's canonical JSON without ``DIGEST_EXCLUDES``."""
    content = report.model_dump(mode="json", exclude=set(DIGEST_EXCLUDES))
    return hashlib.sha256(canonical_json(content)).hexdigest()


def build_report(
    events: Sequence[Event], *, journal: VerifyResult | None = None, quiet_s: float = QUIET_S
) -> Report:
    """The report of a run, from its events (a crashed run's partial journal will do)."""
    started = next((e for e in events if isinstance(e, RunStarted)), None)
    if started is None:
        raise UsageError("the journal has no run_started event: there is no run to report")
    card = score(events, quiet_s=quiet_s)
    results = evaluate_expectations(started.expectations, card.scores, card.impact)
    ended = next((e for e in reversed(events) if isinstance(e, RunEnded)), None)
    abort = next((e for e in events if isinstance(e, Aborted)), None)
    outcome, detail = _outcome(ended, results)
    marks = card.milestones
    report = Report(
        run_id=started.run_id,
        drill=started.drill,
        backend=started.backend,
        seed=started.seed,
        speed=started.speed,
        scale=started.scale,
        controls=started.controls,
        responder=started.responder,
        outcome=outcome,
        outcome_detail=detail,
        abort_reason=abort.reason if abort else None,
        started_at=_wall(started.wall),
        ended_at=_wall(max(e.wall for e in events)),
        drill_start=marks.start_us / US,
        drill_end=marks.end_us / US,
        duration_s=(marks.end_us - marks.start_us) / US,
        scores=card.scores,
        impact=card.impact,
        faults=_faults(events),
        actions=_actions(events),
        expectations=tuple(results),
        pnl_series=card.pnl_series,
        milestones=_milestones(marks),
        timeline=timeline(events, marks),
        sec=sec_comparison(started, card),
        journal=None
        if journal is None
        else JournalInfo(
            records=journal.records,
            head=journal.head,
            intact=journal.ok,
            problem=None if journal.problem is None else str(journal.problem),
        ),
    )
    return report.model_copy(update={"digest": digest_of(report)})


def write_report(report: Report, directory: str | Path) -> Path:
    """Write ``report.json`` into ``directory`` (atomically); returns its path."""
    path = Path(directory) / REPORT_NAME
    tmp = path.with_name(f".{REPORT_NAME}.tmp")
    tmp.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def read_report(path: str | Path) -> Report:
    """A ``report.json`` (or the directory holding one) read back and validated."""
    p = Path(path)
    p = p / REPORT_NAME if p.is_dir() else p
    try:
        return Report.model_validate_json(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"no report at {p}") from None
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise UsageError(f"{p}: {where}: {first['msg']}") from None
