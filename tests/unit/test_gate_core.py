"""The gate core without sockets: sessions, relaying, controls on the order path, kill switch."""

from __future__ import annotations

import pytest

from services.clock import MARKET_OPEN_US, US
from services.gate.core import GateCore
from services.gate.links import KillSwitchDisabled
from services.gate.outbox import GateOutbox
from services.protocol import (
    Ack,
    CancelAck,
    CancelAll,
    Execution,
    Heartbeat,
    Logon,
    MarketData,
    NewChild,
    NewParent,
    Reject,
    RejectReason,
    Side,
    TimeInForce,
    to_price,
)
from services.risk.profiles import SettingsError, apply_patch, knight_2012, modern
from services.risk.settings import RiskSettings

T0 = MARKET_OPEN_US
ASK = to_price(10.00)


class Desk:
    """A gate core with routers logged on and an exchange that fills IOC orders at the ask."""

    def __init__(self, settings: RiskSettings) -> None:
        self.gate = GateCore(settings)
        self.gate.on_market_data([MarketData("WIZZ", ASK - 100, 500, ASK, 500, ASK, T0)], T0)
        self.sent: dict[int, list[object]] = {}
        self.to_router: dict[int, list[object]] = {}
        self.alerts: list[dict[str, object]] = []
        self.next_exec = 1

    def take(self, out: GateOutbox) -> GateOutbox:
        for sid, msgs in out.to_upstream.items():
            self.sent.setdefault(sid, []).extend(msgs)
        for sid, msgs in out.to_router.items():
            self.to_router.setdefault(sid, []).extend(msgs)
        self.alerts += out.alerts
        return out

    def logon(self, sid: int, name: str, now: int = T0) -> None:
        self.gate.router_opened(sid, now)
        out = self.take(self.gate.on_router_messages(sid, [Logon(name)], now))
        assert out.open_upstream == [(sid, name)]
        self.take(self.gate.upstream_up(sid, now))

    def send(self, sid: int, child: NewChild, now: int, fill: bool = True) -> GateOutbox:
        out = self.take(self.gate.on_router_messages(sid, [child], now))
        if fill and child in out.to_upstream.get(sid, []):
            execution = Execution(
                child.order_id, self.next_exec, child.symbol, child.side, child.qty, ASK, 0, now
            )
            self.next_exec += 1
            self.take(
                self.gate.on_upstream_messages(sid, [Ack(child.order_id, now), execution], now)
            )
        return out

    def rejects(self, sid: int) -> list[Reject]:
        return [m for m in self.to_router.get(sid, []) if isinstance(m, Reject)]


def ioc(
    order_id: int, parent_id: int = 1, parent_qty: int = 100, qty: int = 100, price: int = ASK
) -> NewChild:
    return NewChild(
        order_id, parent_id, "WIZZ", Side.BUY, TimeInForce.IOC, qty, price, "RLP", parent_qty
    )


def run_power_peg(desk: Desk, sid: int, seconds: float, per_second: int = 15) -> int:
    """Children 100 shares each at the ask for a 100-share parent, far past its quantity."""
    step = US // per_second
    n = int(seconds * per_second)
    for i in range(n):
        desk.send(sid, ioc(1000 + i), T0 + i * step)
    return n


def test_power_peg_runaway_trips_the_kill_switch_within_a_few_drill_seconds() -> None:
    desk = Desk(modern())
    desk.logon(1, "router-7")
    desk.logon(2, "router-8")
    resting = NewChild(1, 50, "WIZZ", Side.BUY, TimeInForce.DAY, 100, ASK - 500, "ALGO", 100)
    desk.send(1, resting, T0, fill=False)
    run_power_peg(desk, 2, seconds=10)
    kill = desk.gate.controls.kill_switch
    assert kill.thrown
    assert kill.history[0].ts - T0 <= 2 * US
    first = desk.gate.trips.first["reconciliation"]
    assert first.key == "router-8/1" and first.ts - T0 < US
    # CANCEL_ALL went up on every exchange session, the quiet router's too.
    for sid in (1, 2):
        assert CancelAll("") in desk.sent[sid]
    # The runaway was cut off: one child past its parent at most reached the exchange.
    forwarded = [m for m in desk.sent[2] if isinstance(m, NewChild)]
    assert len(forwarded) == 1
    reasons = {r.reason for r in desk.rejects(2)}
    assert reasons == {RejectReason.RECONCILIATION, RejectReason.KILL_SWITCH}
    kinds = [a["kind"] for a in desk.alerts]
    assert kinds == ["control_trip", "kill_switch"]


