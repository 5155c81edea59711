"""An in-memory ``FaultContext`` for the Knight faults' unit tests, and its own tests.

This is the one fake at the seam: ``admin`` calls the real services' admin
handlers (the flow's and the alert bus's, built on their sans-I/O cores and a
manual clock) in process instead of over HTTP. Scenario, processes and
network are plain in-memory records.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pytest

from faults.base import FaultError
from faults.context import FaultContext, NetworkControl, ProcessControl, ScenarioControl, Stream
from services.alerts.core import AlertBusCore
from services.alerts.service import AlertBusService
from services.clock import ManualClock, parse_hhmm
from services.flow.core import FlowCore
from services.flow.plan import FlowParams, Instrument, build_plan
from services.flow.server import FlowService
from services.net.admin import AdminError, AdminServer
from services.router.registry import BuildRegistry

ROUTERS = [f"router-{i}" for i in range(1, 9)]


class HasAdmin(Protocol):
    """A service shell with an admin endpoint (FlowService, AlertBusService)."""

    admin: AdminServer


@dataclass
class InMemoryScenario:
    """``ScenarioControl``: the deploy's exclusions, the registry, the flow's name."""

    registry_dir: Path
    flow: str = "flow"
    deploy_exclusions: set[str] = field(default_factory=set)


@dataclass
class InMemoryProcesses:
    """``ProcessControl``: which services exist and which were signalled."""

    names: list[str]
    signalled: list[tuple[str, str]] = field(default_factory=list)

    def services(self) -> list[str]:
        return list(self.names)

    def kill(self, service: str) -> None:
        self.signalled.append(("kill", service))

    def pause(self, service: str) -> None:
        self.signalled.append(("pause", service))

    def resume(self, service: str) -> None:
        self.signalled.append(("resume", service))

    def restart(self, service: str) -> None:
        self.signalled.append(("restart", service))


class NoNetwork:
    """``NetworkControl`` of a run without a proxy: no links to fault."""

    def links(self) -> list[str]:
        return []

    def add_toxic(
        self,
        link: str,
        toxic_type: str,
        stream: Stream,
        toxicity: float,
        attributes: Mapping[str, int],
    ) -> str:
        raise FaultError(f"link {link!r}: no proxy in this context")

    def remove_toxic(self, link: str, name: str) -> None:
        raise FaultError(f"link {link!r}: no proxy in this context")

    def set_enabled(self, link: str, enabled: bool) -> None:
        raise FaultError(f"link {link!r}: no proxy in this context")


class InMemoryContext:
    """A ``FaultContext`` whose admin calls reach real service handlers in process."""

    def __init__(self, registry_dir: Path, flow_on: bool = False) -> None:
        self.run_id = "gd-test"
        self.clock = ManualClock(parse_hhmm("08:00"))
        universe = [Instrument(f"S{i:02d}", 100_000) for i in range(20)]
        plan = build_plan(FlowParams(rlp_parents=40), universe, 2, seed=1)
        self.flow = FlowService(
            FlowCore(plan, 2, rlp_flagged=flow_on), [("127.0.0.1", 1)] * 2, self.clock
        )
        self.alerts = AlertBusService(AlertBusCore(), self.clock)
        self.live: dict[str, HasAdmin] = {"flow": self.flow, "alerts": self.alerts}
        self.scenario: ScenarioControl = InMemoryScenario(registry_dir)
        self.network: NetworkControl = NoNetwork()
        self.processes: ProcessControl = InMemoryProcesses(
            ["exchange", "alerts", "gate", "monitor", *ROUTERS, "flow"]
        )
        self.calls: list[tuple[str, str, str]] = []

    def stop(self, service: str) -> None:
        """The service goes away: its admin endpoint stops answering."""
        del self.live[service]

    def admin(
        self, service: str, method: str, path: str, body: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        self.calls.append((service, method, path))
        target = self.live.get(service)
        if target is None:
            raise FaultError(f"{service} admin: connection refused")
        handler = target.admin.routes.get((method, path))
        if handler is None:
            raise FaultError(f"{service} admin: {method} {path}: HTTP 404")
        try:
            answer = handler(dict(body or {}))
        except AdminError as exc:
            raise FaultError(f"{service} admin: {method} {path}: HTTP {exc.status}") from None
        assert isinstance(answer, dict), "the services' admin handlers are synchronous"
        return answer


@runtime_checkable
class CheckedContext(FaultContext, Protocol):
    """``FaultContext``, checkable with isinstance."""


@pytest.fixture
def registry_dir(tmp_path: Path) -> Path:
    return BuildRegistry.create(tmp_path / "registry", current="2012.07").root


def test_the_in_memory_context_is_a_fault_context(registry_dir: Path) -> None:
    ctx = InMemoryContext(registry_dir)
    assert isinstance(ctx, CheckedContext)
    assert ctx.admin("flow", "GET", "/stats")["rlp_flag"] is False
    assert ctx.admin("alerts", "GET", "/rules")["muted"] == []
    ctx.stop("flow")
    with pytest.raises(FaultError, match="refused"):
        ctx.admin("flow", "GET", "/stats")
    with pytest.raises(FaultError, match="HTTP 400"):
        ctx.admin("alerts", "POST", "/rules", {"muted": ["fax"]})
