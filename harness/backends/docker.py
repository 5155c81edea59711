"""The ``docker`` backend: every service a container on a private network of the run.

``up`` makes sure the services image is there (built locally, never pulled:
``harness.images``), creates the run's bridge network, writes the proxy
server's file and starts the containers of ``docker_plan`` tier by tier: the
containers of a tier start together, then each one's ``/health`` must answer
on its published admin port before the next tier starts. Every port is
published on 127.0.0.1 only, on a host port picked at creation and kept for
the container's life, so a container restarted by a fault answers where it
did. The run state names every container as soon as it exists, and every
object carries the run's label, so ``down`` (from any process) and ``gameday
cleanup`` (also after a SIGKILL) find it all; any failure in ``up`` takes down
whatever was made.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from docker.errors import APIError, NotFound

from harness.backends.docker_containers import container_name, create_container, exit_note
from harness.backends.docker_context import DockerFaultContext
from harness.backends.docker_engine import (
    ENGINE_ERRORS,
    Client,
    Container,
    connect,
    engine_errors,
    in_parallel,
    labels,
    one_line,
    quietly,
    run_filter,
    sweep,
)
from harness.backends.docker_logs import LogFollower, write_whole_log
from harness.backends.docker_plan import (
    FILES,
    PROXIES_FILE,
    PROXY,
    SERVICE_LABEL,
    ContainerPlan,
    DockerPlan,
    plan_containers,
    run_layout,
)
from harness.backends.docker_records import record_container, record_links
from harness.backends.local import wait_healthy
from harness.errors import TopologyError, UsageError
from harness.images import ensure_services_image
from harness.netproxy import free_port
from harness.runstate import (
    DockerRecord,
    RunState,
    forget,
    new_run_id,
    run_dir_for,
)
from harness.setup import prepare_run_dir
from harness.topology import CLOCK_FILE, TopologySettings, clock_args
from services.clock import ClockFile, ClockState, parse_hhmm

HOST = "127.0.0.1"
_BIND_ATTEMPTS = 3
_RUNNING = ("running", "paused")


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")


class DockerBackend:
    """Containers on a private bridge network; links through a proxy server container."""

    name = "docker"

    def __init__(
        self, ready_timeout: float = 60.0, log: Callable[[str], None] | None = None
    ) -> None:
        self.ready_timeout = ready_timeout
        self.log = log or _say
        self._client: Client | None = None
        self._logs = LogFollower()
        self._state_lock = threading.Lock()

    @property
    def client(self) -> Client:
        if self._client is None:
            self._client = connect()
        return self._client

    # bring up --------------------------------------------------------------------------
    def up(self, settings: TopologySettings) -> RunState:
        if settings.netproxy == "external":
            raise UsageError(
                "--netproxy external: the docker backend runs the embedded proxy server in"
                " a container; use auto, embedded or off"
            )
        client = self.client  # no engine: one line before anything is made
        image = ensure_services_image(log=self.log)  # built here if missing or stale
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
            docker=DockerRecord(image=image, network=run_id),
        )
        state.save()
        start_us = parse_hhmm(settings.drill_start)
        clock = ClockFile.create(run_dir / CLOCK_FILE, start_us, settings.speed, epoch)
        # Held at the drill's start while the containers start: ten seconds of bring-up
        # would be ten drill minutes at 60x, gone before anything could happen in them.
        clock.write(ClockState(epoch, start_us, settings.speed, paused=True))
        try:
            prepare_run_dir(run_dir, settings)
            plan = self.plan(state)
            (run_dir / PROXIES_FILE).write_text(json.dumps(plan.proxies, indent=2))
            with engine_errors(f"docker run {run_id}"):
                client.networks.create(
                    run_id, driver="bridge", labels=labels(run_id), check_duplicate=True
                )
                for tier in plan.tiers():
                    wanted = [c for c in tier if c.service != "flow" or settings.flow]
                    self._start(state, plan, wanted)
            clock.write(ClockState(time.time(), start_us, settings.speed, paused=False))
        except BaseException:
            self.down(state)
            raise
        finally:
            clock.close()
        return state

    def plan(self, state: RunState) -> DockerPlan:
        """The run's containers, always with the flow (which may start later)."""
        settings = TopologySettings.model_validate({**state.settings, "flow": True})
        clock = clock_args(settings, state.epoch, f"{FILES}/{CLOCK_FILE}")
        return plan_containers(settings, run_layout(Path(state.run_dir), clock), settings.seed)

    def start(self, state: RunState, names: list[str]) -> None:
        """Start services of the run's topology that are not running yet (e.g. the flow)."""
        plan = self.plan(state)
        wanted = [c for c in plan.containers if c.service in names]
        unknown = set(names) - {c.service for c in wanted}
        if unknown:
            raise TopologyError(f"no service named {', '.join(sorted(unknown))} in this topology")
        try:
            with engine_errors(f"docker run {state.run_id}"):
                self._start(state, plan, wanted)
        except BaseException:
            for container in wanted:
                self._remove(state, container.service)
            raise

    def _start(self, state: RunState, plan: DockerPlan, tier: list[ContainerPlan]) -> None:
        in_parallel(lambda c: self._create_and_start(state, c), tier)
        for container in tier:
            self._wait_ready(state, container)
        self._record_links(state, plan)

    def _create_and_start(self, state: RunState, plan: ContainerPlan) -> None:
        # Host ports are picked here and kept for the container's life; one taken by
        # someone else in between is a refused start, answered with fresh ports.
        for attempt in range(_BIND_ATTEMPTS):
            ports = {name: free_port(HOST) for name in plan.ports}
            container = create_container(self.client, state, plan, ports)
            self._record(state, plan, container, ports)
            try:
                container.start()
            except APIError as exc:
                if "allocated" not in one_line(exc) or attempt == _BIND_ATTEMPTS - 1:
                    raise TopologyError(f"{plan.service}: {one_line(exc)}") from None
                quietly(partial(container.remove, force=True))
                continue
            container.reload()
            self._record(state, plan, container, ports)
            self._logs.follow(plan.service, container, self._log_path(state, plan.service))
            return

    def _record(
        self, state: RunState, plan: ContainerPlan, container: Container, ports: dict[str, int]
    ) -> None:
        # A tier's containers are made in parallel: one writer of the state file at a time.
        with self._state_lock:
            record_container(state, plan, container, ports, self._log_path(state, plan.service))
            state.save()

    def _record_links(self, state: RunState, plan: DockerPlan) -> None:
        with self._state_lock:
            record_links(state, plan)
            state.save()

    def _wait_ready(self, state: RunState, plan: ContainerPlan) -> None:
        port_name, path = plan.health
        if plan.service == PROXY:
            assert state.netproxy is not None
            port = state.netproxy.port
        else:
            port = state.services[plan.service].ports[port_name]
        try:
            wait_healthy(plan.service, port, self.ready_timeout, path=path)
        except TopologyError as exc:
            raise TopologyError(f"{exc}{exit_note(self.client, state, plan.service)}") from None

    def _log_path(self, state: RunState, service: str) -> Path:
        return Path(state.run_dir) / "logs" / f"{service}.log"

    # one service ------------------------------------------------------------------------
    def container(self, state: RunState, service: str) -> Container:
        """The service's container; ``TopologyError`` when it has gone."""
        try:
            return self.client.containers.get(container_name(state.run_id, service))
        except NotFound:
            raise TopologyError(f"{service}: its container has gone") from None

    def restart(self, state: RunState, name: str) -> None:
        """Stop the service's container (SIGTERM, SIGKILL after 5 s) and start it again.

        It keeps its name, its network alias and its published ports, so clients,
        proxies and the harness find it where it was.
        """
        if name not in state.services:
            raise TopologyError(f"no service named {name} in run {state.run_id}")
        container = self.container(state, name)
        since = time.time()
        try:
            if container.status == "paused":
                container.unpause()
            container.restart(timeout=5)
            container.reload()
        except ENGINE_ERRORS as exc:
            raise TopologyError(f"restart {name}: {one_line(exc)}") from None
        with self._state_lock:
            state.services[name].pid = int(container.attrs["State"].get("Pid") or 0)
            state.save()
        self._logs.finish(name, timeout=0.5)
        self._logs.follow(name, container, self._log_path(state, name), since=since)
        self._wait_ready(state, self.plan(state).container(name))

    def _remove(self, state: RunState, service: str) -> None:
        name = container_name(state.run_id, service)
        quietly(lambda: self.client.containers.get(name).remove(force=True, v=True))
        state.services.pop(service, None)
        state.save()

    # take down --------------------------------------------------------------------------
    def down(self, state: RunState) -> None:
        """Remove every container, network and volume of the run, then forget it.

        By label, so what a crashed ``up`` made before it could record it goes too.
        Each container's log is complete in ``logs/`` before the container goes.
        """
        with engine_errors(f"docker down {state.run_id}"):
            containers = self.client.containers.list(all=True, filters=run_filter(state.run_id))
            running = [c for c in containers if c.status in _RUNNING]
            in_parallel(lambda c: quietly(c.kill), running)
            for container in containers:
                service = container.labels.get(SERVICE_LABEL, container.name)
                if self._logs.following(service):
                    self._logs.finish(service)
                else:
                    write_whole_log(container, self._log_path(state, service))
            sweep(self.client, state.run_id)
        forget(state.run_id)

    def alive(self, state: RunState) -> dict[str, bool]:
        """Whether each service's container runs (a paused one counts, as a stopped
        process does on local)."""
        with engine_errors(f"docker status {state.run_id}"):
            found = self.client.containers.list(all=True, filters=run_filter(state.run_id))
        status = {c.labels.get(SERVICE_LABEL): c.status for c in found}
        return {name: status.get(name) in _RUNNING for name in state.services}

    def fault_context(self, state: RunState) -> DockerFaultContext:
        """What faults act on in this run: its links, its containers, its admin endpoints."""
        return DockerFaultContext(state, self)
