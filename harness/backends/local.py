"""The ``local`` backend: every service a process on 127.0.0.1, links through a proxy.

Services start tier by tier: every process of a tier is spawned at once (their
imports overlap), then each one's ready line is read and its ``/health``
answered before the next tier starts, since later tiers connect to the ports
earlier ones announced. The proxy server is spawned first and runs up beside
tier 0; each link's proxy is made just before the tier that dials it starts
(``local_links``). Any failure stops everything already started, so an ``up``
that fails leaves nothing behind.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from tenacity import Retrying, retry_if_exception_type, stop_after_delay, wait_fixed

from harness.backends.local_context import LocalFaultContext
from harness.backends.local_links import RunLinks, teardown
from harness.backends.local_pids import cmdline, pid_alive, signal_group
from harness.backends.local_proxy import ProxyServer
from harness.errors import TopologyError
from harness.processes import (
    ServiceProcess,
    ServiceStartError,
    await_ready,
    spawn_service,
    stop_process_group,
)
from harness.runstate import RunState, ServiceRecord, forget, new_run_id, run_dir_for
from harness.setup import prepare_run_dir
from harness.topology import (
    CLOCK_FILE,
    ServicePlan,
    TopologySettings,
    clock_args,
    outside_links,
    plan_topology,
    resolve_args,
)
from services.clock import ClockFile, parse_hhmm
from services.net.admin_client import AdminCallError, call

HOST = "127.0.0.1"


def wait_healthy(name: str, port: int, timeout: float = 10.0, path: str = "/health") -> None:
    try:
        for attempt in Retrying(
            stop=stop_after_delay(timeout),
            wait=wait_fixed(0.05),
            retry=retry_if_exception_type(AdminCallError),
            reraise=True,
        ):
            with attempt:
                call(HOST, port, "GET", path, timeout=2.0)
    except AdminCallError as exc:
        raise TopologyError(f"{name}: no answer to {path} within {timeout:.0f} s: {exc}") from None


def _clock_file(state: RunState) -> str | None:
    """The run's shared clock file; None for a run started before there was one."""
    path = Path(state.run_dir) / CLOCK_FILE
    return str(path) if path.exists() else None


def _belongs(pid: int, state: RunState) -> bool:
    # A pid can be reused after a crash; only signal processes of this run.
    return repr(state.epoch) in " ".join(cmdline(pid))


