"""``repurposed_flag`` and ``ignored_alerts`` against the real flow and alert-bus handlers."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from faults.base import FaultError
from faults.knight.signals import rules_patch
from faults.registry import build
from services.alerts.models import RoutingRules
from services.clock import MARKET_OPEN_US
from services.protocol import Flags
from services.router.registry import BuildRegistry
from tests.unit.test_knight_faults_context import InMemoryContext


@pytest.fixture
def registry_dir(tmp_path: Path) -> Path:
    return BuildRegistry.create(tmp_path / "registry").root


def rlp_bits_sent(ctx: InMemoryContext, until_us: int) -> list[bool]:
    core = ctx.flow.core
    for router in range(2):
        core.connected[router] = True
    return [bool(o.flags & Flags.RLP) for _, o in core.on_timer(until_us)]


# -- repurposed_flag ----------------------------------------------------------------


def test_repurposed_flag_puts_bit_3_on_retail_orders_until_reverted(registry_dir: Path) -> None:
    ctx = InMemoryContext(registry_dir, flow_on=False)
    assert not any(rlp_bits_sent(ctx, 8 * 3600 * 1_000_000 + 30 * 60 * 1_000_000))
    fault = build("repurposed_flag")
    handle = fault.inject(ctx)
    assert ("flow", "POST", "/rlp-flag") in ctx.calls
    assert handle.detail == {"service": "flow", "was": False}
    assert ctx.admin("flow", "GET", "/stats")["rlp_flag"] is True
    sent = rlp_bits_sent(ctx, 9 * 3600 * 1_000_000)
    assert sent and all(sent)
    fault.revert(ctx, handle)
    assert ctx.admin("flow", "GET", "/stats")["rlp_flag"] is False
    later = rlp_bits_sent(ctx, MARKET_OPEN_US)
    assert later and not any(later)


def test_repurposed_flag_revert_puts_back_what_was_there(registry_dir: Path) -> None:
    ctx = InMemoryContext(registry_dir, flow_on=True)
    fault = build("repurposed_flag")
    handle = fault.inject(ctx)
    fault.revert(ctx, handle)
    assert ctx.flow.core.rlp_flagged is True


def test_repurposed_flag_reverts_once(registry_dir: Path) -> None:
    ctx = InMemoryContext(registry_dir)
    fault = build("repurposed_flag")
    handle = fault.inject(ctx)
    fault.revert(ctx, handle)
    ctx.flow.core.set_rlp_flag(True)  # switched on again by something else
    fault.revert(ctx, handle)
    assert ctx.flow.core.rlp_flagged is True


def test_repurposed_flag_without_a_flow_is_a_fault_error(registry_dir: Path) -> None:
    ctx = InMemoryContext(registry_dir)
    ctx.stop("flow")
    with pytest.raises(FaultError, match="flow admin"):
        build("repurposed_flag").inject(ctx)


def test_repurposed_flag_revert_survives_a_vanished_flow(
    registry_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = InMemoryContext(registry_dir)
    fault = build("repurposed_flag")
    handle = fault.inject(ctx)
    ctx.stop("flow")
    with caplog.at_level(logging.WARNING):
        fault.revert(ctx, handle)
    assert "revert repurposed_flag on flow" in caplog.text


# -- ignored_alerts -----------------------------------------------------------------


def post(ctx: InMemoryContext, source: str, kind: str, severity: str = "warning") -> None:
    alert = {"source": source, "kind": kind, "severity": severity, "text": f"{kind} from {source}"}
    ctx.admin("alerts", "POST", "/alerts", alert)


def channel(ctx: InMemoryContext, name: str) -> list[dict[str, Any]]:
    alerts: list[dict[str, Any]] = ctx.admin("alerts", "GET", f"/channels/{name}")["alerts"]
    return alerts


def test_inbox_sends_what_would_page_to_the_unwatched_inbox(registry_dir: Path) -> None:
    ctx = InMemoryContext(registry_dir)
    before = ctx.admin("alerts", "GET", "/rules")
    fault = build("ignored_alerts", {"mode": "inbox"})
    handle = fault.inject(ctx)
    post(ctx, "gate", "control_trip")
    post(ctx, "monitor", "kill_switch", "critical")
    post(ctx, "drill", "noise", "critical")
    assert channel(ctx, "pager") == []
    assert [a["kind"] for a in channel(ctx, "email")] == ["control_trip", "kill_switch", "noise"]
    # The dashboard still shows them; nobody is asked to acknowledge anything.
    assert len(channel(ctx, "dashboard")) == 3
    fault.revert(ctx, handle)
    assert ctx.admin("alerts", "GET", "/rules") == before
    post(ctx, "gate", "control_trip")
    assert [a["kind"] for a in channel(ctx, "pager")] == ["control_trip"]


def test_mute_pager_swallows_pages_and_records_them_as_muted(registry_dir: Path) -> None:
    ctx = InMemoryContext(registry_dir)
    fault = build("ignored_alerts", {"mode": "mute_pager"})
    handle = fault.inject(ctx)
    assert ctx.admin("alerts", "GET", "/rules")["muted"] == ["pager"]
    post(ctx, "gate", "control_trip")
    assert channel(ctx, "pager") == []
    assert ctx.admin("alerts", "GET", "/stats")["muted"] == 1
    fault.revert(ctx, handle)
    fault.revert(ctx, handle)  # idempotent
    assert ctx.admin("alerts", "GET", "/rules")["muted"] == []
    post(ctx, "gate", "control_trip")
    assert len(channel(ctx, "pager")) == 1


def test_revert_restores_the_rules_read_at_inject_whole(registry_dir: Path) -> None:
    ctx = InMemoryContext(registry_dir)
    custom = {
        "rules": [{"name": "all-pages", "source": "*", "channels": ["pager"]}],
        "default": ["pager", "dashboard"],
        "muted": ["dashboard"],
    }
    ctx.admin("alerts", "POST", "/rules", custom)
    saved = ctx.admin("alerts", "GET", "/rules")
    fault = build("ignored_alerts", {"mode": "inbox"})
    handle = fault.inject(ctx)
    changed = ctx.admin("alerts", "GET", "/rules")
    assert changed["default"] == ["email", "dashboard"]
    assert changed["rules"][0]["channels"] == ["email"]
    assert changed["muted"] == ["dashboard"]
    fault.revert(ctx, handle)
    assert ctx.admin("alerts", "GET", "/rules") == saved


def test_ignored_alerts_revert_survives_a_vanished_bus(
    registry_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ctx = InMemoryContext(registry_dir)
    fault = build("ignored_alerts", {"mode": "mute_pager"})
    handle = fault.inject(ctx)
    ctx.stop("alerts")
    with caplog.at_level(logging.WARNING):
        fault.revert(ctx, handle)
    assert "revert ignored_alerts on alerts" in caplog.text


def test_ignored_alerts_changes_nothing_when_the_bus_is_gone(registry_dir: Path) -> None:
    ctx = InMemoryContext(registry_dir)
    ctx.stop("alerts")
    with pytest.raises(FaultError, match="alerts admin"):
        build("ignored_alerts").inject(ctx)


@pytest.mark.parametrize("mode", ["inbox", "mute_pager"])
def test_every_patch_is_a_valid_routing_table(mode: str) -> None:
    saved = RoutingRules().model_dump()
    patched = RoutingRules.model_validate({**saved, **rules_patch(saved, mode)})
    pages = [r for r in patched.rules if "pager" in r.channels and "pager" not in patched.muted]
    assert pages == []
    assert rules_patch({**saved, "muted": ["pager"]}, "mute_pager") == {"muted": ["pager"]}
