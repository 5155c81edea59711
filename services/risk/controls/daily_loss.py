"""Daily loss limit: past a set loss, stop adding risk (and, with ``kill_on_trip``, stop).

The loss is the firm's mark-to-market P&L for the day: cash from every fill
plus every position at its mark. Pre-trade, orders that would add risk are
refused once the loss is past the limit; post-trade, the monitor checks on
every drop copy and every mark change and throws the kill switch.
"""

from __future__ import annotations

from pydantic import Field

from services.protocol import PRICE_SCALE, NewChild, RejectReason
from services.risk.controls.base import ControlSettings, PreTradeControl
from services.risk.trips import Action, Breach


class DailyLossLimitSettings(ControlSettings):
    """The most the firm may lose in a day before it stops adding risk."""

    max_loss_dollars: int = Field(default=250_000, gt=0)
    kill_on_trip: bool = Field(default=True, description="throw the kill switch on a breach")


class DailyLossLimit(PreTradeControl[DailyLossLimitSettings]):
    """Compares firm P&L with ``-max_loss_dollars``."""

    name = "daily_loss_limit"

    def configure(self, settings: DailyLossLimitSettings) -> None:
        super().configure(settings)
        self._floor = -settings.max_loss_dollars * PRICE_SCALE

    def evaluate(self) -> Breach | None:
        pnl = self.state.book.pnl
        if pnl >= self._floor:
            return None
        return Breach(
            self.name,
            RejectReason.DAILY_LOSS_LIMIT,
            f"P&L ${pnl // PRICE_SCALE} past -${self.settings.max_loss_dollars}",
            "firm",
            Action.KILL if self.settings.kill_on_trip else Action.REJECT,
        )

    def check(self, session: str, child: NewChild, now: int) -> Breach | None:
        if self.state.book.pnl >= self._floor:
            return None
        if self.state.reduces_risk(child.account, child.symbol, child.side, child.qty):
            return None
        return self.evaluate()
