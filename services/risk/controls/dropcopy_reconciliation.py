"""Drop-copy reconciliation: the gate's record of executions against the venue's.

Design choice (the FIA guides leave the interval open): every ``interval_us``
the monitor takes a cut-off ``settle_us`` in the past and asks the gate
(``GET /executions?before=CUTOFF``) for the shares it relayed per session and
symbol from executions stamped before the cut-off; it compares them with its
own totals from the drop copy for the same cut-off (``ExecutionLedger``). By
then both records must hold the same executions, so a difference past
``tolerance_shares`` is real: a drop copy that never came, executions the gate
never relayed, a session trading around the gate.

The drop copy has no replay, so the monitor can only vouch for executions
after it subscribed. The first comparison after subscribing sets a baseline
(both sides' totals at that cut-off) and later ones compare what happened
since the baseline. After a mismatch is reported the baseline moves up to the
current cut-off, so each discrepancy is reported once rather than forever.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from services.protocol import RejectReason
from services.risk.controls.base import Control, ControlSettings, RiskState
from services.risk.ledger import ExecutionLedger, Totals, compare_totals, subtract
from services.risk.trips import Action, Breach


class DropCopyReconciliationSettings(ControlSettings):
    """How often to compare, how long to let messages settle, what difference to tolerate."""

    interval_us: int = Field(default=5_000_000, gt=0, description="between comparisons, drill µs")
    settle_us: int = Field(default=5_000_000, gt=0, description="age of the cut-off, drill µs")
    tolerance_shares: int = Field(default=0, ge=0, description="difference allowed per side")


class DropCopyReconciliation(Control[DropCopyReconciliationSettings]):
    """Schedules comparisons and judges their results."""

    name = "dropcopy_reconciliation"

    def __init__(self, settings: DropCopyReconciliationSettings, state: RiskState) -> None:
        self.since: int | None = None
        self.next_at: int | None = None
        self.checks = 0
        self.mismatches = 0
        self.failed_fetches = 0
        self.last_error = ""
        self.last_diffs: list[dict[str, Any]] = []
        self.last_cutoff = 0
        self._base: tuple[int, Totals, Totals] | None = None
        super().__init__(settings, state)

    def subscribed(self, now: int) -> None:
        """The drop-copy feed is up; only executions from now on can be vouched for."""
        if self.since is None:
            self.since = now
            self.next_at = now + self.settings.settle_us + self.settings.interval_us

    def due(self, now: int) -> int | None:
        """The cut-off to fetch the gate's totals for, if a comparison is due at ``now``."""
        if self.next_at is None or now < self.next_at or self.since is None:
            return None
        self.next_at = now + self.settings.interval_us
        cutoff = now - self.settings.settle_us
        return cutoff if cutoff >= self.since else None

    def fetch_failed(self, error: str) -> None:
        self.failed_fetches += 1
        self.last_error = error

    def compare(self, cutoff: int, gate: Totals, ledger: ExecutionLedger) -> Breach | None:
        """Compare the gate's totals with the drop copy's at ``cutoff``, since the baseline."""
        ours = ledger.totals_before(cutoff)
        base = self._base
        if base is None or cutoff <= base[0]:
            if base is None:
                self._base = (cutoff, gate, ours)
            return None
        self.checks += 1
        self.last_cutoff = cutoff
        diffs = compare_totals(
            subtract(gate, base[1]), subtract(ours, base[2]), self.settings.tolerance_shares
        )
        self.last_diffs = diffs
        if not diffs:
            return None
        self.mismatches += 1
        self._base = (cutoff, gate, ours)
        first = diffs[0]
        return Breach(
            self.name,
            RejectReason.RECONCILIATION,
            f"{len(diffs)} mismatch(es), first {first['session']}/{first['symbol']}",
            "gate-vs-dropcopy",
            Action.NOTIFY,
        )

    def report(self) -> dict[str, Any]:
        return {
            "since": self.since,
            "checks": self.checks,
            "mismatches": self.mismatches,
            "failed_fetches": self.failed_fetches,
            "last_error": self.last_error,
            "last_cutoff": self.last_cutoff,
            "last_diffs": self.last_diffs[:20],
        }
