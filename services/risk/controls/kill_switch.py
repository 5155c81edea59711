"""The kill switch: stop new orders and cancel the working ones.

Thrown by a person (``POST /kill``) or, when ``automatic`` is on, by any
control whose breach calls for it. While thrown the gate rejects every new
child order except those that can only reduce a position (when
``allow_risk_reducing``), and on the throw it sends CANCEL_ALL on every
exchange session. A trader cannot reset it from the order flow: only
``POST /unkill`` by a named person does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.clock import format_hhmmss
from services.protocol import NewChild, RejectReason
from services.risk.controls.base import ControlSettings, PreTradeControl, RiskState
from services.risk.trips import Breach


class KillSwitchSettings(ControlSettings):
    """``enabled``: the switch exists at all; ``automatic``: controls may throw it."""

    automatic: bool = True
    allow_risk_reducing: bool = True
    cancel_working: bool = True


@dataclass(frozen=True, slots=True)
class KillEvent:
    """A throw or a reset of the switch."""

    action: str
    by: str
    reason: str
    ts: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "by": self.by,
            "reason": self.reason,
            "ts": self.ts,
            "time": format_hhmmss(self.ts),
        }


class KillSwitch(PreTradeControl[KillSwitchSettings]):
    """Refuses new risk while thrown; remembers who threw and reset it, and when."""

    name = "kill_switch"

    def __init__(self, settings: KillSwitchSettings, state: RiskState) -> None:
        super().__init__(settings, state)
        self.thrown = False
        self.history: list[KillEvent] = []

    def throw(self, reason: str, by: str, now: int) -> bool:
        """Throw the switch; ``False`` if it was already thrown."""
        if self.thrown:
            return False
        self.thrown = True
        self.history.append(KillEvent("kill", by, reason, now))
        return True

    def reset(self, by: str, now: int) -> bool:
        if not self.thrown:
            return False
        self.thrown = False
        self.history.append(KillEvent("unkill", by, "", now))
        return True

    def check(self, session: str, child: NewChild, now: int) -> Breach | None:
        if not self.thrown:
            return None
        if self.settings.allow_risk_reducing and self.state.reduces_risk(
            child.account, child.symbol, child.side, child.qty
        ):
            return None
        return Breach(self.name, RejectReason.KILL_SWITCH, "kill switch thrown", session)

    def report(self) -> dict[str, Any]:
        last = self.history[-1].as_dict() if self.history else None
        return {
            "thrown": self.thrown,
            "last": last,
            "history": [e.as_dict() for e in self.history[-20:]],
        }
