"""RouterCore on a hand-moved drill clock: the RLP path, Power Peg, and the controls."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from services.clock import MARKET_OPEN_US, US, parse_hhmm
from services.protocol import (
    Ack,
    Cancel,
    CancelAck,
    Execution,
    Flags,
    Logon,
    Message,
    NewChild,
    NewParent,
    Reject,
    RejectReason,
    Side,
    TimeInForce,
)
from services.router.actions import Action, CloseStrategy, PostAlert, ToGate, ToStrategy
from services.router.builds import Manifest, generate_build
from services.router.core import RouterConfig, RouterCore
from services.router.parents import ParentState, Route
from services.router.power_peg import PowerPegSettings
from services.router.slicing import SlicingSettings

S = 1  # the strategy session id used throughout


def make_core(
    version: str = "2012.07",
    features: Sequence[str] | None = None,
    interval_ms: int = 100,
    **slicing: int,
) -> RouterCore:
    build = generate_build(version, tuple(features) if features is not None else None)
    config = RouterConfig(
        name="router-8",
        power_peg=PowerPegSettings(interval_us=interval_ms * 1000),
        slicing=SlicingSettings(**slicing),
    )
    core = RouterCore(config, build.manifest)
    core.strategy_opened(S)
    assert core.on_strategy_messages(S, [Logon("strategy-rlp")], 0) == []
    core.on_gate_up(0)
    return core


def parent(
    pid: int, qty: int = 300, flags: int = Flags.RLP, tif: TimeInForce = TimeInForce.DAY
) -> NewParent:
    return NewParent(pid, "WZE", Side.BUY, tif, qty, 35_000, "RLP", "RLP", flags)


def children(actions: list[Action]) -> list[NewChild]:
    return [a.message for a in actions if isinstance(a, ToGate) and isinstance(a.message, NewChild)]


def to_strategy(actions: list[Action]) -> list[Message]:
    return [a.message for a in actions if isinstance(a, ToStrategy)]


class FillingGate:
    """Answers every child with an ACK and one full fill at the child's limit."""

    def __init__(self) -> None:
        self.exec_id = 0

    def answer(self, core: RouterCore, actions: list[Action], now: int) -> list[Action]:
        out: list[Action] = []
        pending = children(actions)
        while pending:
            replies: list[Message] = []
            for child in pending:
                self.exec_id += 1
                replies.append(Ack(child.order_id, now))
                replies.append(
                    Execution(child.order_id, self.exec_id, child.symbol, child.side,
                              child.qty, child.price, 0, now)
                )  # fmt: skip
            got = core.on_gate_messages(replies, now)
            out += got
            pending = children(got)
        return out


def run_until(core: RouterCore, end: int, gate: FillingGate | None = None) -> list[Action]:
    """Drive the core's timers up to ``end`` like a scheduler would."""
    out: list[Action] = []
    while (wake := core.next_wakeup()) is not None and wake <= end:
        actions = core.on_timer(wake)
        out += actions
        if gate is not None:
            out += gate.answer(core, actions, wake)
    return out


AT_0801 = parse_hhmm("08:01")


def test_rlp_parent_on_2012_07_is_held_until_the_open_and_fills_exactly_once() -> None:
    core = make_core("2012.07")
    gate = FillingGate()
    actions = core.on_strategy_messages(S, [parent(1)], AT_0801)
    assert to_strategy(actions) == [Ack(1, AT_0801)]
    assert children(actions) == []
    assert not any(isinstance(a, PostAlert) for a in actions)
    assert core.next_wakeup() == MARKET_OPEN_US

    opened = core.on_timer(MARKET_OPEN_US)
    (child,) = children(opened)
    assert (child.qty, child.price, child.parent_qty) == (300, 35_000, 300)
    fills = gate.answer(core, opened, MARKET_OPEN_US)
    (relay,) = [m for m in to_strategy(fills) if isinstance(m, Execution)]
    assert (relay.order_id, relay.qty, relay.leaves) == (1, 300, 0)

    later = run_until(core, MARKET_OPEN_US + 60 * US, gate)
    assert children(later) == []
    p = core.parent("strategy-rlp", 1)
    assert p is not None and p.state is ParentState.FILLED
    assert (p.child_qty_sent, p.filled, p.route) == (300, 300, Route.RLP)
    assert core.next_wakeup() is None


