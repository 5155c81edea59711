"""One small class per risk control, each with its pydantic settings model."""

from __future__ import annotations

from services.risk.controls.alert_deadline import AlertDeadline, AlertSettings
from services.risk.controls.base import Control, ControlSettings, PreTradeControl, RiskState
from services.risk.controls.capital_threshold import CapitalThreshold, CapitalThresholdSettings
from services.risk.controls.daily_loss import DailyLossLimit, DailyLossLimitSettings
from services.risk.controls.dropcopy_reconciliation import (
    DropCopyReconciliation,
    DropCopyReconciliationSettings,
)
from services.risk.controls.duplicate_orders import DuplicateOrders, DuplicateOrderSettings
from services.risk.controls.kill_switch import KillSwitch, KillSwitchSettings
from services.risk.controls.message_throttle import MessageThrottle, MessageThrottleSettings
from services.risk.controls.order_size import MaxOrderSize, MaxOrderSizeSettings
from services.risk.controls.order_value import MaxOrderValue, MaxOrderValueSettings
from services.risk.controls.position_limit import PositionLimit, PositionLimitSettings
from services.risk.controls.price_collar import PriceCollar, PriceCollarSettings
from services.risk.controls.reconciliation import (
    OutputInputReconciliation,
    ReconciliationSettings,
)
from services.risk.controls.repeated_execution import (
    RepeatedExecutionSettings,
    RepeatedExecutionThrottle,
)
from services.risk.controls.stale_market_data import StaleMarketData, StaleMarketDataSettings

__all__ = [
    "AlertDeadline",
    "AlertSettings",
    "CapitalThreshold",
    "CapitalThresholdSettings",
    "Control",
    "ControlSettings",
    "DailyLossLimit",
    "DailyLossLimitSettings",
    "DropCopyReconciliation",
    "DropCopyReconciliationSettings",
    "DuplicateOrderSettings",
    "DuplicateOrders",
    "KillSwitch",
    "KillSwitchSettings",
    "MaxOrderSize",
    "MaxOrderSizeSettings",
    "MaxOrderValue",
    "MaxOrderValueSettings",
    "MessageThrottle",
    "MessageThrottleSettings",
    "OutputInputReconciliation",
    "PositionLimit",
    "PositionLimitSettings",
    "PreTradeControl",
    "PriceCollar",
    "PriceCollarSettings",
    "ReconciliationSettings",
    "RepeatedExecutionSettings",
    "RepeatedExecutionThrottle",
    "RiskState",
    "StaleMarketData",
    "StaleMarketDataSettings",
]
