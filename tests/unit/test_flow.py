"""The seeded order flow: the Knight morning's 212 RLP parents and strategy flow."""

from __future__ import annotations

from collections import Counter

import pytest

from services.clock import MARKET_OPEN_US, ManualClock, parse_hhmm
from services.flow.__main__ import _parser
from services.flow.core import FlowCore
from services.flow.plan import FlowParams, Instrument, PlannedParent, build_plan
from services.flow.server import FlowService
from services.net.admin import AdminError
from services.protocol import Ack, Execution, Flags, NewParent, Reject, RejectReason

UNIVERSE = [Instrument(f"S{i:03d}", 10_000 * (1 + i % 50)) for i in range(154)]


def rlp(plan: list[PlannedParent]) -> list[PlannedParent]:
    return [p for p in plan if p.rlp]


def test_knight_morning_has_212_rlp_parents_before_the_open_on_every_symbol() -> None:
    plan = build_plan(FlowParams(), UNIVERSE, routers=8, seed=7)
    parents = [p for p in rlp(plan) if p.at_us < MARKET_OPEN_US]
    assert len(parents) == 212
    assert all(parse_hhmm("08:01") <= p.at_us < MARKET_OPEN_US for p in parents)
    assert {p.order.symbol for p in parents} == {i.symbol for i in UNIVERSE}
    per_router = Counter(p.router for p in parents)
    assert sorted(per_router) == list(range(8))
    assert max(per_router.values()) - min(per_router.values()) <= 1


def test_strategy_flow_runs_from_the_open_without_the_flag() -> None:
    plan = build_plan(FlowParams(), UNIVERSE, routers=8, seed=7)
    strategy = [p for p in plan if not p.rlp]
    assert strategy and all(p.at_us >= MARKET_OPEN_US for p in strategy)
    assert [p.at_us for p in plan] == sorted(p.at_us for p in plan)
    assert len({p.order.parent_id for p in plan}) == len(plan)


def test_same_seed_same_plan_other_seed_other_plan() -> None:
    a = build_plan(FlowParams(), UNIVERSE, 8, seed=1)
    assert a == build_plan(FlowParams(), UNIVERSE, 8, seed=1)
    assert a != build_plan(FlowParams(), UNIVERSE, 8, seed=2)


def test_retail_flow_goes_on_after_the_open() -> None:
    plan = build_plan(FlowParams(), UNIVERSE, routers=8, seed=7)
    after = [p for p in rlp(plan) if p.at_us >= MARKET_OPEN_US]
    assert 100 < len(after) < 600  # about 6 a minute for 45 minutes
    assert len({p.router for p in after}) == 8


def test_scale_multiplies_the_counts() -> None:
    full = build_plan(FlowParams(), UNIVERSE, 8, seed=3)
    tenth = build_plan(FlowParams(scale=0.1), UNIVERSE, 8, seed=3)
    assert len([p for p in rlp(tenth) if p.at_us < MARKET_OPEN_US]) == 21
    assert len(tenth) < len(full) / 5


def test_bad_parameters_are_named() -> None:
    with pytest.raises(ValueError, match="rlp_end"):
        build_plan(FlowParams(rlp_start="09:30", rlp_end="08:00"), UNIVERSE, 8, 1)
    with pytest.raises(ValueError, match="routers"):
        build_plan(FlowParams(), UNIVERSE, 0, 1)


def test_core_sends_due_parents_and_holds_them_for_an_unreachable_router() -> None:
    params = FlowParams(rlp_parents=16, rlp_per_min=0, strategy_per_min=0)
    plan = build_plan(params, UNIVERSE, 2, seed=5)
    core = FlowCore(plan, routers=2)
    core.on_connected(0)
    wake = core.next_wakeup()
    assert wake == plan[0].at_us
    sent = core.on_timer(MARKET_OPEN_US)
    assert {r for r, _ in sent} == {0}
    assert len(sent) == 8 and core.remaining == 8
    held = core.on_connected(1)
    assert len(held) == 8 and core.remaining == 0
    assert core.next_wakeup() is None


def test_core_tallies_answers() -> None:
    params = FlowParams(rlp_parents=1, rlp_per_min=0, strategy_per_min=0)
    plan = build_plan(params, UNIVERSE, 1, seed=5)
    core = FlowCore(plan, routers=1)
    core.on_message(0, Ack(1, 0))
    core.on_message(0, Execution(1, 9, "S001", plan[0].order.side, 100, 10_000, 0, 0))
    core.on_message(0, Reject(1, RejectReason.POWER_PEG_DISABLED, "Power Peg disabled"))
    tally = core.tallies[0]
    assert (tally.acked, tally.executions, tally.filled_qty, tally.rejected) == (1, 1, 100, 1)


# The reused bit is a switch of the running flow, not part of the plan.


def flagged(orders: list[NewParent]) -> list[bool]:
    return [bool(o.flags & Flags.RLP) for o in orders]


