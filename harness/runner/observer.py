"""Watches the running system and publishes what happened as events.

Each ``poll`` reads the services' admin endpoints and publishes only what is
new since the last poll: alerts and pages, acknowledgements, the inbox being
opened, control trips, kill switches, and a market snapshot of the unintended
trading. Unintended trading is what landed in the unallocated "33" account
(where Power Peg books its fills); its loss marks the positions at the
exchange's undisturbed value, the price the market returns to once the
runaway's own pressure is gone, which is what they can be liquidated at.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.bus import Bus
from harness.events import (
    AlertRaised,
    ControlTripped,
    InboxOpened,
    KillSwitchThrown,
    MarketSnapshot,
    PageAcked,
    PageSent,
    SymbolPosition,
)
from harness.runner.system import SystemUnderTest

UNINTENDED_ACCOUNT = "33"
# Alert kinds that are noise rather than a symptom of the incident.
_UNRELATED_KINDS = {"escalation", "hint"}


@dataclass
class Unintended:
    """The 33 account at one instant."""

    executions: int = 0
    shares: int = 0
    loss_usd: float = 0.0
    first_us: int | None = None
    last_us: int | None = None
    positions: list[SymbolPosition] = field(default_factory=list)


class Observer:
    """Publishes the system's new happenings on the bus, one poll at a time."""

    def __init__(self, sut: SystemUnderTest, bus: Bus, responders: set[str]) -> None:
        self.sut = sut
        self.bus = bus
        self.responders = responders
        self._alert_seq = 0
        self._trips_seen: set[tuple[str, str, int]] = set()
        self._kills_seen = 0
        self._undisturbed: dict[str, float] = {}
        self.latest = Unintended()
        self.kill_switch_thrown = False

    def poll(self, now_us: int, snapshot: bool = True) -> None:
        self._alerts()
        self._trips(now_us)
        self._kill_switch()
        if snapshot:
            self.snapshot(now_us)

    # alerts -----------------------------------------------------------------
    def _alerts(self) -> None:
        answer = self.sut.try_admin("alerts", "/log")
        if answer is None:
            return
        for entry in answer.get("log", []):
            seq = int(entry.get("seq", 0))
            if seq <= self._alert_seq:
                continue
            self._alert_seq = seq
            self._publish_alert_entry(entry)

    def _publish_alert_entry(self, e: dict[str, Any]) -> None:
        at = int(e["ts"])
        kind = e.get("event")
        if kind == "alert":
            related = e.get("kind") not in _UNRELATED_KINDS
            for channel in e.get("channels", []):
                self.bus.emit(
                    AlertRaised,
                    at_us=at,
                    alert_id=str(e["id"]),
                    channel=channel,
                    kind=str(e.get("kind", "")),
                    source=str(e.get("source", "")),
                    text=str(e.get("text", "")),
                    severity=str(e.get("severity", "info")),
                    related=related,
                )
            if "pager" in e.get("channels", []):
                self.bus.emit(
                    PageSent,
                    at_us=at,
                    page_id=str(e["id"]),
                    source=str(e.get("source", "")),
                    kind=str(e.get("kind", "")),
                    text=str(e.get("text", "")),
                    related=related,
                )
        elif kind == "ack":
            self.bus.emit(PageAcked, at_us=at, page_id=str(e["id"]), by=str(e.get("by", "")))
        elif kind == "open_inbox":
            self.bus.emit(InboxOpened, at_us=at, by=str(e.get("by", "")))

    # controls ---------------------------------------------------------------
    def _trips(self, now_us: int) -> None:
        for layer, path in (("pre-trade", "/stats"), ("post-trade", "/trips")):
            service = "gate" if layer == "pre-trade" else "monitor"
            answer = self.sut.try_admin(service, path)
            if answer is None:
                continue
            for trip in answer.get("trips", []):
                key = (str(trip.get("control")), str(trip.get("key")), int(trip.get("ts", 0)))
                if key in self._trips_seen:
                    continue
                self._trips_seen.add(key)
                self.bus.emit(
                    ControlTripped,
                    at_us=int(trip.get("ts", now_us)),
                    control=str(trip.get("control", "")),
                    layer=layer,
                    detail=str(trip.get("text", "")),
                    key=str(trip.get("key", "")),
                    action=str(trip.get("action", "")),
                )

    def _kill_switch(self) -> None:
        answer = self.sut.try_admin("gate", "/stats")
        if answer is None:
            return
        switch = answer.get("kill_switch", {})
        self.kill_switch_thrown = bool(switch.get("thrown"))
        history = [h for h in switch.get("history", []) if h.get("action") == "kill"]
        for entry in history[self._kills_seen :]:
            by = str(entry.get("by", ""))
            self.bus.emit(
                KillSwitchThrown,
                at_us=int(entry["ts"]),
                by=by,
                reason=str(entry.get("reason", "")),
                automatic=by not in self.responders,
            )
        self._kills_seen = max(self._kills_seen, len(history))

    # the runaway --------------------------------------------------------------
    def _refresh_undisturbed(self) -> None:
        answer = self.sut.try_admin("exchange", "/symbols")
        if answer is not None:
            for row in answer.get("symbols", []):
                value = row.get("undisturbed_value") or row.get("price")
                if value:
                    self._undisturbed[str(row["symbol"])] = float(value)

    def measure(self) -> Unintended | None:
        answer = self.sut.try_admin("monitor", "/positions")
        if answer is None:
            return None
        self._refresh_undisturbed()
        out = Unintended()
        value_at_liquidation = 0.0
        cash = 0.0
        for row in answer.get("positions", []):
            if row.get("account") != UNINTENDED_ACCOUNT:
                continue
            symbol = str(row["symbol"])
            qty = int(row["qty"])
            cash += float(row["pnl_dollars"]) - float(row["value_dollars"])
            mark = self._undisturbed.get(symbol, float(row.get("mark", 0)) / 10_000)
            value_at_liquidation += qty * mark
            out.executions += int(row.get("executions", 0))
            shares = int(row.get("bought", 0)) + int(row.get("sold", 0))
            out.shares += shares
            out.positions.append(
                SymbolPosition(
                    symbol=symbol,
                    executions=int(row.get("executions", 0)),
                    shares=shares,
                    net_shares=qty,
                    net_usd=round(qty * mark, 2),
                )
            )
        out.loss_usd = round(-(cash + value_at_liquidation), 2)
        span = answer.get("execution_spans", {}).get(UNINTENDED_ACCOUNT)
        if span:
            out.first_us, out.last_us = int(span["first_us"]), int(span["last_us"])
        return out

    def snapshot(self, now_us: int, with_positions: bool = False) -> None:
        measured = self.measure()
        if measured is None:
            return
        self.latest = measured
        self.bus.emit(
            MarketSnapshot,
            at_us=now_us,
            executions=measured.executions,
            shares=measured.shares,
            loss_usd=measured.loss_usd,
            onset_us=measured.first_us,
            last_us=measured.last_us,
            positions=tuple(measured.positions) if with_positions else None,
        )
