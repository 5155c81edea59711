"""What every control shares: its settings base, the state it reads, the pre-trade interface.

A control is one small class with a pydantic settings model (``enabled`` plus
its thresholds). Pre-trade controls answer ``check`` for one child order with
``None`` (pass) or a ``Breach``; they read the shared ``RiskState`` (quotes,
positions, working orders), which the gate keeps current, and keep whatever
state of their own they need (windows, disabled keys). Settings can be
replaced while running (``configure``) without losing that state.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from services.protocol import NewChild, Side
from services.risk.market import MarketView
from services.risk.positions import PositionBook
from services.risk.trips import Breach
from services.risk.working import WorkingOrders


class ControlSettings(BaseModel):
    """Settings every control has: a switch. Subclasses add thresholds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True


S = TypeVar("S", bound=ControlSettings)


@dataclass
class RiskState:
    """What the controls of one service read: quotes, positions, working orders."""

    market: MarketView = field(default_factory=MarketView)
    book: PositionBook = field(default_factory=PositionBook)
    working: WorkingOrders = field(default_factory=WorkingOrders)

    def reduces_risk(self, account: str, symbol: str, side: Side, qty: int) -> bool:
        """Whether the order can only shrink the account's position, counting working orders.

        Decided from positions, not from a flag the sender sets: a runaway
        cannot talk its way past the kill switch.
        """
        pos = self.book.qty(account, symbol)
        if side is Side.SELL:
            if pos <= 0:
                return False
            return qty + self.working.side_qty(account, symbol, Side.SELL) <= pos
        if pos >= 0:
            return False
        return qty + self.working.side_qty(account, symbol, Side.BUY) <= -pos


class Control(ABC, Generic[S]):
    """A control with replaceable settings."""

    name: ClassVar[str]

    def __init__(self, settings: S, state: RiskState) -> None:
        self.state = state
        self.settings = settings
        self.configure(settings)

    def configure(self, settings: S) -> None:
        """Take new settings; subclasses cache what the hot path reads."""
        self.settings = settings

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    def report(self) -> dict[str, Any]:
        """Run-time state for ``GET /controls`` beyond the settings."""
        return {}


class PreTradeControl(Control[S]):
    """A control the gate runs on every child order before it leaves."""

    @abstractmethod
    def check(self, session: str, child: NewChild, now: int) -> Breach | None:
        """``None`` to pass the order, a ``Breach`` to stop it."""


def session_symbol(session: str, symbol: str) -> str:
    return f"{session}/{symbol}"