def test_partial_fills_are_counted_and_the_counter_stops_at_the_parent_quantity() -> None:
    core = make_core("2012.07", max_child_qty=100)
    core.on_strategy_messages(S, [parent(1, flags=0)], MARKET_OPEN_US)
    p = core.parent("strategy-rlp", 1)
    assert p is not None and p.child_qty_sent == 300 and p.children_sent == 3
    ids = p.path.working_children() if p.path else []
    now = MARKET_OPEN_US + 1
    for n, cid in enumerate(ids, 1):
        core.on_gate_messages([Execution(cid, n * 2, "WZE", Side.BUY, 40, 35_000, 60, now)], now)
        core.on_gate_messages([Execution(cid, n * 2 + 1, "WZE", Side.BUY, 60, 35_000, 0, now)], now)
    assert p.state is ParentState.FILLED and p.filled == 300 and p.child_qty_sent == 300
    assert run_until(core, now + 60 * US) == []


def test_2003_1_sends_power_peg_disabled_to_the_email_channel_before_the_open() -> None:
    core = make_core("2003.1")
    alerts: list[PostAlert] = []
    for pid in range(1, 98):
        actions = core.on_strategy_messages(S, [parent(pid)], AT_0801 + pid * US)
        assert Ack(pid, AT_0801 + pid * US) in to_strategy(actions)
        assert children(actions) == []
        alerts += [a for a in actions if isinstance(a, PostAlert)]
    assert len(alerts) == 97
    first = alerts[0]
    assert (first.kind, first.severity, first.ts) == ("power_peg_disabled", "info", AT_0801 + US)
    assert "Power Peg disabled" in first.text and "router-8" in first.text
    body = first.body("router-8")
    assert body["source"] == "router-8" and body["kind"] == "power_peg_disabled"
    assert core.counters.alerts_by_kind == {"power_peg_disabled": 97}


def test_2003_1_power_peg_overfills_many_times_over_and_keeps_growing() -> None:
    core = make_core("2003.1")
    gate = FillingGate()
    core.on_strategy_messages(S, [parent(1, qty=100)], AT_0801)
    p = core.parent("strategy-rlp", 1)
    assert p is not None and p.route is Route.POWER_PEG

    out = run_until(core, MARKET_OPEN_US + 5 * US, gate)
    at_5s = p.child_qty_sent
    assert at_5s == 51 * 100  # a child at 09:30:00.0 and every 100 ms after
    assert p.filled == at_5s > 50 * p.order.qty
    relayed = [m for m in to_strategy(out) if isinstance(m, Execution)]
    assert sum(m.qty for m in relayed) == at_5s and all(m.order_id == 1 for m in relayed)
    assert all(c.tif is TimeInForce.IOC and c.qty == 100 for c in children(out))

    run_until(core, MARKET_OPEN_US + 10 * US, gate)
    assert p.child_qty_sent == 101 * 100 > at_5s
    assert p.state is ParentState.WORKING
    assert core.next_wakeup() == MARKET_OPEN_US + 10 * US + 100_000


def test_power_peg_books_to_the_33_account_and_normal_paths_to_the_parents() -> None:
    old = make_core("2003.1")
    peg = children(old.on_strategy_messages(S, [parent(1, qty=100)], MARKET_OPEN_US))
    assert peg and {c.account for c in peg} == {"33"}
    new = make_core("2012.07")
    rlp = children(new.on_strategy_messages(S, [parent(1, qty=100)], MARKET_OPEN_US))
    assert rlp and {c.account for c in rlp} == {parent(1, qty=100).account}


def test_power_peg_limit_chases_the_last_fill() -> None:
    core = make_core("2003.1")
    (first,) = children(core.on_strategy_messages(S, [parent(1, qty=100)], MARKET_OPEN_US))
    assert first.price == 35_400  # $3.50 + 1 %, rounded up to the cent
    now = MARKET_OPEN_US + 1
    core.on_gate_messages([Execution(first.order_id, 1, "WZE", Side.BUY, 100, 52_000, 0, now)], now)
    (chase,) = children(core.on_timer(MARKET_OPEN_US + 100_000))
    assert chase.price == 52_600


def test_kill_switch_rejects_do_not_stop_power_peg() -> None:
    core = make_core("2003.1")
    core.on_strategy_messages(S, [parent(1, qty=100)], MARKET_OPEN_US)
    sent = 0
    now = MARKET_OPEN_US
    for _ in range(20):
        now = core.next_wakeup() or now
        for child in children(core.on_timer(now)):
            sent += 1
            core.on_gate_messages([Reject(child.order_id, RejectReason.KILL_SWITCH, "kill")], now)
    assert sent == 20
    assert core.counters.rejects_received == {"KILL_SWITCH": 20}
    p = core.parent("strategy-rlp", 1)
    assert p is not None and p.state is ParentState.WORKING and p.child_qty_sent == 2100


