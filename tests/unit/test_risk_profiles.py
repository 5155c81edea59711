"""The two profiles, and how settings are changed and loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.risk.catalogue import embedded, settings_table
from services.risk.profiles import (
    PROFILES,
    SettingsError,
    apply_patch,
    knight_2012,
    load_settings,
    modern,
)
from services.risk.settings import CONTROL_NAMES, POST_TRADE, PRE_TRADE


def test_knight_2012_is_what_knight_had() -> None:
    k = knight_2012()
    assert k.profile == "knight-2012"
    # No automated alerts, no automatic kill, limits not shown, a view that lags.
    assert not k.alerts.enabled
    assert k.kill_switch.enabled and not k.kill_switch.automatic
    assert not k.display.show_limits
    assert k.display.lag_base_us > 0 and k.display.lag_per_exec_rate_us > 0
    # The 9.5% collar, not applied before the open.
    assert k.price_collar.enabled and k.price_collar.percent == 9.5
    assert not k.price_collar.pre_open
    # Limits ignoring working orders; the 33 Account's $2M linked to nothing.
    assert not k.position_limit.count_working
    assert k.position_limit.account_gross_dollars["33"] == 2_000_000
    assert "33" in k.position_limit.unlinked_accounts
    for name in (
        "reconciliation",
        "repeated_execution",
        "capital_threshold",
        "daily_loss_limit",
        "dropcopy_reconciliation",
        "message_throttle",
        "duplicate_orders",
        "stale_market_data",
    ):
        assert not getattr(k, name).enabled, name


def test_modern_has_every_control_on() -> None:
    m = modern()
    for name in CONTROL_NAMES:
        if name != "display":
            assert getattr(m, name).enabled, name
    assert m.kill_switch.automatic
    assert m.alerts.deadline_us == 5_000_000
    assert m.price_collar.pre_open and m.price_collar.percent < 9.5
    assert m.position_limit.count_working
    assert not m.position_limit.unlinked_accounts
    assert m.display.show_limits and m.display.lag_base_us == 0


def test_every_control_has_a_layer() -> None:
    layered = set(PRE_TRADE) | set(POST_TRADE) | {"alerts", "display"}
    assert set(CONTROL_NAMES) == layered
    assert set(PROFILES) == {"knight-2012", "modern"}


def test_patch_changes_one_field_and_keeps_the_rest() -> None:
    patched = apply_patch(modern(), {"price_collar": {"percent": 2.5}})
    assert patched.price_collar.percent == 2.5
    assert patched.price_collar.pre_open
    assert patched.max_order_size == modern().max_order_size


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ({"price_colar": {"enabled": False}}, "price_colar: no such control (did you mean"),
        ({"price_collar": {"percent": 0}}, "price_collar.percent: Input should be greater than 0"),
        ({"price_collar": {"precent": 1}}, "price_collar.precent: Extra inputs are not permitted"),
        ({"max_order_size": 5}, "max_order_size: Input should be"),
        ({"kill_switch": {"enabled": "maybe"}}, "kill_switch.enabled: Input should be a valid"),
    ],
)
def test_bad_patches_name_the_field(patch: dict[str, object], message: str) -> None:
    with pytest.raises(SettingsError) as info:
        apply_patch(modern(), patch)
    assert str(info.value).startswith(message)


def test_overrides_file_yaml_and_json(tmp_path: Path) -> None:
    yml = tmp_path / "controls.yaml"
    yml.write_text("max_order_size:\n  max_qty: 42\n")
    assert load_settings("knight-2012", yml).max_order_size.max_qty == 42
    js = tmp_path / "controls.json"
    js.write_text('{"daily_loss_limit": {"max_loss_dollars": 7}}')
    assert load_settings("modern", js).daily_loss_limit.max_loss_dollars == 7


def test_bad_overrides_file_names_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("capital_threshold:\n  notify_dollars: -1\n")
    with pytest.raises(SettingsError, match=r"bad.yaml: capital_threshold.notify_dollars"):
        load_settings("modern", bad)
    with pytest.raises(SettingsError, match="cannot read"):
        load_settings("modern", tmp_path / "missing.yaml")
    with pytest.raises(SettingsError, match="profile: expected one of"):
        load_settings("knight-2013")


def test_the_documented_settings_table_matches_the_profiles() -> None:
    doc = Path(__file__).parents[2] / "docs" / "risk-controls.md"
    assert embedded(doc.read_text()) == settings_table()
