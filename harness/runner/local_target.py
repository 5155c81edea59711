"""The system under test on the local or docker backend: HTTP and SSH on loopback.

Drill time is the run's shared clock file, read by every process of the run;
jobs at drill times are APScheduler date triggers at the wall time that drill
time falls on. A facilitator's pause stops the clock file and the scheduler
together; on resume every pending job is moved to the wall time its drill time
now falls on.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger

from faults.context import FaultContext
from harness.backends.base import ServiceBackend
from harness.backends.local import LocalBackend
from harness.runner.system import SystemUnderTest
from harness.runstate import RunState
from harness.topology import CLOCK_FILE, TopologySettings, router_names
from services.clock import MAX_WALL_WAIT_S, SharedClock
from services.deploy import DeployReport, HostSpec, deploy, fleet_status, rollback
from services.deploy.report import DeployMode
from services.net.admin_client import AdminCallError, call
from services.router.registry import BuildRegistry
from services.sshkeys import TopologyKeys, load_keys


class LocalSystem:
    """One run's processes (or containers), reached through admin HTTP and SSH through the
    links at the loopback addresses the run state records."""

    def __init__(self, backend: ServiceBackend, state: RunState) -> None:
        self.backend = backend
        self.state = state
        self.run_id = state.run_id
        self.run_dir = Path(state.run_dir)
        self.settings = TopologySettings.model_validate(state.settings)
        self.routers = router_names(self.settings)
        self.epoch = state.epoch
        self._context = backend.fault_context(state)
        self._clock = SharedClock(self.run_dir / CLOCK_FILE, writable=True)
        self._scheduler = BackgroundScheduler(timezone=UTC)
        # Drill time of every job, so a resume can put each back on the wall clock.
        self._jobs: dict[str, int] = {}
        self._clock_lock = threading.Lock()
        # Set (under the lock) before the scheduler shuts down: from then on a job that
        # schedules another (a deploy finishing triggers the next fault) adds nothing,
        # instead of waiting on the scheduler's lock that the shutdown holds while it
        # waits for that very job: a deadlock.
        self._stopping = False

        self.logs_to: Path | None = None
        """Where ``close`` copies the services' logs (kept only while the run lives)."""

    @classmethod
    def up(cls, settings: TopologySettings, backend: ServiceBackend | None = None) -> LocalSystem:
        backend = backend or LocalBackend()
        return cls(backend, backend.up(settings))

    @property
    def context(self) -> FaultContext:
        return self._context

    @property
    def registry(self) -> BuildRegistry:
        return BuildRegistry(self.run_dir / "registry")

    @property
    def keys(self) -> TopologyKeys:
        return load_keys(self.run_dir / "keys")

    def admin(
        self, service: str, method: str, path: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        record = self.state.services[service]
        # Generous: a service flooded by a runaway still has to take the kill switch.
        return call(record.host, record.ports["admin"], method, path, body, timeout=20.0)

    def try_admin(self, service: str, path: str) -> dict[str, Any] | None:
        record = self.state.services.get(service)
        if record is None:
            return None
        try:
            return call(record.host, record.ports["admin"], "GET", path, timeout=5.0)
        except AdminCallError:
            return None

    def ssh_hosts(self, names: list[str]) -> list[HostSpec]:
        hosts = []
        for name in names:
            link = f"{name}:ssh"
            if link in self.state.links:
                host, port = self.state.link_address(link)
            else:
                host, port = "127.0.0.1", self.state.services[name].ports["ssh"]
            hosts.append(HostSpec(name=name, host=host, port=port))
        return hosts

    def deploy(
        self, version: str, mode: DeployMode, routers: list[str] | None = None, canary: int = 0
    ) -> DeployReport:
        hosts = self.ssh_hosts(routers if routers is not None else self.routers)
        return asyncio.run(deploy(self.registry, version, hosts, self.keys, mode, canary))

    def rollback(
        self, routers: list[str] | None = None, mode: DeployMode = "legacy"
    ) -> DeployReport:
        hosts = self.ssh_hosts(routers if routers is not None else self.routers)
        return asyncio.run(rollback(self.registry, hosts, self.keys, mode))

    def fleet_status(self) -> DeployReport:
        return asyncio.run(fleet_status(self.ssh_hosts(self.routers), self.keys))

    def start_flow(self) -> None:
        self.backend.start(self.state, ["flow"])

    # drill time -------------------------------------------------------------------
    def now(self) -> int:
        return self._clock.now()

    @property
    def paused(self) -> bool:
        return self._clock.paused

    def wait_until(self, drill_us: int) -> None:
        # In short steps: the clock may be paused or resumed while we wait.
        while (remaining := drill_us - self.now()) > 0:
            time.sleep(self._clock.wall_delay(remaining) or MAX_WALL_WAIT_S)

    def at(self, drill_us: int, job: Callable[[], None]) -> None:
        with self._clock_lock:
            if self._stopping:
                return
            wall = self._clock.wall_time_of(drill_us)
            # While paused the job is added paused too (no next run time); resume sets it.
            added = self._scheduler.add_job(
                job,
                DateTrigger(run_date=_utc(wall if wall is not None else time.time())),
                misfire_grace_time=None,
                next_run_time=_utc(wall),
            )
            self._jobs[added.id] = drill_us

    def pause(self) -> bool:
        """Stop drill time for every process of the run; False if already stopped."""
        with self._clock_lock:
            if not self._clock.pause():
                return False
            if self._scheduler.running:
                self._scheduler.pause()
            return True

    def resume(self) -> bool:
        """Let drill time run again; False if it was running."""
        with self._clock_lock:
            if not self._clock.resume():
                return False
            self._reschedule()
            if self._scheduler.running:
                self._scheduler.resume()
            return True

    @property
    def speed(self) -> float:
        """Drill seconds per wall second now (a fast-forward changes it)."""
        return self._clock.speed

    def set_speed(self, speed: float) -> None:
        """Run drill time at ``speed`` from now on, for every process of the run."""
        with self._clock_lock:
            self._clock.set_speed(speed)
            if not self._clock.paused:
                self._reschedule()

    def _reschedule(self) -> None:
        if self._stopping:
            return
        for job in self._scheduler.get_jobs():
            drill_us = self._jobs.get(job.id)
            wall = None if drill_us is None else self._clock.wall_time_of(drill_us)
            if wall is not None:
                job.modify(next_run_time=_utc(wall))

    def start_clock(self) -> None:
        self._scheduler.start()

    def stop_clock(self) -> None:
        # Waiting matters: a fault being injected right now must be in the book
        # before the runner reverts everything.
        with self._clock_lock:
            self._stopping = True
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    def close(self) -> None:
        with self._clock_lock:
            self._stopping = True
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        if self.logs_to is not None:
            # Before down: the run directory, logs and all, goes with the run.
            with contextlib.suppress(OSError):
                shutil.copytree(self.run_dir / "logs", self.logs_to, dirs_exist_ok=True)
        self.backend.down(self.state)
        self._clock.close()


def _utc(wall: float | None) -> datetime | None:
    return None if wall is None else datetime.fromtimestamp(wall, tz=UTC)


def _is_a_system_under_test(system: LocalSystem) -> SystemUnderTest:
    return system  # mypy checks the class against the Protocol here
