"""The settings of every control, as one pydantic model: what a profile is.

A profile (``profiles.py``) is a ``RiskSettings``; a user's overrides file and
``POST /controls`` are partial ``RiskSettings`` merged over it. Every field is
validated, so a bad threshold is refused with the path of the field that is
wrong (``price_collar.percent: Input should be greater than 0``).
"""

from __future__ import annotations

from typing import Final

from pydantic import BaseModel, ConfigDict, Field

from services.risk.controls.alert_deadline import AlertSettings
from services.risk.controls.capital_threshold import CapitalThresholdSettings
from services.risk.controls.daily_loss import DailyLossLimitSettings
from services.risk.controls.dropcopy_reconciliation import DropCopyReconciliationSettings
from services.risk.controls.duplicate_orders import DuplicateOrderSettings
from services.risk.controls.kill_switch import KillSwitchSettings
from services.risk.controls.message_throttle import MessageThrottleSettings
from services.risk.controls.order_size import MaxOrderSizeSettings
from services.risk.controls.order_value import MaxOrderValueSettings
from services.risk.controls.position_limit import PositionLimitSettings
from services.risk.controls.price_collar import PriceCollarSettings
from services.risk.controls.reconciliation import ReconciliationSettings
from services.risk.controls.repeated_execution import RepeatedExecutionSettings
from services.risk.controls.stale_market_data import StaleMarketDataSettings


class DisplaySettings(BaseModel):
    """What the monitor's ``/view`` shows a responder, and how late.

    The view is refreshed when its snapshot is older than the current lag:
    ``lag_base_us`` plus ``lag_per_exec_rate_us`` for every execution per
    second over the last ``rate_window_us``, capped at ``lag_max_us``. Knight's
    PMON lagged more the heavier the volume; a modern view has no lag.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    show_limits: bool = True
    lag_base_us: int = Field(default=0, ge=0)
    lag_per_exec_rate_us: int = Field(default=0, ge=0)
    lag_max_us: int = Field(default=0, ge=0)
    rate_window_us: int = Field(default=5_000_000, gt=0)


class RiskSettings(BaseModel):
    """Every control's switch and thresholds, plus the responder's view."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    profile: str = "custom"
    kill_switch: KillSwitchSettings = KillSwitchSettings()
    message_throttle: MessageThrottleSettings = MessageThrottleSettings()
    max_order_size: MaxOrderSizeSettings = MaxOrderSizeSettings()
    max_order_value: MaxOrderValueSettings = MaxOrderValueSettings()
    price_collar: PriceCollarSettings = PriceCollarSettings()
    stale_market_data: StaleMarketDataSettings = StaleMarketDataSettings()
    duplicate_orders: DuplicateOrderSettings = DuplicateOrderSettings()
    repeated_execution: RepeatedExecutionSettings = RepeatedExecutionSettings()
    reconciliation: ReconciliationSettings = ReconciliationSettings()
    position_limit: PositionLimitSettings = PositionLimitSettings()
    capital_threshold: CapitalThresholdSettings = CapitalThresholdSettings()
    daily_loss_limit: DailyLossLimitSettings = DailyLossLimitSettings()
    dropcopy_reconciliation: DropCopyReconciliationSettings = DropCopyReconciliationSettings()
    alerts: AlertSettings = AlertSettings()
    display: DisplaySettings = DisplaySettings()


PRE_TRADE: Final = (
    "kill_switch",
    "message_throttle",
    "max_order_size",
    "max_order_value",
    "price_collar",
    "stale_market_data",
    "duplicate_orders",
    "repeated_execution",
    "reconciliation",
    "position_limit",
    "capital_threshold",
    "daily_loss_limit",
)
"""Controls the gate runs on orders, in the order it runs them."""

POST_TRADE: Final = (
    "position_limit",
    "capital_threshold",
    "daily_loss_limit",
    "stale_market_data",
    "dropcopy_reconciliation",
)
"""Controls the monitor runs on executions and marks."""

CONTROL_NAMES: Final = tuple(n for n in RiskSettings.model_fields if n not in ("profile",))
