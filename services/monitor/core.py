"""The post-trade risk monitor as a sans-I/O state machine.

Fed by the exchange's drop copy (every execution of every firm session) and
market data, the monitor keeps positions, exposure and P&L per account and
symbol, and runs the post-trade controls: position limits on executed
positions, the aggregate capital threshold, the daily loss limit, stale
marks and drop-copy reconciliation against the gate. Every trip is recorded
with its drill time; with automated alerts on (``modern``) it becomes an
alert for the bus, and a trip whose action is ``kill`` asks the gate to throw
its kill switch when the profile lets controls do that.

Under ``knight-2012`` every post-trade control is off: the monitor is PMON,
positions on a screen (``view``) that lags behind the truth the more the
market trades and shows no limits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from services.clock import US, format_hhmmss
from services.monitor.view import LaggedDisplay
from services.protocol import PRICE_SCALE, DropCopy, MarketData, Message
from services.risk.alerting import trip_alert
from services.risk.controls import (
    CapitalThreshold,
    DailyLossLimit,
    DropCopyReconciliation,
    PositionLimit,
    RiskState,
    StaleMarketData,
)
from services.risk.ledger import ExecutionLedger, Totals
from services.risk.positions import dollars
from services.risk.profiles import apply_patch
from services.risk.settings import RiskSettings
from services.risk.trips import Action, Breach, TripLog

_STALE_CHECK_US = US


@dataclass(slots=True)
class MonitorActions:
    """What one call into the monitor core asks its wrapper to do."""

    alerts: list[dict[str, Any]] = field(default_factory=list)
    kills: list[dict[str, str]] = field(default_factory=list)
    fetch_gate_before: int | None = None

    def merge(self, other: MonitorActions) -> None:
        self.alerts += other.alerts
        self.kills += other.kills
        if other.fetch_gate_before is not None:
            self.fetch_gate_before = other.fetch_gate_before


class MonitorCore:
    """Positions, P&L and post-trade controls from drop copy and market data."""

    def __init__(
        self, settings: RiskSettings, sessions: str = "*", source: str = "monitor"
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.source = source
        self.state = RiskState()
        # account -> [first, last] execution time (drill µs) seen on the drop copy
        self.execution_span: dict[str, list[int]] = {}
        self.ledger = ExecutionLedger()
        self.trips = TripLog(source)
        self.display = LaggedDisplay(settings.display)
        self.position_limit = PositionLimit(settings.position_limit, self.state)
        self.capital_threshold = CapitalThreshold(settings.capital_threshold, self.state)
        self.daily_loss_limit = DailyLossLimit(settings.daily_loss_limit, self.state)
        self.stale_market_data = StaleMarketData(settings.stale_market_data, self.state)
        self.dropcopy = DropCopyReconciliation(settings.dropcopy_reconciliation, self.state)
        self.counters: dict[str, int] = {
            "drop_copies": 0,
            "ignored_drop_copies": 0,
            "market_data": 0,
            "kill_requests": 0,
        }
        self._firm: dict[str, bool] = {}
        self._next_stale_check = 0
        self._now = 0

    # feeds -----------------------------------------------------------------------
    def _is_firm(self, session: str) -> bool:
        firm = self._firm.get(session)
        if firm is None:
            firm = self._firm[session] = fnmatchcase(session, self.sessions)
        return firm

    def dropcopy_subscribed(self, now: int) -> None:
        self.dropcopy.subscribed(now)

    def on_drop_copies(self, messages: Iterable[Message], now: int) -> MonitorActions:
        out = MonitorActions()
        self._now = max(self._now, now)
        book = self.state.book
        checks = self.position_limit.enabled
        for msg in messages:
            if not isinstance(msg, DropCopy):
                continue
            if not self._is_firm(msg.session):
                self.counters["ignored_drop_copies"] += 1
                continue
            self.counters["drop_copies"] += 1
            book.fill(msg.account, msg.symbol, msg.side, msg.qty, msg.price)
            span = self.execution_span.get(msg.account)
            # The venue's own execution times, so onset is exact whatever the polling.
            if span is None:
                self.execution_span[msg.account] = [msg.ts, msg.ts]
            else:
                span[0] = min(span[0], msg.ts)
                span[1] = max(span[1], msg.ts)
            self.ledger.record(msg.session, msg.symbol, msg.side, msg.qty, msg.ts)
            self.display.on_execution(now)
            if checks:
                self._judge(self.position_limit.after_fill(msg.account, msg.symbol), now, out)
        self._aggregates(now, out)
        return out

    def on_market_data(self, messages: Iterable[Message], now: int) -> MonitorActions:
        out = MonitorActions()
        self._now = max(self._now, now)
        market, book = self.state.market, self.state.book
        for msg in messages:
            if isinstance(msg, MarketData):
                self.counters["market_data"] += 1
                book.remark(msg.symbol, market.update(msg))
        self._aggregates(now, out)
        return out

    def _aggregates(self, now: int, out: MonitorActions) -> None:
        if self.capital_threshold.enabled:
            self._judge(self.capital_threshold.after_fill(), now, out)
        if self.daily_loss_limit.enabled:
            self._judge(self.daily_loss_limit.evaluate(), now, out)

    def _judge(self, breach: Breach | None, now: int, out: MonitorActions) -> None:
        if breach is None:
            return
        trip = self.trips.record(breach, now)
        if trip is None:
            return
        if self.settings.alerts.enabled:
            out.alerts.append(trip_alert(trip))
        kill_switch = self.settings.kill_switch
        if breach.action is Action.KILL and kill_switch.enabled and kill_switch.automatic:
            self.counters["kill_requests"] += 1
            out.kills.append(
                {"reason": f"{self.source}: {breach.control}: {breach.text}", "by": self.source}
            )

    # time ------------------------------------------------------------------------
    def next_wakeup(self) -> int | None:
        times = [
            t
            for t in (
                self.display.next_refresh(self._now),
                self._next_stale_check if self.stale_market_data.enabled else None,
                self.dropcopy.next_at if self.dropcopy.enabled else None,
            )
            if t is not None
        ]
        return min(times) if times else None

    def on_timer(self, now: int) -> MonitorActions:
        out = MonitorActions()
        self._now = max(self._now, now)
        self.display.tick(now, self._screen)
        if self.stale_market_data.enabled and now >= self._next_stale_check:
            self._next_stale_check = now + _STALE_CHECK_US
            if self.state.book.positions:
                self._judge(self.stale_market_data.feed_breach(now, Action.NOTIFY), now, out)
        if self.dropcopy.enabled:
            out.fetch_gate_before = self.dropcopy.due(now)
        return out

    def on_gate_records(self, cutoff: int, gate: Totals, now: int) -> MonitorActions:
        """The gate's executed totals before ``cutoff`` arrived: compare with the drop copy."""
        out = MonitorActions()
        self._judge(self.dropcopy.compare(cutoff, gate, self.ledger), now, out)
        return out

    def gate_records_failed(self, error: str) -> None:
        self.dropcopy.fetch_failed(error)

    # settings ----------------------------------------------------------------------
    def update_controls(self, patch: Mapping[str, Any]) -> RiskSettings:
        """Merge a partial settings object; raises ``SettingsError`` naming the bad field."""
        settings = apply_patch(self.settings, patch)
        self.settings = settings
        self.position_limit.configure(settings.position_limit)
        self.capital_threshold.configure(settings.capital_threshold)
        self.daily_loss_limit.configure(settings.daily_loss_limit)
        self.stale_market_data.configure(settings.stale_market_data)
        self.dropcopy.configure(settings.dropcopy_reconciliation)
        self.display.configure(settings.display)
        return settings

    # views ---------------------------------------------------------------------------
    def positions(self) -> dict[str, Any]:
        book = self.state.book
        spans = {a: {"first_us": s[0], "last_us": s[1]} for a, s in self.execution_span.items()}
        return {
            "positions": book.positions_report(),
            "exposure": book.exposure(),
            "execution_spans": spans,
        }

    def pnl(self) -> dict[str, Any]:
        return self.state.book.pnl_report()

    def limits(self) -> dict[str, Any]:
        s = self.settings
        book = self.state.book
        accounts = sorted(
            {a for a, _ in book.positions} | set(s.position_limit.account_gross_dollars)
        )
        return {
            "accounts": {
                a: {
                    "gross_dollars": dollars(book.account_gross.get(a, 0)),
                    "limit_dollars": self.position_limit.gross_limit(a) // PRICE_SCALE,
                    "linked": s.position_limit.enabled
                    and a not in s.position_limit.unlinked_accounts,
                }
                for a in accounts
            },
            "max_symbol_shares": s.position_limit.max_symbol_shares,
            "capital": {
                "gross_dollars": dollars(book.gross),
                "notify_dollars": s.capital_threshold.notify_dollars,
                "block_dollars": s.capital_threshold.block_dollars,
                "cancel_dollars": s.capital_threshold.cancel_dollars,
            },
            "daily_loss": {
                "pnl_dollars": dollars(book.pnl),
                "max_loss_dollars": s.daily_loss_limit.max_loss_dollars,
            },
        }

    def _screen(self) -> dict[str, Any]:
        book = self.state.book
        return {
            "positions": [
                {k: row[k] for k in ("account", "symbol", "qty", "mark", "pnl_dollars")}
                for row in book.positions_report()
            ],
            "exposure": book.exposure(),
            "pnl_dollars": dollars(book.pnl),
        }

    def view(self, now: int) -> dict[str, Any]:
        """The responder's screen under the profile: lagged, limits only if shown."""
        screen = self.display.show(now, self._screen)
        screen["profile"] = self.settings.profile
        if self.settings.display.show_limits:
            screen["limits"] = self.limits()
            screen["trips"] = self.trips.as_list()[-20:]
        return screen

    def controls_report(self) -> dict[str, Any]:
        dump = self.settings.model_dump()
        controls = (
            self.position_limit,
            self.capital_threshold,
            self.daily_loss_limit,
            self.stale_market_data,
            self.dropcopy,
        )
        return {
            "profile": self.settings.profile,
            "controls": {c.name: {**dump[c.name], "state": c.report()} for c in controls},
            "alerts": dump["alerts"],
            "kill_switch": dump["kill_switch"],
            "display": dump["display"],
        }

    def trips_report(self) -> dict[str, Any]:
        return {"trips": self.trips.as_list(), **self.trips.summary()}

    def stats(self, now: int) -> dict[str, Any]:
        return {
            "profile": self.settings.profile,
            **self.counters,
            "execution_rate": round(self.display.execution_rate(now), 2),
            "display_lag_us": 0 if self.display.live else self.display.lag(now),
            "trips": self.trips.as_list(),
            "trip_summary": self.trips.summary(),
            "exposure": self.state.book.exposure(),
            "pnl_dollars": dollars(self.state.book.pnl),
            "time": format_hhmmss(now),
        }
