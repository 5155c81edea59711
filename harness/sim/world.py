"""``SimWorld``: the whole topology's service cores in one process, on a virtual clock.

Wired exactly like the local topology (``harness.topology``): one exchange,
an alert bus, the risk gate with one exchange session per router session,
the monitor on drop copy and market data, N routers each with its own build
store, and the flow once started. Links carry ``Message`` objects with a
small fixed latency and the links' toxics; drill time jumps from event to
event, so the same settings and the same calls give the same world, bit for
bit. ``docs/sim.md`` describes it for the runner.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.sim import deploy as sim_deploy
from harness.sim.context import SimFaultContext, SimProcesses, SimScenario
from harness.sim.monitor import MonitorNode
from harness.sim.network import SimNetwork
from harness.sim.node import Node, Wiring
from harness.sim.routers import FlowNode, RouterNode
from harness.sim.scheduler import Scheduler
from harness.sim.venue import AlertsNode, ExchangeNode, GateNode
from harness.topology import TopologySettings, plan_links, router_names
from services.clock import parse_hhmm
from services.deploy.report import DeployMode, DeployReport
from services.net.admin_client import AdminCallError
from services.router.registry import BuildRegistry

# JSON both ways for admin calls, as over HTTP. Answers are built fresh and hold no
# cycles, so the encoder skips its cycle check; the objects decoded are the same.
_encode = json.JSONEncoder(check_circular=False, ensure_ascii=False, separators=(",", ":")).encode
_decode = json.JSONDecoder().decode


class SimWorld:
    """Every service core of one topology, wired in memory; see the module docstring.

    ``run_until`` moves drill time; everything else (admin calls, deploys,
    faults through ``context``) acts at the current drill time and takes none.
    """

    def __init__(
        self,
        settings: TopologySettings,
        run_dir: Path,
        *,
        latency_us: int = 50,
        run_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.run_dir = run_dir
        self.run_id = run_id or run_dir.name
        self.routers = router_names(settings)
        self.sched = Scheduler(parse_hhmm(settings.drill_start))
        self.clock = self.sched.clock
        # The flow's links exist from the start, as faults may name them before it runs.
        links = plan_links(settings.model_copy(update={"flow": True}))
        self.network = SimNetwork(self.sched, links, settings.seed, latency_us)
        run_dir.mkdir(parents=True, exist_ok=True)
        self.registry_dir = run_dir / "registry"
        BuildRegistry.create(self.registry_dir, current=settings.initial_build)
        self._wiring = Wiring(self.sched, self.network, settings, run_dir)
        nodes = self._wiring.nodes
        for node in (ExchangeNode(self._wiring), AlertsNode(self._wiring)):
            nodes[node.name] = node
        nodes["gate"] = GateNode(self._wiring)
        nodes["monitor"] = MonitorNode(self._wiring)
        for name in self.routers:
            nodes[name] = RouterNode(name, self._wiring)
        nodes["flow"] = FlowNode(self._wiring)
        self.processes = SimProcesses(nodes)
        self.scenario = SimScenario(self.registry_dir)
        self._context = SimFaultContext(
            self.run_id, self.network, self.processes, self.scenario, self.admin
        )
        self.closed = False
        # Tier by tier as the local backend starts them: servers listen before clients dial.
        for name in ("exchange", "alerts", "gate", "monitor", *self.routers):
            nodes[name].start()
        if settings.flow:
            self.start_flow()

    # the world's parts ---------------------------------------------------------------------
    @property
    def context(self) -> SimFaultContext:
        return self._context

    @property
    def registry(self) -> BuildRegistry:
        return BuildRegistry(self.registry_dir)

    @property
    def nodes(self) -> dict[str, Node]:
        return self._wiring.nodes

    @property
    def events(self) -> int:
        """Events processed so far (deliveries, timers, reconnects, jobs)."""
        return self.sched.events

    def router(self, name: str) -> RouterNode:
        node = self._wiring.nodes.get(name)
        if not isinstance(node, RouterNode):
            raise KeyError(f"no router {name!r} (routers: {', '.join(self.routers)})")
        return node

    # drill time --------------------------------------------------------------------------------
    def now(self) -> int:
        """Drill µs since midnight."""
        return self.sched.now

    def run_until(self, drill_us: int) -> None:
        """Process every event and core timer due up to ``drill_us``; the clock stays there.

        The cyclic garbage collector is paused meanwhile (and resumed as it was):
        the cores allocate millions of short-lived objects and make next to no
        reference cycles, so its passes cost about a tenth of the run and free
        nothing (a full-scale morning peaks at the same memory either way).
        """
        if self.closed:
            raise RuntimeError("the world is closed")
        collecting = gc.isenabled()
        gc.disable()
        try:
            self.sched.run_until(drill_us)
        finally:
            if collecting:
                gc.enable()

    def schedule(self, drill_us: int, job: Callable[[], None]) -> None:
        """Run ``job`` when drill time reaches ``drill_us`` (at the next step if already past)."""
        self.sched.at(drill_us, job)

    # the runner's SystemUnderTest names for the same things
    epoch = 0.0
    """Wall time of the drill's start on the local backend; the world has no wall clock."""

    def at(self, drill_us: int, job: Callable[[], None]) -> None:
        self.schedule(drill_us, job)

    def wait_until(self, drill_us: int) -> None:
        """``run_until``, and nothing for a time already past."""
        if drill_us > self.now():
            self.run_until(drill_us)

    def start_clock(self) -> None:
        """Nothing to start: scheduled jobs run when ``run_until`` reaches them."""

    def stop_clock(self) -> None:
        """Nothing to stop: no job runs outside ``run_until``."""

    # services ------------------------------------------------------------------------------------
    def start_flow(self) -> None:
        """Start the order flow now (as ``start(state, ["flow"])`` does on the local backend)."""
        flow = self._wiring.nodes["flow"]
        if not flow.running:
            flow.start()

    def admin(
        self, service: str, method: str, path: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """A service's admin endpoint, answered by its own routes; raises ``AdminCallError``."""
        node = self._wiring.nodes.get(service)
        where = f"{method} sim://{service}{path}"
        if node is None or not node.starts:
            raise AdminCallError(f"{where}: no service {service!r} in this run")
        if not node.running:
            raise AdminCallError(f"{where}: [Errno 111] Connection refused")
        if node.proc.paused:
            raise AdminCallError(f"{where}: timed out")
        # Through JSON both ways, as over HTTP: the handler may keep nothing of the caller's.
        status, answer = node.answer(method, path, _decode(_encode(body or {})))
        answer = _decode(_encode(answer))
        if status != 200:
            raise AdminCallError(f"{method} {path}: HTTP {status}: {answer.get('error', '')}")
        result: dict[str, Any] = answer
        return result

    def try_admin(self, service: str, path: str) -> dict[str, Any] | None:
        """A GET that answers ``None`` instead of raising (a killed or paused service)."""
        try:
            return self.admin(service, "GET", path)
        except AdminCallError:
            return None

    # deploys -----------------------------------------------------------------------------
    def deploy(
        self, version: str, mode: DeployMode, routers: list[str] | None = None, canary: int = 0
    ) -> DeployReport:
        names = list(routers) if routers is not None else list(self.routers)
        return sim_deploy.deploy(
            self.network, self.router, self.registry, version, names, mode, canary
        )

    def rollback(
        self, routers: list[str] | None = None, mode: DeployMode = "legacy"
    ) -> DeployReport:
        """Deploy the registry's ``previous`` build (``BuildError`` if there is none)."""
        registry = self.registry
        names = list(routers) if routers is not None else list(self.routers)
        target = registry.rollback_target()
        return sim_deploy.deploy(
            self.network, self.router, registry, target, names, mode, 0, "rollback"
        )

    def fleet_status(self) -> DeployReport:
        return sim_deploy.fleet_status(self.network, self.router, list(self.routers))

    def close(self) -> None:
        """Stop every service; the world answers nothing more. Files stay under ``run_dir``."""
        for node in self._wiring.nodes.values():
            node.kill()
        self.closed = True


if TYPE_CHECKING:
    from harness.runner.system import SystemUnderTest

    def _is_a_system_under_test(world: SimWorld) -> SystemUnderTest:
        return world  # mypy checks the class against the runner's Protocol here
