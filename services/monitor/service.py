"""The asyncio shell of the monitor: feeds in, alerts and kill requests out, admin views."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from services.clock import Clock
from services.monitor.core import MonitorActions, MonitorCore
from services.net.admin import JSON, AdminServer
from services.net.admin_async import AdminPoster, AsyncAdminError, request
from services.protocol import Message
from services.risk.alerting import AlertSender
from services.risk.feeds import FeedLink
from services.risk.requests import BadRequestCounter

_MAX_SLEEP_S = 0.25
Endpoint = tuple[str, int]


class MonitorService:
    """Runs a ``MonitorCore`` against the exchange's feeds, the gate and the alert bus."""

    def __init__(
        self,
        core: MonitorCore,
        clock: Clock,
        dropcopy: Endpoint | None = None,
        marketdata: Endpoint | None = None,
        gate_admin: Endpoint | None = None,
        alerts: Endpoint | None = None,
    ) -> None:
        self.core = core
        self.clock = clock
        self.dropcopy = (
            FeedLink("dropcopy", *dropcopy, "monitor", self._on_drop_copies, self._subscribed)
            if dropcopy
            else None
        )
        self.marketdata = (
            FeedLink("marketdata", *marketdata, "monitor", self._on_market_data)
            if marketdata
            else None
        )
        self.gate_admin = gate_admin
        self.gate = AdminPoster(*gate_admin) if gate_admin else None
        self.alerts = (
            AlertSender(*alerts, clock, core.settings.alerts.deadline_us) if alerts else None
        )
        self.dropped_alerts = 0
        self.bad_requests = BadRequestCounter()
        self.admin = AdminServer("monitor", self.clock)
        self.ports: dict[str, int] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._fetches: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._routes()

    def _routes(self) -> None:
        install_routes(
            self.admin,
            self.core,
            self.clock.now,
            self._wake.set,
            self.stats_view,
            self.bad_requests,
        )

    async def start(self, host: str, admin_port: int) -> MonitorService:
        self.ports["admin"] = await self.admin.start(host, admin_port)
        for feed in (self.dropcopy, self.marketdata):
            if feed is not None:
                self._tasks.append(asyncio.create_task(feed.run()))
        self._tasks.append(asyncio.create_task(self._timer()))
        return self

    async def stop(self) -> None:
        tasks = [*self._tasks, *self._fetches]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for feed in (self.dropcopy, self.marketdata):
            if feed is not None:
                feed.close()
        if self.alerts is not None:
            await self.alerts.close()
        if self.gate is not None:
            await self.gate.drain()
        await self.admin.stop()

    # feeds and time -------------------------------------------------------------
    def _subscribed(self) -> None:
        self.core.dropcopy_subscribed(self.clock.now())
        self._wake.set()

    def _on_drop_copies(self, messages: list[Message]) -> None:
        self.apply(self.core.on_drop_copies(messages, self.clock.now()))

    def _on_market_data(self, messages: list[Message]) -> None:
        self.apply(self.core.on_market_data(messages, self.clock.now()))

    async def _timer(self) -> None:
        while True:
            wake = self.core.next_wakeup()
            now = self.clock.now()
            if wake is None or wake > now:
                delay = _MAX_SLEEP_S if wake is None else self.clock.wall_delay(wake - now)
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), min(delay, _MAX_SLEEP_S))
                continue
            self.apply(self.core.on_timer(now))

    # actions -------------------------------------------------------------------------
    def apply(self, actions: MonitorActions) -> None:
        if actions.alerts and self.alerts is not None:
            self.alerts.deadline_us = self.core.settings.alerts.deadline_us
        for alert in actions.alerts:
            if self.alerts is None:
                self.dropped_alerts += 1
            else:
                self.alerts.send(alert)
        if self.gate is not None:
            for kill in actions.kills:
                self.gate.post_soon("/kill", kill)
        if actions.fetch_gate_before is not None:
            task = asyncio.get_running_loop().create_task(
                self._fetch_gate(actions.fetch_gate_before)
            )
            self._fetches.add(task)
            task.add_done_callback(self._fetches.discard)

    async def _fetch_gate(self, cutoff: int) -> None:
        if self.gate_admin is None:
            self.core.gate_records_failed("no --gate-admin given")
            return
        host, port = self.gate_admin
        try:
            answer = await request(host, port, "GET", f"/executions?before={cutoff}", timeout=3.0)
        except AsyncAdminError as exc:
            self.core.gate_records_failed(str(exc))
            return
        sessions = answer.get("sessions")
        if not answer.get("complete") or not isinstance(sessions, dict):
            self.core.gate_records_failed(f"gate history does not reach {cutoff}")
            return
        self.apply(self.core.on_gate_records(cutoff, sessions, self.clock.now()))

    # views ------------------------------------------------------------------------------
    def stats_view(self) -> dict[str, Any]:
        feeds = {
            name: feed.view()
            for name, feed in (("dropcopy", self.dropcopy), ("marketdata", self.marketdata))
            if feed is not None
        }
        posts = None
        if self.gate is not None:
            posts = {
                "sent": self.gate.sent,
                "failed": self.gate.failed,
                "last_error": self.gate.last_error,
            }
        alerts = (
            self.alerts.stats()
            if self.alerts is not None
            else {"configured": False, "dropped": self.dropped_alerts}
        )
        return stats_view(self.core, self.clock.now(), feeds, self.bad_requests, posts, alerts)


def install_routes(
    admin: AdminServer,
    core: MonitorCore,
    now: Callable[[], int],
    controls_changed: Callable[[], None],
    stats: Callable[[], dict[str, Any]],
    bad: BadRequestCounter,
) -> None:
    """Register the monitor's endpoints on ``admin``."""

    def post_controls(body: JSON) -> JSON:
        core.update_controls(body)
        controls_changed()
        return core.controls_report()

    routes: list[tuple[str, str, Callable[[JSON], JSON]]] = [
        ("GET", "/positions", lambda _: core.positions()),
        ("GET", "/pnl", lambda _: core.pnl()),
        ("GET", "/controls", lambda _: core.controls_report()),
        ("POST", "/controls", post_controls),
        ("GET", "/trips", lambda _: core.trips_report()),
        ("GET", "/view", lambda _: core.view(now())),
        ("GET", "/stats", lambda _: stats()),
    ]
    for method, path, handler in routes:
        admin.route(method, path, bad.guard(path, handler))


def stats_view(
    core: MonitorCore,
    now: int,
    feeds: dict[str, dict[str, object]],
    bad: BadRequestCounter,
    gate_posts: dict[str, Any] | None,
    alerts: dict[str, Any],
) -> dict[str, Any]:
    """``GET /stats``: the core's counters with the feeds', the kill posts' and the alerts'."""
    errors = sum(int(str(f.get("protocol_errors", 0))) for f in feeds.values())
    view: dict[str, Any] = {
        **core.stats(now),
        "protocol_errors": errors,
        "feeds": feeds,
        "admin": bad.as_dict(),
        "drill_time_us": now,
    }
    if gate_posts is not None:
        view["gate_kill_posts"] = gate_posts
    view["alerts"] = alerts
    return view
