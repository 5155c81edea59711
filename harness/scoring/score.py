"""``score(events)``: every score of a run from its events alone.

Loss and the execution and share counts come from the last market snapshot
(the figures are cumulative, marked to market when it was taken). The
per-symbol columns come from the last snapshot that carries positions, since a
runner may sample positions less often than totals.
"""

from __future__ import annotations

from collections.abc import Sequence

from harness.events import Event, MarketSnapshot, RunbookGraded, RunStarted, SymbolPosition
from harness.scoring.grade import letter, loss_reference, points
from harness.scoring.milestones import QUIET_S, milestones, snapshots_of
from harness.scoring.model import Impact, ScoreCard, Scores
from services.clock import US

SERIES_STEP_S = 1.0
SERIES_MAX_GAP_S = 60.0


def loss_of(snapshots: Sequence[MarketSnapshot]) -> float:
    """Loss on unintended positions at the end (positive: money lost); 0 without snapshots."""
    return round(snapshots[-1].loss_usd, 2) if snapshots else 0.0


def impact_of(snapshots: Sequence[MarketSnapshot]) -> Impact:
    """The SEC's columns: executions, shares, stocks, net long and short dollars and stocks."""
    if not snapshots:
        return Impact()
    last = snapshots[-1]
    positions: tuple[SymbolPosition, ...] = ()
    for snap in reversed(snapshots):
        if snap.positions is not None:
            positions = snap.positions
            break
    traded = [p for p in positions if p.executions > 0 or p.shares > 0 or p.net_shares != 0]
    longs = [p.net_usd for p in traded if p.net_usd > 0]
    shorts = [-p.net_usd for p in traded if p.net_usd < 0]
    return Impact(
        executions=last.executions,
        shares=last.shares,
        symbols=len(traded),
        net_long_usd=round(sum(longs), 2),
        net_long_symbols=len(longs),
        net_short_usd=round(sum(shorts), 2),
        net_short_symbols=len(shorts),
    )


def pnl_series(
    snapshots: Sequence[MarketSnapshot],
    end_us: int | None = None,
    step_s: float = SERIES_STEP_S,
    max_gap_s: float = SERIES_MAX_GAP_S,
) -> tuple[tuple[float, float], ...]:
    """``((drill s since midnight, loss_usd), ...)``: at most one point per ``step_s``,
    at least one per ``max_gap_s`` up to ``end_us``.

    Where snapshots are further apart than ``max_gap_s`` the last known loss is
    carried forward (a step function), which is all the journal can say.
    """
    if not snapshots:
        return ()
    step, gap = int(step_s * US), int(max_gap_s * US)
    thinned: list[tuple[int, float]] = []
    for snap in snapshots:
        point = (snap.at_us, snap.loss_usd)
        if thinned and snap.at_us // step == thinned[-1][0] // step:
            thinned[-1] = point
        else:
            thinned.append(point)
    last_at = max(thinned[-1][0], end_us if end_us is not None else 0)
    filled: list[tuple[int, float]] = []
    for at_us, loss in [*thinned, (last_at, thinned[-1][1])]:
        while filled and at_us - filled[-1][0] > gap:
            filled.append((filled[-1][0] + gap, filled[-1][1]))
        if not filled or at_us != filled[-1][0]:
            filled.append((at_us, loss))
    return tuple((round(at / US, 6), round(loss, 2)) for at, loss in filled)


def runbook_adherence(events: Sequence[Event]) -> float | None:
    """The last runbook grade in the journal, or ``None`` if nobody graded the run."""
    graded = [e for e in events if isinstance(e, RunbookGraded)]
    return graded[-1].adherence if graded else None


def score(
    events: Sequence[Event],
    *,
    scale: float | None = None,
    loss_reference_usd: float | None = None,
    quiet_s: float = QUIET_S,
) -> ScoreCard:
    """Scores, impact, milestones and P&L series of a run (also a crashed run's partial one).

    ``scale`` and ``loss_reference_usd`` default to the ``RunStarted`` event's
    (else 1 and Knight's loss times the scale): the loss that earns no points.
    """
    started = next((e for e in events if isinstance(e, RunStarted)), None)
    if scale is None:
        scale = started.scale if started is not None else 1.0
    if loss_reference_usd is None and started is not None:
        loss_reference_usd = started.loss_reference_usd
    marks = milestones(events, quiet_s)
    snaps = snapshots_of(events)
    loss = loss_of(snaps)
    adherence = runbook_adherence(events)
    total = points(marks, loss, adherence, loss_reference(scale, loss_reference_usd))
    scores = Scores(
        time_to_detect_s=marks.since_onset(marks.detected_us),
        time_to_acknowledge_s=marks.since_onset(marks.acknowledged_us),
        time_to_mitigate_s=marks.since_onset(marks.mitigated_us),
        loss_usd=loss,
        runbook_adherence=adherence,
        grade=letter(total),
        points=total,
        onset_s=None if marks.onset_us is None else marks.onset_us / US,
        detected_by=marks.detected_by,
    )
    return ScoreCard(
        scores=scores,
        impact=impact_of(snaps),
        milestones=marks,
        pnl_series=pnl_series(snaps, marks.end_us),
    )