def test_disable_stops_power_peg_and_rejects_new_parents() -> None:
    core = make_core("2003.1")
    gate = FillingGate()
    core.on_strategy_messages(S, [parent(1, qty=100)], AT_0801)
    run_until(core, MARKET_OPEN_US + 2 * US, gate)
    p = core.parent("strategy-rlp", 1)
    assert p is not None
    sent = p.child_qty_sent
    stopped = core.disable(MARKET_OPEN_US + 2 * US)
    assert CancelAck(1, 0) in to_strategy(stopped)
    assert p.state is ParentState.STOPPED and core.next_wakeup() is None
    assert run_until(core, MARKET_OPEN_US + 60 * US, gate) == []
    assert p.child_qty_sent == sent
    refused = core.on_strategy_messages(S, [parent(2)], MARKET_OPEN_US + 3 * US)
    (reject,) = to_strategy(refused)
    assert isinstance(reject, Reject) and reject.reason is RejectReason.ROUTER_DISABLED
    core.enable(MARKET_OPEN_US + 4 * US)
    assert p.state is ParentState.STOPPED and core.next_wakeup() is None


def test_gate_down_blocks_children_and_counts_them() -> None:
    core = make_core("2003.1")
    core.on_strategy_messages(S, [parent(1, qty=100)], MARKET_OPEN_US)
    core.on_gate_down(MARKET_OPEN_US + 1)
    assert run_until(core, MARKET_OPEN_US + US) == []
    assert core.counters.children_blocked == 10
    core.on_gate_up(MARKET_OPEN_US + US + 1)
    assert len(children(run_until(core, MARKET_OPEN_US + 2 * US))) == 10


def test_normal_parent_resumes_after_the_gate_comes_back() -> None:
    core = make_core("2012.07")
    core.on_strategy_messages(S, [parent(1, flags=0)], MARKET_OPEN_US)
    core.on_gate_down(MARKET_OPEN_US + 1)
    resent = children(core.on_gate_up(MARKET_OPEN_US + 2))
    assert [c.qty for c in resent] == [300]


def test_activation_changes_the_route_of_new_parents_only() -> None:
    core = make_core("2003.1")
    core.on_strategy_messages(S, [parent(1, qty=100)], MARKET_OPEN_US)
    core.activate(generate_build("2012.07").manifest, MARKET_OPEN_US + 1)
    core.on_strategy_messages(S, [parent(2, qty=100)], MARKET_OPEN_US + 2)
    old, new = core.parent("strategy-rlp", 1), core.parent("strategy-rlp", 2)
    assert old is not None and new is not None
    assert (old.route, old.build, new.route, new.build) == (
        Route.POWER_PEG, "2003.1", Route.RLP, "2012.07",
    )  # fmt: skip
    run_until(core, MARKET_OPEN_US + US, FillingGate())
    assert old.child_qty_sent == 1100 and new.child_qty_sent == 100


def test_behaviour_comes_from_features_not_from_the_version_label() -> None:
    core = make_core("2012.07", features=["power_peg"])
    core.on_strategy_messages(S, [parent(1)], MARKET_OPEN_US)
    p = core.parent("strategy-rlp", 1)
    assert p is not None and p.route is Route.POWER_PEG


def test_power_peg_with_the_counter_attached_stops_at_the_parent_quantity() -> None:
    core = make_core("2003.1", features=["power_peg", "power_peg_cum_qty"])
    gate = FillingGate()
    gate.answer(core, core.on_strategy_messages(S, [parent(1, qty=300)], MARKET_OPEN_US), 0)
    run_until(core, MARKET_OPEN_US + 10 * US, gate)
    p = core.parent("strategy-rlp", 1)
    assert p is not None and p.state is ParentState.FILLED and p.child_qty_sent == 300


def test_unflagged_parents_take_the_normal_path_on_every_build() -> None:
    for version in ("2003.1", "2012.07"):
        core = make_core(version)
        gate = FillingGate()
        actions = core.on_strategy_messages(S, [parent(1, flags=0)], MARKET_OPEN_US)
        gate.answer(core, actions, MARKET_OPEN_US)
        run_until(core, MARKET_OPEN_US + 10 * US, gate)
        p = core.parent("strategy-rlp", 1)
        assert p is not None and p.state is ParentState.FILLED and p.child_qty_sent == 300


def test_late_timer_makes_up_a_bounded_burst_and_counts_the_rest() -> None:
    core = make_core("2003.1")
    core.on_strategy_messages(S, [parent(1, qty=100)], parse_hhmm("09:00"))
    sent = children(core.on_timer(MARKET_OPEN_US + 10 * US))
    assert len(sent) == 20
    assert core.counters.power_peg_ticks_skipped == 81