class LocalBackend:
    """Processes on loopback, links through a proxy; works after ``pip install``, no Docker."""

    name = "local"

    def __init__(self, ready_timeout: float = 20.0) -> None:
        self.ready_timeout = ready_timeout
        self.processes: dict[str, ServiceProcess] = {}
        # Every child this object spawned, so that it is reaped whatever happens.
        self._spawned: dict[str, subprocess.Popen[bytes]] = {}
        self._proxy_servers: dict[str, ProxyServer] = {}

    def up(self, settings: TopologySettings) -> RunState:
        run_id = new_run_id()
        run_dir = run_dir_for(run_id)
        run_dir.mkdir(parents=True)
        epoch = time.time()
        state = RunState(
            run_id=run_id,
            backend=self.name,
            created=epoch,
            epoch=epoch,
            settings=settings.model_dump(),
            run_dir=str(run_dir),
        )
        state.save()
        links = RunLinks(state)
        try:
            # First, so the proxy server starts while the keys are made and tier 0 starts.
            links.launch(seed=settings.seed)
            if links.server is not None:
                self._proxy_servers[run_id] = links.server
            directories = prepare_run_dir(run_dir, settings)
            start_us = parse_hhmm(settings.drill_start)
            ClockFile.create(run_dir / CLOCK_FILE, start_us, settings.speed, epoch).close()
            clock = clock_args(settings, epoch, str(run_dir / CLOCK_FILE))
            plans = plan_topology(settings)
            address: dict[str, str] = {}
            for tier in sorted({p.tier for p in plans}):
                tier_plans = [p for p in plans if p.tier == tier]
                links.ensure([link for p in tier_plans for link in p.links], address)
                self._start_tier(tier_plans, state, clock, address, directories, links.table())
                started = {p.name for p in tier_plans}
                links.ensure([x for x in outside_links(settings) if x.server in started], address)
        except BaseException:
            self.down(state)
            raise
        return state

    def start(self, state: RunState, names: list[str]) -> None:
        """Start services of the run's topology that are not running yet (e.g. the flow).

        They join the run's clock and connect to the addresses already recorded.
        """
        settings = TopologySettings.model_validate({**state.settings, "flow": True})
        plans = [p for p in plan_topology(settings) if p.name in names]
        unknown = set(names) - {p.name for p in plans}
        if unknown:
            raise TopologyError(f"no service named {', '.join(sorted(unknown))} in this topology")
        address = _addresses(state)
        directories = prepare_run_dir(Path(state.run_dir), settings)
        clock = clock_args(settings, state.epoch, _clock_file(state))
        links = RunLinks(state)
        try:
            links.ensure([link for p in plans for link in p.links], address)
            self._start_tier(plans, state, clock, address, directories, links.table())
        except BaseException:
            self._stop(state, [p.name for p in plans])
            for plan in plans:
                state.services.pop(plan.name, None)
            state.save()
            raise

    def restart(self, state: RunState, name: str) -> None:
        """Stop one service and start it again on the same ports.

        Its clients, and the proxies in front of it, dial the same addresses as
        before, so they find it again without being told anything.
        """
        record = state.services.get(name)
        if record is None:
            raise TopologyError(f"no service named {name} in run {state.run_id}")
        settings = TopologySettings.model_validate({**state.settings, "flow": True})
        plan = next(p for p in plan_topology(settings) if p.name == name)
        self._stop(state, [name])
        ports = {name: dict(record.ports)}
        address = _addresses(state)
        directories = prepare_run_dir(Path(state.run_dir), settings)
        clock = clock_args(settings, state.epoch, _clock_file(state))
        table = RunLinks(state).table()
        self._start_tier([plan], state, clock, address, directories, table, ports)

    def _start_tier(
        self,
        plans: list[ServicePlan],
        state: RunState,
        clock: list[str],
        address: dict[str, str],
        directories: dict[str, str],
        links: dict[str, str],
        ports: dict[str, dict[str, int]] | None = None,
    ) -> None:
        logs = Path(state.run_dir) / "logs"
        spawned = []
        for plan in plans:
            listen = (ports or {}).get(plan.name) or {port: 0 for port in plan.ports}
            args = resolve_args(plan, clock, listen, address, directories, links)
            log = logs / f"{plan.name}.log"
            popen = spawn_service(plan.module, args, log)
            self._spawned[plan.name] = popen
            state.services[plan.name] = ServiceRecord(
                ports={}, pid=popen.pid, module=plan.module, log=str(log)
            )
            # At once: an ``up`` killed before the tier is spawned must leave no orphan.
            state.save()
            spawned.append((plan, popen, log))
        for plan, popen, log in spawned:
            try:
                proc = await_ready(plan.name, popen, log, self.ready_timeout)
            except ServiceStartError as exc:
                raise TopologyError(f"{exc}{_log_tail(log)}") from None
            self.processes[plan.name] = proc
            state.services[plan.name].ports = proc.ports
            for port_name, port in proc.ports.items():
                address[f"{plan.name}.{port_name}"] = f"{HOST}:{port}"
            state.save()
        for plan, _, _ in spawned:
            wait_healthy(plan.name, state.services[plan.name].ports["admin"])

    def down(self, state: RunState) -> None:
        """Stop every process of the run and its proxy server, then forget the run."""
        self._stop(state, list(state.services))
        teardown(state, self._proxy_servers.pop(state.run_id, None))
        forget(state.run_id)

    def _stop(self, state: RunState, names: list[str]) -> None:
        pids = [state.services[n].pid for n in names if n in state.services]
        for pid in pids:
            if _belongs(pid, state):
                signal_group(pid, signal.SIGTERM)
                # A paused (SIGSTOPped) process would hold SIGTERM until continued.
                signal_group(pid, signal.SIGCONT)
        deadline = time.monotonic() + 5.0
        for pid in pids:
            while pid_alive(pid) and _belongs(pid, state) and time.monotonic() < deadline:
                self._reap(pid)
                time.sleep(0.02)
            if pid_alive(pid) and _belongs(pid, state):
                signal_group(pid, signal.SIGKILL)
        for name in names:
            self.processes.pop(name, None)
            popen = self._spawned.pop(name, None)
            if popen is not None:
                stop_process_group(popen, timeout=2.0)

    def _reap(self, pid: int) -> None:
        for popen in self._spawned.values():
            if popen.pid == pid:
                popen.poll()

    def signal(self, state: RunState, name: str, sig: signal.Signals) -> bool:
        """Signal a service's process group; False if it is not running."""
        record = state.services.get(name)
        if record is None:
            raise TopologyError(f"no service named {name} in run {state.run_id}")
        if not (pid_alive(record.pid) and _belongs(record.pid, state)):
            return False
        sent = signal_group(record.pid, sig)
        deadline = time.monotonic() + 5.0
        # SIGKILL is delivered asynchronously: return once the process is gone.
        while sig == signal.SIGKILL and pid_alive(record.pid) and time.monotonic() < deadline:
            self._reap(record.pid)
            time.sleep(0.005)
        self._reap(record.pid)
        return sent

    def alive(self, state: RunState) -> dict[str, bool]:
        return {
            name: pid_alive(rec.pid) and _belongs(rec.pid, state)
            for name, rec in state.services.items()
        }

    def fault_context(self, state: RunState) -> LocalFaultContext:
        """What faults act on in this run: its links, its processes, its admin endpoints."""
        return LocalFaultContext(state, self)


def _addresses(state: RunState) -> dict[str, str]:
    return {
        f"{name}.{port_name}": f"{HOST}:{port}"
        for name, rec in state.services.items()
        for port_name, port in rec.ports.items()
    }


def _log_tail(log: Path, lines: int = 3) -> str:
    try:
        tail = log.read_text(errors="replace").strip().splitlines()[-lines:]
    except OSError:
        return ""
    return (": " + " | ".join(t.strip() for t in tail)) if tail else ""


def describe(state: RunState) -> dict[str, Any]:
    return state.summary()
