"""Risk bookkeeping and controls shared by the pre-trade gate and the post-trade monitor.

Positions, cash, exposure and P&L per account and symbol (``positions``), quotes
and marks (``market``), working orders (``working``), executed totals for
drop-copy reconciliation (``ledger``), one class per control (``controls``),
their settings (``settings``) and the two profiles (``profiles``).
"""

from __future__ import annotations

from services.risk.profiles import (
    PROFILES,
    SettingsError,
    apply_patch,
    knight_2012,
    load_settings,
    modern,
    profile,
)
from services.risk.settings import DisplaySettings, RiskSettings

__all__ = [
    "PROFILES",
    "DisplaySettings",
    "RiskSettings",
    "SettingsError",
    "apply_patch",
    "knight_2012",
    "load_settings",
    "modern",
    "profile",
]
