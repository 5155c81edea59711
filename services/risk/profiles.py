"""The two risk profiles, and how settings are loaded and changed.

``knight-2012`` is what Knight had on 1 August 2012 (SEC ¶20 to ¶26): a
post-execution monitor that raised no alerts, did not show limits and lagged
under load; a 9.5% price collar that did not apply before the open; position
limits that ignored working orders; the 33 Account's $2 million gross limit
linked to no control; a kill switch only a person could throw. ``modern`` is
every control of the FIA guides and Rule 15c3-5 switched on, with an automatic
kill switch and alerts to the pager within 5 drill seconds.

``docs/risk-controls.md`` has the table of every value in both profiles.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import ValidationError

from services.risk.settings import CONTROL_NAMES, RiskSettings


class SettingsError(ValueError):
    """Settings that cannot be used; the message names the field."""


def knight_2012() -> RiskSettings:
    """Knight Capital's controls on 1 August 2012."""
    off: dict[str, Any] = {"enabled": False}
    return RiskSettings.model_validate(
        {
            "profile": "knight-2012",
            # Knight had no kill switch: at 10:15 they shut SMARS down, so a
            # switch thrown by hand lets nothing through, risk-reducing or not.
            "kill_switch": {"enabled": True, "automatic": False, "allow_risk_reducing": False},
            "message_throttle": off,
            "max_order_size": off,
            "max_order_value": off,
            "price_collar": {"enabled": True, "percent": 9.5, "pre_open": False},
            "stale_market_data": off,
            "duplicate_orders": off,
            "repeated_execution": off,
            "reconciliation": off,
            # Limits on paper only: they ignored working orders, the 33 Account's
            # $2M gross limit was linked to nothing, and no order ever met them.
            "position_limit": {
                "enabled": False,
                "count_working": False,
                "max_symbol_shares": 5_000_000,
                "max_account_gross_dollars": 250_000_000,
                "account_gross_dollars": {"33": 2_000_000},
                "unlinked_accounts": ["33"],
            },
            "capital_threshold": off,
            "daily_loss_limit": off,
            "dropcopy_reconciliation": off,
            "alerts": off,
            "display": {
                "show_limits": False,
                "lag_base_us": 2_000_000,
                "lag_per_exec_rate_us": 250_000,
                "lag_max_us": 600_000_000,
                "rate_window_us": 5_000_000,
            },
        }
    )


def modern() -> RiskSettings:
    """Every control on, automatic kill switch, alerts within 5 s."""
    return RiskSettings.model_validate(
        {
            "profile": "modern",
            "kill_switch": {"enabled": True, "automatic": True, "allow_risk_reducing": True},
            "message_throttle": {"window_us": 3_000_000, "reject_at": 3_000, "logout_at": 4_500},
            "max_order_size": {"max_qty": 10_000},
            "max_order_value": {"max_dollars": 500_000},
            "price_collar": {"percent": 5.0, "pre_open": True},
            # A minute of drill time: at 60x that is one wall second, enough for a
            # busy machine's feed; a quiet symbol is not stale (the feed is judged).
            "stale_market_data": {"max_age_us": 60_000_000, "reject_if_missing": True},
            "duplicate_orders": {"window_us": 1_000_000, "max_identical": 10},
            "repeated_execution": {"max_cycles": 40, "window_us": 5_000_000},
            "reconciliation": {"kill_on_trip": True, "max_sent_ratio": 20.0},
            "position_limit": {
                "count_working": True,
                "max_symbol_shares": 50_000,
                "max_account_gross_dollars": 5_000_000,
                "account_gross_dollars": {"33": 2_000_000},
                "unlinked_accounts": [],
            },
            "capital_threshold": {
                "notify_dollars": 10_000_000,
                "block_dollars": 15_000_000,
                "cancel_dollars": 20_000_000,
            },
            "daily_loss_limit": {"max_loss_dollars": 250_000, "kill_on_trip": True},
            "dropcopy_reconciliation": {"interval_us": 5_000_000, "settle_us": 5_000_000},
            "alerts": {"enabled": True, "deadline_us": 5_000_000},
            "display": {"show_limits": True},
        }
    )


PROFILES: Final[dict[str, Callable[[], RiskSettings]]] = {
    "knight-2012": knight_2012,
    "modern": modern,
}


def describe(exc: ValidationError) -> str:
    """One line per problem, each naming the field path."""
    lines = []
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"]) or "settings"
        lines.append(f"{path}: {err['msg']}")
    return "; ".join(lines)


def _check_names(patch: Mapping[str, Any]) -> None:
    for name in patch:
        if name not in CONTROL_NAMES and name != "profile":
            close = difflib.get_close_matches(str(name), CONTROL_NAMES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise SettingsError(f"{name}: no such control{hint}")


def apply_patch(settings: RiskSettings, patch: Mapping[str, Any]) -> RiskSettings:
    """``settings`` with ``patch`` merged in, control by control, field by field."""
    if not isinstance(patch, Mapping):
        raise SettingsError("settings: expected an object of controls")
    _check_names(patch)
    merged = settings.model_dump()
    for name, value in patch.items():
        if isinstance(value, Mapping) and isinstance(merged.get(name), dict):
            merged[name] = {**merged[name], **value}
        else:
            merged[name] = value
    try:
        return RiskSettings.model_validate(merged)
    except ValidationError as exc:
        raise SettingsError(describe(exc)) from None


def profile(name: str) -> RiskSettings:
    factory = PROFILES.get(name)
    if factory is None:
        raise SettingsError(f"profile: expected one of {', '.join(PROFILES)}, got {name!r}")
    return factory()


def load_overrides(path: Path) -> dict[str, Any]:
    """A JSON or YAML file of partial settings."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise SettingsError(
            f"{path}: not valid {path.suffix.lstrip('.') or 'YAML'}: {exc}"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: expected a mapping of controls at the top level")
    return data


def load_settings(name: str, overrides: Path | None = None) -> RiskSettings:
    """A profile, with a file of overrides merged in when given."""
    settings = profile(name)
    if overrides is None:
        return settings
    try:
        return apply_patch(settings, load_overrides(overrides))
    except SettingsError as exc:
        text = str(exc)
        raise SettingsError(
            text if text.startswith(str(overrides)) else f"{overrides}: {text}"
        ) from None