def test_gate_reject_ends_a_normal_parent_with_a_reject() -> None:
    core = make_core("2012.07")
    (child,) = children(core.on_strategy_messages(S, [parent(1, flags=0)], MARKET_OPEN_US))
    out = core.on_gate_messages(
        [Reject(child.order_id, RejectReason.PRICE_COLLAR, "collar")], MARKET_OPEN_US
    )
    (reject,) = to_strategy(out)
    assert isinstance(reject, Reject) and reject.reason is RejectReason.PRICE_COLLAR
    assert reject.order_id == 1 and "collar" in reject.text


def test_ioc_parent_ends_when_its_child_is_cancelled() -> None:
    core = make_core("2012.07")
    out = core.on_strategy_messages(S, [parent(1, flags=0, tif=TimeInForce.IOC)], MARKET_OPEN_US)
    (child,) = children(out)
    done = core.on_gate_messages([CancelAck(child.order_id, 300)], MARKET_OPEN_US)
    assert to_strategy(done) == [CancelAck(1, 300)]
    assert core.next_wakeup() is None


def test_day_parent_retries_after_its_child_is_cancelled_upstream() -> None:
    core = make_core("2012.07", retry_us=500_000)
    (child,) = children(core.on_strategy_messages(S, [parent(1, flags=0)], MARKET_OPEN_US))
    core.on_gate_messages([CancelAck(child.order_id, 300)], MARKET_OPEN_US)
    assert core.next_wakeup() == MARKET_OPEN_US + 500_000
    (again,) = children(core.on_timer(MARKET_OPEN_US + 500_000))
    assert again.qty == 300 and again.order_id != child.order_id


def test_strategy_cancel_takes_the_child_off_and_acks() -> None:
    core = make_core("2012.07")
    (child,) = children(core.on_strategy_messages(S, [parent(1, flags=0)], MARKET_OPEN_US))
    out = core.on_strategy_messages(S, [Cancel(1, "WZE")], MARKET_OPEN_US + 1)
    assert ToGate(Cancel(child.order_id, "WZE")) in out
    assert to_strategy(out) == [CancelAck(1, 300)]
    again = to_strategy(core.on_strategy_messages(S, [Cancel(1, "WZE")], MARKET_OPEN_US + 2))
    assert isinstance(again[0], Reject) and again[0].reason is RejectReason.UNKNOWN_ORDER


@pytest.mark.parametrize(
    ("message", "reason"),
    [
        (parent(1), RejectReason.NOT_LOGGED_ON),
        (Execution(1, 1, "WZE", Side.BUY, 1, 1, 0, 0), RejectReason.NOT_LOGGED_ON),
    ],
)
def test_messages_before_logon_close_the_session(message: Message, reason: RejectReason) -> None:
    core = RouterCore(RouterConfig(), generate_build("2012.07").manifest)
    core.strategy_opened(7)
    out = core.on_strategy_messages(7, [message, Logon("late")], 0)
    assert isinstance(out[0], ToStrategy) and isinstance(out[0].message, Reject)
    assert out[0].message.reason is reason and out[0].message.order_id == 0
    assert isinstance(out[1], CloseStrategy) and len(out) == 2
    assert core.counters.session_errors == 1


def test_order_level_problems_reject_the_order_and_keep_the_session() -> None:
    core = make_core("2012.07")
    out = core.on_strategy_messages(
        S, [parent(1, flags=0), parent(1, flags=0), parent(2, flags=1 << 20)], MARKET_OPEN_US
    )
    rejects = [m for m in to_strategy(out) if isinstance(m, Reject)]
    assert [r.reason for r in rejects] == [RejectReason.DUPLICATE_ID, RejectReason.BAD_FIELD]
    assert "0x100000" in rejects[1].text
    assert not any(isinstance(a, CloseStrategy) for a in out)
    wrong = core.on_strategy_messages(
        S, [NewChild(1, 1, "WZE", Side.BUY, TimeInForce.DAY, 1, 1, "A", 1)], 1
    )
    assert isinstance(wrong[-1], CloseStrategy) and wrong[-1].reason is RejectReason.UNKNOWN_TYPE


def test_same_inputs_give_the_same_actions() -> None:
    def script() -> list[Action]:
        core = make_core("2003.1")
        gate = FillingGate()
        out = core.on_strategy_messages(S, [parent(i, qty=100 * i) for i in range(1, 6)], AT_0801)
        out += run_until(core, MARKET_OPEN_US + 3 * US, gate)
        return out

    assert script() == script()


def test_manifest_round_trips_through_the_core_status() -> None:
    core = make_core("2012.07")
    stats = core.stats()
    manifest = Manifest.model_validate({"version": stats["version"], "sha256": stats["sha256"]})
    assert manifest.sha256 == generate_build("2012.07").manifest.sha256
    assert stats["flag_bit_3"] == "rlp"
