"""The world's admin answers have the shape of the real services' handlers, errors included.

Each real asyncio service is built (not started) on a core of its own and
asked through its ``AdminServer`` routes; the world is asked the same
request. Their JSON must have the same keys, level by level.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.sim import SimWorld
from services.alerts.core import AlertBusCore
from services.alerts.service import AlertBusService
from services.clock import ManualClock, parse_hhmm
from services.exchange.config import ExchangeConfig
from services.exchange.core import ExchangeCore
from services.exchange.server import ExchangeServer
from services.flow.core import FlowCore
from services.flow.server import FlowService
from services.gate.core import GateCore
from services.gate.service import GateService
from services.monitor.core import MonitorCore
from services.monitor.service import MonitorService
from services.net.admin import AdminServer
from services.net.admin_client import AdminCallError
from services.risk.profiles import profile
from services.router.builds import generate_build
from services.router.core import RouterConfig, RouterCore
from services.router.server import RouterService
from services.router.store import BuildStore
from services.sshkeys import ensure_keys
from tests.unit.sim_support import quiet_world

PEER = ("127.0.0.1", 9)
ALERT = {"source": "gate", "kind": "control_trip", "severity": "critical", "text": "t", "ts": 1}
REQUESTS: list[tuple[str, str, str, dict[str, Any] | None]] = [
    ("alerts", "POST", "/alerts", ALERT),
    ("alerts", "GET", "/log", None),
    ("alerts", "GET", "/channels/pager", None),
    ("alerts", "GET", "/channels/email", None),
    ("alerts", "GET", "/channels/dashboard", None),
    ("alerts", "POST", "/ack", {"id": 1, "by": "desk"}),
    ("alerts", "POST", "/open-inbox", {"by": "desk"}),
    ("alerts", "GET", "/rules", None),
    ("alerts", "POST", "/rules", {"muted": ["pager"]}),
    ("alerts", "GET", "/stats", None),
    ("gate", "GET", "/stats", None),
    ("gate", "GET", "/controls", None),
    ("gate", "GET", "/positions", None),
    ("gate", "GET", "/executions?before=0", None),
    ("gate", "POST", "/kill", {"reason": "test", "by": "desk"}),
    ("gate", "POST", "/unkill", {"by": "desk"}),
    ("monitor", "GET", "/positions", None),
    ("monitor", "GET", "/trips", None),
    ("monitor", "GET", "/view", None),
    ("monitor", "GET", "/pnl", None),
    ("monitor", "GET", "/controls", None),
    ("monitor", "GET", "/stats", None),
    ("exchange", "GET", "/symbols", None),
    ("exchange", "GET", "/stats", None),
    ("exchange", "GET", "/book?symbol=WZE", None),
    ("router-1", "GET", "/build", None),
    ("router-1", "GET", "/parents", None),
    ("router-1", "GET", "/stats", None),
    ("router-1", "POST", "/disable", {"by": "desk"}),
    ("router-1", "POST", "/enable", {"by": "desk"}),
    ("flow", "GET", "/stats", None),
    ("flow", "POST", "/rlp-flag", {"on": False}),
    ("flow", "POST", "/stop", None),
]


def real_services(tmp_path: Path, world: SimWorld) -> dict[str, AdminServer]:
    """Each service's asyncio shell, not started, on a fresh core: its admin routes."""
    clock = ManualClock(parse_hhmm("09:00"))
    knight = profile("knight-2012")
    exchange = ExchangeCore(ExchangeConfig(symbols=20), clock.now())
    store = BuildStore(tmp_path / "builds")
    build = generate_build("2003.1")
    store.install(build)
    router = RouterService(
        RouterCore(RouterConfig("router-1"), build.manifest),
        clock, store, ensure_keys(tmp_path / "keys"), PEER, PEER,
    )  # fmt: skip
    plan = world.nodes["flow"].core._plan  # type: ignore[attr-defined]
    return {
        "alerts": AlertBusService(AlertBusCore(), clock).admin,
        "gate": GateService(GateCore(knight), clock, PEER, PEER, PEER).admin,
        "monitor": MonitorService(MonitorCore(knight), clock, PEER, PEER, PEER, PEER).admin,
        "exchange": ExchangeServer(exchange, clock).admin,
        "router-1": router.admin,
        "flow": FlowService(FlowCore(plan, 2), [PEER, PEER], clock).admin,
    }


def same_keys(a: Any, b: Any, where: str = "") -> None:
    """Objects have the same keys, level by level; an empty object (a table keyed by data,
    such as routers by session, with no rows yet) matches any."""
    if not (isinstance(a, dict) and isinstance(b, dict)) or not a or not b:
        return
    assert sorted(a) == sorted(b), where
    for key in a:
        same_keys(a[key], b[key], f"{where}.{key}")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[SimWorld]:
    world = quiet_world(tmp_path)
    world.start_flow()
    yield world
    world.close()


def test_every_endpoint_answers_like_the_real_service(tmp_path: Path, world: SimWorld) -> None:
    real = real_services(tmp_path, world)
    for service, method, path, body in REQUESTS:
        status, expected = real[service].answer(method, path, dict(body or {}))
        assert status == 200, (service, path, expected)
        answer = world.admin(service, method, path, body)
        same_keys(answer, expected, f"{service} {method} {path}")
    for service in real:
        health = world.admin(service, "GET", "/health")
        assert health["service"] == service and health["ok"] is True
        assert health.get("now_us", world.now()) == world.now()


def test_errors_have_the_http_clients_message_shape(world: SimWorld) -> None:
    with pytest.raises(AdminCallError, match=r"^GET /nope: HTTP 404: no such endpoint /nope$"):
        world.admin("gate", "GET", "/nope")
    with pytest.raises(AdminCallError, match=r"^GET /kill: HTTP 405: GET not allowed on /kill$"):
        world.admin("gate", "GET", "/kill")
    with pytest.raises(AdminCallError, match=r"^POST /kill: HTTP 400: reason: Field required"):
        world.admin("gate", "POST", "/kill", {"by": "desk"})
    with pytest.raises(AdminCallError, match=r"^POST /ack: HTTP 404: id: no alert 9"):
        world.admin("alerts", "POST", "/ack", {"id": 9, "by": "desk"})
    with pytest.raises(AdminCallError, match="no service 'router-9'"):
        world.admin("router-9", "GET", "/stats")
    assert world.admin("gate", "GET", "/stats")["admin"]["bad_requests"] == 1


def test_a_killed_or_paused_service_answers_nothing(world: SimWorld) -> None:
    world.processes.pause("monitor")
    with pytest.raises(AdminCallError, match="timed out"):
        world.admin("monitor", "GET", "/positions")
    world.processes.resume("monitor")
    assert world.admin("monitor", "GET", "/positions")["positions"] == []
    world.processes.kill("alerts")
    with pytest.raises(AdminCallError, match="refused"):
        world.admin("alerts", "GET", "/log")
    assert world.try_admin("alerts", "/log") is None
    world.processes.restart("alerts")
    assert world.admin("alerts", "GET", "/log") == {"log": []}


def test_answers_cross_json_both_ways(world: SimWorld) -> None:
    body: dict[str, Any] = {"reason": "test", "by": "desk"}
    world.admin("gate", "POST", "/kill", body)
    assert body == {"reason": "test", "by": "desk"}, "the caller's body is never touched"
    answer = world.admin("gate", "GET", "/stats")
    assert all(isinstance(k, str) for k in answer["routers"])