def test_in_knight_2012_nothing_automatic_happens() -> None:
    desk = Desk(knight_2012())
    desk.logon(2, "router-8")
    n = run_power_peg(desk, 2, seconds=10)
    assert not desk.gate.controls.kill_switch.thrown
    assert desk.gate.trips.total == 0
    assert desk.alerts == []
    assert len([m for m in desk.sent[2] if isinstance(m, NewChild)]) == n
    assert desk.gate.state.book.qty("RLP", "WIZZ") == n * 100


def test_a_runaway_that_lies_about_its_parent_hits_the_repeated_execution_throttle() -> None:
    desk = Desk(modern())
    desk.logon(2, "router-8")
    for i in range(60):
        # Pegged to the last fill, the price creeps up, so no two children are identical.
        child = ioc(1000 + i, parent_qty=1_000_000, price=ASK + 100 * i)
        desk.send(2, child, T0 + i * US // 15)
    disabled = desk.gate.controls.repeated_execution.disabled
    assert ("router-8", "WIZZ") in disabled
    assert disabled[("router-8", "WIZZ")] - T0 < 4 * US
    assert RejectReason.REPEATED_EXECUTION in {r.reason for r in desk.rejects(2)}
    assert desk.gate.reenable("router-8", None, "ops", T0 + 5 * US) == ["router-8/WIZZ"]


def test_knight_2012_kill_by_hand_lets_nothing_through() -> None:
    desk = Desk(knight_2012())
    desk.logon(1, "router-1")
    desk.send(1, ioc(1, parent_qty=300, qty=300), T0)
    desk.take(desk.gate.kill("shut SMARS down", "ops-lead", T0 + US))
    # It would reduce the position the first child left, and still is refused.
    sell = NewChild(3, 3, "WIZZ", Side.SELL, TimeInForce.IOC, 300, ASK - 100, "RLP", 300)
    out = desk.send(1, sell, T0 + US, fill=False)
    assert out.to_router[1][0].reason is RejectReason.KILL_SWITCH  # type: ignore[union-attr]


def test_manual_kill_cancels_allows_risk_reducing_and_unkill_resets() -> None:
    desk = Desk(modern())
    desk.logon(1, "router-1")
    desk.send(1, ioc(1, parent_qty=300, qty=300), T0)
    out = desk.take(desk.gate.kill("45 minutes in", "ops-lead", T0 + US))
    assert out.to_upstream[1] == [CancelAll("")]
    assert desk.gate.trips.first["kill_switch"].key == "ops-lead"
    buy = desk.send(1, ioc(2, parent_id=2), T0 + US)
    assert buy.to_router[1][0].reason is RejectReason.KILL_SWITCH  # type: ignore[union-attr]
    sell = NewChild(3, 3, "WIZZ", Side.SELL, TimeInForce.IOC, 300, ASK - 100, "RLP", 300)
    assert sell in desk.send(1, sell, T0 + US, fill=False).to_upstream[1]
    assert desk.gate.unkill("ops-lead", T0 + 2 * US)
    assert ioc(4, parent_id=4) in desk.send(1, ioc(4, parent_id=4), T0 + 2 * US).to_upstream[1]


def test_kill_is_refused_when_the_switch_is_switched_off() -> None:
    gate = GateCore(apply_patch(modern(), {"kill_switch": {"enabled": False}}))
    with pytest.raises(KillSwitchDisabled):
        gate.kill("x", "ops", T0)


def test_orders_before_logon_are_refused_and_the_session_closed() -> None:
    gate = GateCore(modern())
    gate.router_opened(1, T0)
    out = gate.on_router_messages(1, [ioc(1), Logon("router-1")], T0)
    assert out.to_router[1] == [Reject(0, RejectReason.NOT_LOGGED_ON, "LOGON first")]
    assert out.close_router == [1]


def test_orders_wait_for_the_exchange_session_then_flow() -> None:
    desk = Desk(modern())
    gate = desk.gate
    gate.router_opened(1, T0)
    gate.on_router_messages(1, [Logon("router-1")], T0)
    assert gate.on_router_messages(1, [ioc(1), Heartbeat(T0)], T0).to_upstream == {}
    out = gate.upstream_up(1, T0)
    assert out.to_upstream[1] == [Logon("router-1"), ioc(1), Heartbeat(T0)]


def test_upstream_down_rejects_and_reports_venue_cancels() -> None:
    desk = Desk(modern())
    desk.logon(1, "router-1")
    day = NewChild(7, 7, "WIZZ", Side.BUY, TimeInForce.DAY, 100, ASK - 200, "RLP", 100)
    desk.send(1, day, T0, fill=False)
    out = desk.gate.upstream_down(1, T0 + 1)
    assert out.to_router[1] == [CancelAck(7, 100)]
    refused = desk.gate.on_router_messages(1, [ioc(8, parent_id=8)], T0 + 2)
    assert refused.to_router[1][0].reason is RejectReason.UPSTREAM_DOWN  # type: ignore[union-attr]
    assert desk.take(desk.gate.upstream_up(1, T0 + 3)).to_upstream[1] == [Logon("router-1")]
    assert desk.gate.stats()["upstream_losses"] == 1


def test_relay_updates_positions_and_the_execution_ledger() -> None:
    desk = Desk(modern())
    desk.logon(1, "router-1")
    desk.send(1, ioc(1, parent_qty=200), T0)
    desk.send(1, ioc(2, parent_qty=200), T0 + 10)
    relayed = [m for m in desk.to_router[1] if isinstance(m, Ack | Execution)]
    assert len(relayed) == 4
    assert desk.gate.state.book.qty("RLP", "WIZZ") == 200
    assert desk.gate.executions_before(T0 + 10)["sessions"] == {"router-1": {"WIZZ": [100, 0, 1]}}
    assert len(desk.gate.state.working) == 0


def test_unexpected_messages_are_refused_by_type() -> None:
    desk = Desk(modern())
    desk.logon(1, "router-1")
    parent = NewParent(1, "WIZZ", Side.BUY, TimeInForce.DAY, 100, ASK, "RLP", "ALGO", 0)
    out = desk.gate.on_router_messages(1, [parent, Logon("again")], T0)
    assert [r.reason for r in out.to_router[1]] == [  # type: ignore[union-attr]
        RejectReason.UNKNOWN_TYPE,
        RejectReason.BAD_FIELD,
    ]


def test_message_throttle_logs_a_flooding_router_out() -> None:
    settings = apply_patch(
        knight_2012(),
        {"message_throttle": {"enabled": True, "reject_at": 5, "logout_at": 8}},
    )
    desk = Desk(settings)
    desk.logon(1, "router-1")
    out = GateOutbox()
    sent = 0
    while not out.close_router:
        sent += 1
        out.merge(desk.gate.on_router_messages(1, [ioc(sent, parent_id=sent)], T0 + sent))
    assert sent == 9
    assert desk.gate.stats()["rejects"]["MESSAGE_THROTTLE"] == 4


def test_switching_a_control_off_at_run_time() -> None:
    desk = Desk(modern())
    desk.logon(1, "router-8")
    report = desk.gate.update_controls({"reconciliation": {"enabled": False}})
    assert not report.reconciliation.enabled
    assert "reconciliation" not in desk.gate.controls_report()["chain"]
    run_power_peg(desk, 1, seconds=1)
    assert "reconciliation" not in desk.gate.trips.first
    with pytest.raises(SettingsError, match=r"max_order_size\.max_qty"):
        desk.gate.update_controls({"max_order_size": {"max_qty": -3}})


def test_router_leaving_closes_its_exchange_session() -> None:
    desk = Desk(modern())
    desk.logon(1, "router-1")
    desk.send(1, NewChild(9, 9, "WIZZ", Side.BUY, TimeInForce.DAY, 100, ASK, "RLP", 100), T0, False)
    out = desk.gate.router_closed(1, T0 + 1)
    assert out.close_upstream == [1]
    assert len(desk.gate.state.working) == 0
    assert desk.gate.stats()["cancelled_on_disconnect"] == 1
