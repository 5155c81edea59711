"""What one call into the gate core asks its wrapper to do."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.protocol import Message


@dataclass(slots=True)
class GateOutbox:
    """Messages per router and per exchange session, sessions to open or close, alerts.

    Sessions are named by the router session's id: the exchange session opened
    for a router has the same id. A wrapper writes each list in one go.
    """

    to_router: dict[int, list[Message]] = field(default_factory=dict)
    to_upstream: dict[int, list[Message]] = field(default_factory=dict)
    open_upstream: list[tuple[int, str]] = field(default_factory=list)
    close_upstream: list[int] = field(default_factory=list)
    close_router: list[int] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)

    def router(self, sid: int) -> list[Message]:
        out = self.to_router.get(sid)
        if out is None:
            out = self.to_router[sid] = []
        return out

    def upstream(self, sid: int) -> list[Message]:
        out = self.to_upstream.get(sid)
        if out is None:
            out = self.to_upstream[sid] = []
        return out

    def merge(self, other: GateOutbox) -> None:
        for sid, msgs in other.to_router.items():
            self.router(sid).extend(msgs)
        for sid, msgs in other.to_upstream.items():
            self.upstream(sid).extend(msgs)
        self.open_upstream += other.open_upstream
        self.close_upstream += other.close_upstream
        self.close_router += other.close_router
        self.alerts += other.alerts
