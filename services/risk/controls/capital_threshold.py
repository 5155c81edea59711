"""Aggregate credit / capital threshold: notify, then block, then cancel.

Rule 15c3-5 (c)(1)(i): orders that would take the firm past pre-set credit or
capital thresholds in aggregate must be refused. The firm's gross exposure
(every account's positions at their marks, plus working orders when
``count_working``) is compared with three rising levels: past ``notify`` a
person is told, past ``block`` new risk is refused, past ``cancel`` the kill
switch is thrown so working orders are cancelled too. Orders that only reduce
a position always pass. Knight had no automated capital thresholds.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from services.protocol import PRICE_SCALE, NewChild, RejectReason
from services.risk.controls.base import ControlSettings, PreTradeControl
from services.risk.trips import Action, Breach


class CapitalThresholdSettings(ControlSettings):
    """Three rising levels of firm gross exposure, in dollars."""

    notify_dollars: int = Field(default=10_000_000, gt=0)
    block_dollars: int = Field(default=15_000_000, gt=0)
    cancel_dollars: int = Field(default=20_000_000, gt=0)
    count_working: bool = True

    @model_validator(mode="after")
    def _rising(self) -> CapitalThresholdSettings:
        if not self.notify_dollars <= self.block_dollars <= self.cancel_dollars:
            raise ValueError(
                "block_dollars: levels must rise: notify_dollars <= block_dollars <= cancel_dollars"
            )
        return self


class CapitalThreshold(PreTradeControl[CapitalThresholdSettings]):
    """Grades firm gross exposure against notify, block and cancel levels."""

    name = "capital_threshold"

    def configure(self, settings: CapitalThresholdSettings) -> None:
        super().configure(settings)
        self._levels = (
            (settings.cancel_dollars * PRICE_SCALE, Action.KILL, "cancel"),
            (settings.block_dollars * PRICE_SCALE, Action.REJECT, "block"),
            (settings.notify_dollars * PRICE_SCALE, Action.NOTIFY, "notify"),
        )
        self._notify = settings.notify_dollars * PRICE_SCALE

    def grade(self, exposure: int) -> Breach | None:
        """The breach for a firm gross exposure (price units x shares), if any."""
        if exposure < self._notify:
            return None
        for level, action, label in self._levels:
            if exposure >= level:
                return Breach(
                    self.name,
                    RejectReason.CAPITAL_THRESHOLD,
                    f"gross ${exposure // PRICE_SCALE} past {label} ${level // PRICE_SCALE}",
                    label,
                    action,
                )
        return None

    def check(self, session: str, child: NewChild, now: int) -> Breach | None:
        state = self.state
        exposure = state.book.gross + child.qty * child.price
        if self.settings.count_working:
            exposure += state.working.notional
        if exposure < self._notify:
            return None
        if state.reduces_risk(child.account, child.symbol, child.side, child.qty):
            return None
        return self.grade(exposure)

    def after_fill(self) -> Breach | None:
        """Post-trade: executed gross exposure alone."""
        return self.grade(self.state.book.gross)
