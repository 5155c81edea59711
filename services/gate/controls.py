"""The gate's set of pre-trade controls, built from settings and rebuilt on change."""

from __future__ import annotations

from typing import Any

from services.risk.controls import (
    CapitalThreshold,
    Control,
    DailyLossLimit,
    DuplicateOrders,
    KillSwitch,
    MaxOrderSize,
    MaxOrderValue,
    MessageThrottle,
    OutputInputReconciliation,
    PositionLimit,
    PreTradeControl,
    PriceCollar,
    RepeatedExecutionThrottle,
    RiskState,
    StaleMarketData,
)
from services.risk.settings import RiskSettings


class GateControls:
    """One instance of each pre-trade control, and the chain an order goes through.

    The chain holds only enabled controls, in the order of ``settings.PRE_TRADE``:
    the kill switch first (nothing else matters while it is thrown), the cheap
    order-by-order checks next, the aggregate ones last. The message throttle
    is not in the chain: it counts every message, not only new orders.
    """

    def __init__(self, settings: RiskSettings, state: RiskState) -> None:
        self.settings = settings
        self.kill_switch = KillSwitch(settings.kill_switch, state)
        self.message_throttle = MessageThrottle(settings.message_throttle, state)
        self.max_order_size = MaxOrderSize(settings.max_order_size, state)
        self.max_order_value = MaxOrderValue(settings.max_order_value, state)
        self.price_collar = PriceCollar(settings.price_collar, state)
        self.stale_market_data = StaleMarketData(settings.stale_market_data, state)
        self.duplicate_orders = DuplicateOrders(settings.duplicate_orders, state)
        self.repeated_execution = RepeatedExecutionThrottle(settings.repeated_execution, state)
        self.reconciliation = OutputInputReconciliation(settings.reconciliation, state)
        self.position_limit = PositionLimit(settings.position_limit, state)
        self.capital_threshold = CapitalThreshold(settings.capital_threshold, state)
        self.daily_loss_limit = DailyLossLimit(settings.daily_loss_limit, state)
        self.chain: list[PreTradeControl[Any]] = []
        self._build_chain()

    @property
    def by_name(self) -> dict[str, Control[Any]]:
        return {
            c.name: c
            for c in (
                self.kill_switch,
                self.message_throttle,
                self.max_order_size,
                self.max_order_value,
                self.price_collar,
                self.stale_market_data,
                self.duplicate_orders,
                self.repeated_execution,
                self.reconciliation,
                self.position_limit,
                self.capital_threshold,
                self.daily_loss_limit,
            )
        }

    def _build_chain(self) -> None:
        self.chain = [
            c
            for c in (
                self.kill_switch,
                self.max_order_size,
                self.max_order_value,
                self.price_collar,
                self.stale_market_data,
                self.duplicate_orders,
                self.repeated_execution,
                self.reconciliation,
                self.position_limit,
                self.capital_threshold,
                self.daily_loss_limit,
            )
            if c.enabled
        ]

    def configure(self, settings: RiskSettings) -> None:
        """Take new settings; every control keeps its run-time state."""
        self.settings = settings
        for name, control in self.by_name.items():
            new = getattr(settings, name)
            if new != control.settings:
                control.configure(new)
        self._build_chain()

    def report(self) -> dict[str, Any]:
        settings = self.settings.model_dump()
        return {
            "profile": self.settings.profile,
            "controls": {
                name: {**settings[name], "state": control.report()}
                for name, control in self.by_name.items()
            },
            "alerts": settings["alerts"],
            "chain": [c.name for c in self.chain],
        }
