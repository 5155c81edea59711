"""The gate's admin endpoints: controls, the kill switch, stats, executed totals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.gate.core import GateCore
from services.gate.links import KillSwitchDisabled
from services.gate.outbox import GateOutbox
from services.net.admin import JSON, AdminError, AdminServer
from services.net.framing import NetStats
from services.risk.requests import BadRequestCounter, parse


class KillRequest(BaseModel):
    """``POST /kill``: why, and who."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=200)
    by: str = Field(min_length=1, max_length=80)


class UnkillRequest(BaseModel):
    """``POST /unkill``: only a named person resets the switch."""

    model_config = ConfigDict(extra="forbid")

    by: str = Field(min_length=1, max_length=80)


class ReenableRequest(BaseModel):
    """``POST /reenable``: lift the repeated-execution throttle for a session and/or symbol."""

    model_config = ConfigDict(extra="forbid")

    by: str = Field(min_length=1, max_length=80)
    session: str | None = None
    symbol: str | None = None


class ExecutionsQuery(BaseModel):
    """``GET /executions?before=CUTOFF`` (drill µs)."""

    model_config = ConfigDict(extra="forbid")

    before: int = Field(ge=0)


def install_routes(
    admin: AdminServer,
    core: GateCore,
    now: Callable[[], int],
    apply: Callable[[GateOutbox], None],
    stats: Callable[[], dict[str, Any]],
    bad: BadRequestCounter,
) -> None:
    """Register every gate endpoint on ``admin``."""

    def get_controls(_: JSON) -> JSON:
        return core.controls_report()

    def post_controls(body: JSON) -> JSON:
        core.update_controls(body)
        return core.controls_report()

    def post_kill(body: JSON) -> JSON:
        req = parse(KillRequest, body)
        try:
            out = core.kill(req.reason, req.by, now())
        except KillSwitchDisabled as exc:
            raise AdminError(409, str(exc)) from None
        apply(out)
        return {"kill_switch": core.controls.kill_switch.report()}

    def post_unkill(body: JSON) -> JSON:
        req = parse(UnkillRequest, body)
        reset = core.unkill(req.by, now())
        return {"reset": reset, "kill_switch": core.controls.kill_switch.report()}

    def post_reenable(body: JSON) -> JSON:
        req = parse(ReenableRequest, body)
        keys = core.reenable(req.session, req.symbol, req.by, now())
        return {"reenabled": keys}

    def get_executions(body: JSON) -> JSON:
        return core.executions_before(parse(ExecutionsQuery, body).before)

    def get_positions(_: JSON) -> JSON:
        book = core.state.book
        return {"positions": book.positions_report(), "exposure": book.exposure()}

    routes: list[tuple[str, str, Callable[[JSON], JSON]]] = [
        ("GET", "/controls", get_controls),
        ("POST", "/controls", post_controls),
        ("POST", "/kill", post_kill),
        ("POST", "/unkill", post_unkill),
        ("POST", "/reenable", post_reenable),
        ("GET", "/executions", get_executions),
        ("GET", "/positions", get_positions),
        ("GET", "/stats", lambda _: stats()),
    ]
    for method, path, handler in routes:
        admin.route(method, path, bad.guard(path, handler))


def stats_view(
    core: GateCore,
    routers: NetStats,
    upstream: NetStats,
    bad: BadRequestCounter,
    now: int,
    marketdata: dict[str, Any] | None,
    alerts: dict[str, Any],
) -> dict[str, Any]:
    """``GET /stats``: the core's counters with the sessions', the feed's and the alerts'."""
    view: dict[str, Any] = {
        **routers.as_dict(),
        **core.stats(),
        "upstream": upstream.as_dict(),
        "admin": bad.as_dict(),
        "drill_time_us": now,
    }
    if marketdata is not None:
        view["marketdata"] = marketdata
    view["alerts"] = alerts
    return view
