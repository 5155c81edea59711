"""What the runner drives: the system under test on any backend.

The local backend answers with processes, HTTP and SSH on loopback and a wall
clock running at the drill's speed; the ``sim`` backend with the same service
cores in one process on a virtual clock. The runner, the observer, the desk
views and the responders' operations see only this interface, so a drill runs
unchanged on either.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from faults.context import FaultContext
from harness.topology import TopologySettings
from services.deploy import DeployReport
from services.deploy.report import DeployMode
from services.router.registry import BuildRegistry


class SystemUnderTest(Protocol):
    """A running topology: its services, its deploys, its faults and its drill time."""

    run_id: str
    run_dir: Path
    settings: TopologySettings
    routers: list[str]
    epoch: float

    @property
    def context(self) -> FaultContext: ...

    @property
    def registry(self) -> BuildRegistry: ...

    def admin(
        self, service: str, method: str, path: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A service's admin endpoint; raises ``AdminCallError``."""
        ...

    def try_admin(self, service: str, path: str) -> dict[str, Any] | None:
        """A GET that answers None instead of raising (a killed service, a slow one)."""
        ...

    def deploy(
        self, version: str, mode: DeployMode, routers: list[str] | None = None, canary: int = 0
    ) -> DeployReport: ...

    def rollback(
        self, routers: list[str] | None = None, mode: DeployMode = "legacy"
    ) -> DeployReport: ...

    def fleet_status(self) -> DeployReport: ...

    def start_flow(self) -> None:
        """Start the order flow (after the topology is up and the run is being journalled)."""
        ...

    # drill time -----------------------------------------------------------------
    def now(self) -> int:
        """Drill µs since midnight."""
        ...

    def wait_until(self, drill_us: int) -> None:
        """Let drill time pass until ``drill_us`` (sleep, or run the simulation)."""
        ...

    def at(self, drill_us: int, job: Callable[[], None]) -> None:
        """Run ``job`` when drill time reaches ``drill_us`` (now if past)."""
        ...

    def start_clock(self) -> None:
        """Start running scheduled jobs."""
        ...

    def stop_clock(self) -> None:
        """Run no more scheduled jobs; return once any job already running has finished."""
        ...

    def close(self) -> None:
        """Tear everything down; nothing is left running."""
        ...
