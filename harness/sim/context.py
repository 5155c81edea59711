"""``FaultContext`` for the simulation: the world's links, processes, scenario and admin.

Every registered fault works unchanged: network faults act on the in-memory
links (``SimNetwork``), process faults on the world's services
(``SimProcesses``), the Knight faults on the scenario (a real build registry
under the run directory) and on the services' admin endpoints.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faults.base import FaultError
from faults.context import FaultContext, NetworkControl, ProcessControl, ScenarioControl
from harness.sim.node import Node
from harness.sim.routers import FlowStartError
from services.net.admin_client import AdminCallError


def unknown(kind: str, name: str, known: list[str]) -> FaultError:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return FaultError(f"unknown {kind} {name!r}{hint} (known {kind}s: {', '.join(known)})")


class SimProcesses:
    """The world's services (``ProcessControl``): kill, pause, resume, restart, in drill time."""

    def __init__(self, nodes: Mapping[str, Node]) -> None:
        self._nodes = nodes

    def services(self) -> list[str]:
        """Every service brought up so far (the flow once it is started)."""
        return [name for name, node in self._nodes.items() if node.starts]

    def node(self, service: str) -> Node:
        node = self._nodes.get(service)
        if node is None or not node.starts:
            raise unknown("service", service, self.services())
        return node

    def running(self, service: str) -> bool:
        return self.node(service).running

    def kill(self, service: str) -> None:
        """Gone at once; a service already dead stays dead."""
        self.node(service).kill()

    def pause(self, service: str) -> None:
        node = self.node(service)
        if not node.running:
            raise FaultError(f"pause {service}: it is not running")
        node.pause()

    def resume(self, service: str) -> None:
        """Carry on; nothing to do for a service that has gone."""
        self.node(service).resume()

    def restart(self, service: str) -> None:
        """A fresh core with the same configuration; its peers reconnect."""
        node = self.node(service)
        try:
            node.restart()
        except FlowStartError as exc:
            raise FaultError(f"restart {service}: {exc}") from None


@dataclass
class SimScenario:
    """The scripted operations the Knight faults bend (``ScenarioControl``)."""

    registry_dir: Path
    flow: str = "flow"
    deploy_exclusions: set[str] = field(default_factory=set)


class SimFaultContext:
    """What a fault may act on in one simulated run (``faults.context.FaultContext``)."""

    def __init__(
        self,
        run_id: str,
        network: NetworkControl,
        processes: ProcessControl,
        scenario: ScenarioControl,
        admin: Callable[[str, str, str, dict[str, Any] | None], dict[str, Any]],
    ) -> None:
        self.run_id = run_id
        # Typed as the Protocols: their attributes are settable, so mypy wants these exact types.
        self.network: NetworkControl = network
        self.processes: ProcessControl = processes
        self.scenario: ScenarioControl = scenario
        self._admin = admin

    def admin(
        self, service: str, method: str, path: str, body: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """A service's admin endpoint; failures raise ``FaultError`` naming the service."""
        try:
            return self._admin(service, method, path, dict(body) if body else None)
        except AdminCallError as exc:
            raise FaultError(f"{service} admin: {exc}") from None


if TYPE_CHECKING:

    def _is_a_fault_context(ctx: SimFaultContext) -> FaultContext:
        return ctx  # mypy checks the class against the Protocol here
