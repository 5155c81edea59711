"""Executed shares per session and symbol, answerable "as of" a past cut-off.

Drop-copy reconciliation compares two records of the same executions: the
gate's (the executions it relayed to routers) and the venue's drop copy (what
the monitor received). Both arrive continuously, so at any instant one side
may be a few messages ahead of the other. Comparing totals *as of a cut-off*
in exchange time (every execution carries the exchange's timestamp) removes
that noise: once the cut-off is older than the settle time, both records
must hold exactly the same executions before it, and any difference is real.

The ledger keeps running totals plus the executions of the last
``retention_us``, so totals before a recent cut-off are the running totals
minus the few recent executions after it.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from services.protocol import Side

# Enum members as module constants: in CPython 3.11 ``Side.BUY`` is a
# descriptor call, about ten times the cost of a global on a hot path.
_BUY = Side.BUY


# Executions of different sessions interleave on arrival, so the history is
# only nearly sorted by exchange time; scanning this far past the cut-off
# catches any that arrived out of order.
_ORDER_SLACK_US = 1_000_000

Totals = dict[str, dict[str, list[int]]]
"""``{session: {symbol: [bought, sold, executions]}}``."""


class ExecutionLedger:
    """Running executed totals per (session, symbol) with a short history."""

    def __init__(self, retention_us: int = 120_000_000) -> None:
        self.retention_us = retention_us
        self.totals: dict[tuple[str, str], list[int]] = {}  # bought, sold, executions
        self._recent: deque[tuple[int, str, str, Side, int]] = deque()
        self._newest = 0

    def record(self, session: str, symbol: str, side: Side, qty: int, ts: int) -> None:
        row = self.totals.get((session, symbol))
        if row is None:
            row = self.totals[(session, symbol)] = [0, 0, 0]
        row[0 if side is _BUY else 1] += qty
        row[2] += 1
        recent = self._recent
        recent.append((ts, session, symbol, side, qty))
        if ts > self._newest:
            self._newest = ts
        horizon = self._newest - self.retention_us
        while recent and recent[0][0] < horizon:
            recent.popleft()

    def totals_before(self, cutoff: int) -> Totals:
        """``{session: {symbol: [bought, sold, executions]}}`` of executions with ts < cutoff."""
        out: Totals = {}
        for (session, symbol), row in self.totals.items():
            out.setdefault(session, {})[symbol] = list(row)
        slack = cutoff - _ORDER_SLACK_US
        for ts, session, symbol, side, qty in reversed(self._recent):
            if ts < cutoff:
                if ts < slack:
                    break
                continue
            row = out[session][symbol]
            row[0 if side is _BUY else 1] -= qty
            row[2] -= 1
        return out

    def covers(self, cutoff: int) -> bool:
        """Whether the history still reaches back to ``cutoff``."""
        return cutoff >= self._newest - self.retention_us


def subtract(later: Totals, earlier: Totals) -> Totals:
    """Per (session, symbol), what happened between two sets of totals."""
    out: Totals = {}
    for session, symbols in later.items():
        base = earlier.get(session, {})
        for symbol, row in symbols.items():
            b = base.get(symbol, [0, 0, 0])
            out.setdefault(session, {})[symbol] = [row[0] - b[0], row[1] - b[1], row[2] - b[2]]
    return out


def compare_totals(
    ours: Totals,
    theirs: Totals,
    tolerance: int = 0,
) -> list[dict[str, Any]]:
    """Every (session, symbol) whose bought or sold shares differ by more than ``tolerance``."""
    diffs: list[dict[str, Any]] = []
    for session in sorted(set(ours) | set(theirs)):
        a, b = ours.get(session, {}), theirs.get(session, {})
        for symbol in sorted(set(a) | set(b)):
            ra, rb = a.get(symbol, [0, 0, 0]), b.get(symbol, [0, 0, 0])
            if abs(ra[0] - rb[0]) > tolerance or abs(ra[1] - rb[1]) > tolerance:
                diffs.append(
                    {
                        "session": session,
                        "symbol": symbol,
                        "ours": {"bought": ra[0], "sold": ra[1], "executions": ra[2]},
                        "theirs": {"bought": rb[0], "sold": rb[1], "executions": rb[2]},
                    }
                )
    return diffs
