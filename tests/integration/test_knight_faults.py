"""The Knight faults on a real local topology: processes, TCP, SSH, the registry on disk.

The drill clock runs at 60 drill seconds per wall second from 08:00, so the
flow's retail parents (08:01 to the 09:30 open) arrive a couple per wall
second while the routers hold them for the open: every flagged one on a
2003.1 router is a "Power Peg disabled" e-mail, every unflagged one a plain
order.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from faults.registry import build
from harness.backends.local import LocalBackend
from harness.backends.local_context import LocalFaultContext
from harness.runstate import RunState
from harness.topology import TopologySettings, router_names
from services.deploy import HostSpec, rollback
from services.router.builds import BuildError
from services.router.registry import BuildRegistry
from services.sshkeys import load_keys

pytestmark = pytest.mark.slow


def settings(initial_build: str) -> TopologySettings:
    return TopologySettings(
        routers=2,
        flow=False,
        netproxy="off",
        drill_start="08:00",
        speed=60.0,
        symbols=20,
        initial_build=initial_build,
    )


def bring_up(
    home: Path, mp: pytest.MonkeyPatch, initial_build: str
) -> tuple[LocalBackend, RunState]:
    mp.setenv("GAMEDAY_HOME", str(home))
    backend = LocalBackend()
    return backend, backend.up(settings(initial_build))


@pytest.fixture(scope="module")
def morning(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalFaultContext]:
    """Both routers on 2003.1, the flow running: Knight's eighth server, twice."""
    with pytest.MonkeyPatch.context() as mp:
        backend, state = bring_up(tmp_path_factory.mktemp("home"), mp, "2003.1")
        try:
            backend.start(state, ["flow"])
            yield backend.fault_context(state)
        finally:
            backend.down(state)


def eventually(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


def flow_stats(ctx: LocalFaultContext) -> dict[str, Any]:
    return ctx.admin("flow", "GET", "/stats")


def power_peg_parents(ctx: LocalFaultContext) -> int:
    return sum(ctx.admin(r, "GET", "/stats")["power_peg_parents"] for r in ("router-1", "router-2"))


def power_peg_emails(ctx: LocalFaultContext) -> int:
    mails = ctx.admin("alerts", "GET", "/channels/email")["alerts"]
    return sum(1 for m in mails if "Power Peg disabled" in m["text"])


def more_rlp_parents(ctx: LocalFaultContext, how_many: int) -> dict[str, Any]:
    """Wait for the flow to send ``how_many`` more retail parents; the stats after."""
    start = flow_stats(ctx)["rlp_sent"]
    eventually(lambda: flow_stats(ctx)["rlp_sent"] >= start + how_many)
    stats = flow_stats(ctx)
    # Every flagged parent reached a router on the old build and became Power Peg.
    eventually(lambda: power_peg_parents(ctx) == flow_stats(ctx)["rlp_flagged_sent"])
    return stats


def test_repurposed_flag_makes_retail_orders_run_power_peg_on_the_old_build(
    morning: LocalFaultContext,
) -> None:
    ctx = morning
    # Before the RLP code goes live: retail orders leave without the bit.
    ctx.admin("flow", "POST", "/rlp-flag", {"on": False})
    quiet = more_rlp_parents(ctx, 3)["rlp_flagged_sent"]
    assert more_rlp_parents(ctx, 3)["rlp_flagged_sent"] == quiet

    fault = build("repurposed_flag")
    handle = fault.inject(ctx)
    assert flow_stats(ctx)["rlp_flag"] is True
    flagged = more_rlp_parents(ctx, 4)["rlp_flagged_sent"]
    assert flagged >= quiet + 4
    # Knight's 8:01 e-mails: one per flagged parent, from the routers on 2003.1.
    eventually(lambda: power_peg_emails(ctx) == flow_stats(ctx)["rlp_flagged_sent"])

    fault.revert(ctx, handle)
    fault.revert(ctx, handle)
    after = flow_stats(ctx)
    assert after["rlp_flag"] is False
    assert more_rlp_parents(ctx, 3)["rlp_flagged_sent"] == after["rlp_flagged_sent"]


def page_kinds(ctx: LocalFaultContext, channel: str) -> list[str]:
    alerts = ctx.admin("alerts", "GET", f"/channels/{channel}")["alerts"]
    return [a["kind"] for a in alerts if a["source"] in ("gate", "monitor")]


def trip(ctx: LocalFaultContext, kind: str) -> None:
    # The shape the gate posts for a control trip (services.risk.alerting.trip_alert).
    body = {"source": "gate", "kind": kind, "severity": "critical", "text": f"test {kind}"}
    ctx.admin("alerts", "POST", "/alerts", {**body, "control": "message_throttle"})


@pytest.mark.parametrize("mode", ["inbox", "mute_pager"])
def test_ignored_alerts_on_the_real_alert_bus(morning: LocalFaultContext, mode: str) -> None:
    ctx = morning
    rules = ctx.admin("alerts", "GET", "/rules")
    pages = len(page_kinds(ctx, "pager"))
    mails = len(page_kinds(ctx, "email"))
    fault = build("ignored_alerts", {"mode": mode})
    handle = fault.inject(ctx)
    trip(ctx, "control_trip")
    assert len(page_kinds(ctx, "pager")) == pages
    expected_mails = mails + 1 if mode == "inbox" else mails
    assert len(page_kinds(ctx, "email")) == expected_mails
    fault.revert(ctx, handle)
    assert ctx.admin("alerts", "GET", "/rules") == rules
    trip(ctx, "kill_switch")
    assert page_kinds(ctx, "pager")[pages:] == ["kill_switch"]


@pytest.fixture
def on_the_rlp_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LocalFaultContext]:
    """Both routers on 2012.07, a registry with no rollback target yet: a clean install."""
    backend, state = bring_up(tmp_path, monkeypatch, "2012.07")
    try:
        yield backend.fault_context(state)
    finally:
        backend.down(state)


def ship_previous(ctx: LocalFaultContext) -> dict[str, str]:
    """Roll back every router with the deploy tool; what each runs afterwards."""
    state = ctx.state
    registry = BuildRegistry(ctx.scenario.registry_dir)
    names = router_names(TopologySettings.model_validate(state.settings))
    hosts = [HostSpec(name=n, host="127.0.0.1", port=state.services[n].ports["ssh"]) for n in names]
    report = asyncio.run(rollback(registry, hosts, load_keys(Path(state.run_dir) / "keys")))
    assert report.ok, report.message
    return {n: ctx.admin(n, "GET", "/build")["version"] for n in names}


def test_rollback_to_wrong_build_ships_power_peg_to_every_router(
    on_the_rlp_build: LocalFaultContext,
) -> None:
    ctx = on_the_rlp_build
    registry = BuildRegistry(ctx.scenario.registry_dir)
    assert (registry.state.current, registry.state.previous) == ("2012.07", None)
    fault = build("rollback_to_wrong_build", {"build": "2003.1"})

    # Injected and reverted: the registry is as it was, nothing to roll back to.
    fault.revert(ctx, fault.inject(ctx))
    with pytest.raises(BuildError, match="no previous build"):
        ship_previous(ctx)

    handle = fault.inject(ctx)
    assert ship_previous(ctx) == {"router-1": "2003.1", "router-2": "2003.1"}
    # The rollback recorded itself; revert leaves the registry's own history alone.
    fault.revert(ctx, handle)
    assert (registry.state.current, registry.state.previous) == ("2003.1", "2012.07")