def test_the_plan_marks_retail_parents_and_leaves_bit_3_to_the_flow() -> None:
    plan = build_plan(FlowParams(), UNIVERSE, routers=8, seed=7)
    assert all(p.order.flags == 0 for p in plan)
    assert {p.order.strategy for p in rlp(plan)} == {"RLP"}
    assert {p.order.strategy for p in plan if not p.rlp} == {"ALGO"}


def test_rlp_parents_carry_bit_3_while_the_switch_is_on() -> None:
    params = FlowParams(rlp_parents=6, rlp_per_min=0, strategy_per_min=0)
    plan = build_plan(params, UNIVERSE, 1, seed=5)
    core = FlowCore(plan, routers=1)
    assert core.rlp_flagged  # the default: Knight's morning
    core.on_connected(0)
    first = [o for _, o in core.on_timer(plan[2].at_us)]
    assert flagged(first) == [True] * 3
    assert core.set_rlp_flag(False) is True
    rest = [o for _, o in core.on_timer(MARKET_OPEN_US)]
    assert flagged(rest) == [False] * 3
    # Apart from the bit, the order sent is the planned one.
    assert [o.parent_id for o in first + rest] == [p.order.parent_id for p in plan]
    assert first[0].flags & ~Flags.RLP == plan[0].order.flags
    stats = core.stats()
    assert (stats["rlp_flag"], stats["rlp_sent"], stats["rlp_flagged_sent"]) == (False, 6, 3)


def test_switching_never_changes_the_plan() -> None:
    plan = build_plan(FlowParams(rlp_parents=20), UNIVERSE, 2, seed=9)
    before = list(plan)
    core = FlowCore(plan, routers=2, rlp_flagged=False)
    core.on_connected(0)
    core.on_connected(1)
    core.on_timer(plan[5].at_us)
    core.set_rlp_flag(True)
    core.on_timer(plan[-1].at_us)
    assert plan == before == build_plan(FlowParams(rlp_parents=20), UNIVERSE, 2, seed=9)


def test_a_held_parent_leaves_with_the_switch_as_it_is_when_sent() -> None:
    params = FlowParams(rlp_parents=4, rlp_per_min=0, strategy_per_min=0)
    plan = build_plan(params, UNIVERSE, 1, seed=5)
    core = FlowCore(plan, routers=1, rlp_flagged=False)
    assert core.on_timer(MARKET_OPEN_US) == []  # router unreachable: all held
    core.set_rlp_flag(True)
    assert flagged(core.on_connected(0)) == [True] * 4


def test_strategy_parents_never_carry_the_bit() -> None:
    params = FlowParams(rlp_parents=0, rlp_per_min=0, strategy_per_min=60)
    plan = build_plan(params, UNIVERSE, 1, seed=5)
    core = FlowCore(plan, routers=1, rlp_flagged=True)
    core.on_connected(0)
    sent = [o for _, o in core.on_timer(parse_hhmm("10:15"))]
    assert sent and not any(flagged(sent))
    assert core.stats()["rlp_sent"] == 0


def flow_service(rlp_flagged: bool = True) -> FlowService:
    plan = build_plan(FlowParams(rlp_parents=2), UNIVERSE, 1, seed=5)
    return FlowService(FlowCore(plan, 1, rlp_flagged), [("127.0.0.1", 1)], ManualClock())


def test_admin_switches_the_flag_and_stats_show_it() -> None:
    service = flow_service()
    post = service.admin.routes[("POST", "/rlp-flag")]
    stats = service.admin.routes[("GET", "/stats")]
    assert stats({})["rlp_flag"] is True
    assert post({"on": False}) == {"rlp_flag": False, "was": True}
    assert stats({})["rlp_flag"] is False
    assert post({"on": False}) == {"rlp_flag": False, "was": False}  # idempotent
    assert post({"on": True}) == {"rlp_flag": True, "was": False}


@pytest.mark.parametrize("body", [{}, {"on": "maybe"}, {"on": True, "bit": 3}, {"on": None}])
def test_admin_refuses_a_bad_body_naming_the_field(body: dict[str, object]) -> None:
    service = flow_service()
    with pytest.raises(AdminError) as err:
        service.admin.routes[("POST", "/rlp-flag")](body)
    assert err.value.status == 400
    assert service.core.rlp_flagged is True


@pytest.mark.parametrize(("argv", "on"), [([], "on"), (["--rlp-flag", "off"], "off")])
def test_the_command_line_sets_the_switch_on_by_default(argv: list[str], on: str) -> None:
    args = _parser().parse_args(["--routers", "127.0.0.1:1", "--universe", "u.json", *argv])
    assert args.rlp_flag == on


def test_the_command_line_refuses_another_value() -> None:
    with pytest.raises(SystemExit):
        _parser().parse_args(["--routers", "x:1", "--universe", "u", "--rlp-flag", "yes"])
