"""What the router core asks its wrapper to do, and what it counts.

The core never touches a socket: every method returns a list of actions,
which the asyncio wrapper (or the in-process simulation) carries out in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from services.protocol import Message, RejectReason


@dataclass(frozen=True, slots=True)
class ToStrategy:
    """Send ``message`` on strategy session ``session`` (the wrapper's session id)."""

    session: int
    message: Message


@dataclass(frozen=True, slots=True)
class ToGate:
    """Send ``message`` on the upstream session to the risk gate."""

    message: Message


@dataclass(frozen=True, slots=True)
class PostAlert:
    """Post an alert to the alert bus (``POST /alerts``); fire and forget."""

    kind: str
    severity: str
    text: str
    ts: int

    def body(self, source: str) -> dict[str, Any]:
        return {
            "source": source,
            "kind": self.kind,
            "severity": self.severity,
            "text": self.text,
            "ts": self.ts,
        }


@dataclass(frozen=True, slots=True)
class CloseStrategy:
    """Close a strategy session that broke the protocol (its REJECT was sent already)."""

    session: int
    reason: RejectReason
    text: str


Action = ToStrategy | ToGate | PostAlert | CloseStrategy


def _bump(table: dict[str, int], key: str, n: int = 1) -> None:
    table[key] = table.get(key, 0) + n


@dataclass
class RouterCounters:
    """Counters of one router, exposed on ``GET /stats``."""

    parents: int = 0
    parent_qty: int = 0
    parents_rejected: int = 0
    power_peg_parents: int = 0
    rlp_parents: int = 0
    children_sent: int = 0
    child_qty_sent: int = 0
    children_blocked: int = 0
    child_acks: int = 0
    cancels_sent: int = 0
    fills: int = 0
    filled_qty: int = 0
    executions_relayed: int = 0
    executions_unrouted: int = 0
    unknown_child_reports: int = 0
    session_errors: int = 0
    gate_session_rejects: int = 0
    gate_unexpected: int = 0
    gate_ups: int = 0
    gate_downs: int = 0
    activations: int = 0
    disables: int = 0
    alerts_sent: int = 0
    power_peg_ticks_skipped: int = 0
    rejects_sent: dict[str, int] = field(default_factory=dict)
    rejects_received: dict[str, int] = field(default_factory=dict)
    alerts_by_kind: dict[str, int] = field(default_factory=dict)

    def reject_sent(self, reason: RejectReason) -> None:
        _bump(self.rejects_sent, reason.name)

    def reject_received(self, reason: RejectReason) -> None:
        _bump(self.rejects_received, reason.name)

    def alert(self, kind: str) -> None:
        self.alerts_sent += 1
        _bump(self.alerts_by_kind, kind)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = dict(value) if isinstance(value, dict) else value
        return out
