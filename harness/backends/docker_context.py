"""``FaultContext`` for the ``docker`` backend: links, containers, admin endpoints.

The links and the scenario are the local backend's, unchanged: the proxy
server's API is published on 127.0.0.1 and recorded in the run state as on
local, so the network faults and the Knight faults act through the same code.
What differs is what a process fault touches: a container.

- ``kill``: SIGKILL to the container (its init, so every process in it);
  reverting starts the same container again: same name, network alias and
  published ports.
- ``pause``: ``docker pause`` (the cgroup freezer): its sockets stay open and
  nothing answers, like SIGSTOP on local. ``resume``: ``docker unpause``.
- ``restart``: ``docker restart`` (SIGTERM, then SIGKILL after 5 s).
- ``isolate`` (a ``partition`` of a service): the container leaves the run's
  network. Nothing is closed: its peers, links or not, and the harness on its
  published ports get silence, as across a real partition (a link partition's
  proxy closes the connections instead). ``rejoin`` connects it again under its
  alias; the engine gives it its address back (the lowest free one), so TCP's
  retransmissions carry the open connections on where they stopped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from faults.base import FaultError
from faults.context import (
    FaultContext,
    ServiceIsolation,
)
from harness.backends.docker_engine import ENGINE_ERRORS, Container, one_line
from harness.backends.local_context import RunFaultContext, unknown_name
from harness.errors import TopologyError
from harness.netproxy import NetProxyError, ToxiproxyClient
from harness.runstate import RunState

if TYPE_CHECKING:
    from harness.backends.docker import DockerBackend

log = logging.getLogger(__name__)
_RUNNING = ("running", "paused")


class DockerProcesses:
    """The run's service containers (``ProcessControl`` and ``ServiceIsolation``)."""

    def __init__(self, state: RunState, backend: DockerBackend) -> None:
        self.state = state
        self.backend = backend
        self._lock = threading.Lock()
        # Each isolated service's address on the network, to check it comes back the same.
        self._addresses: dict[str, str] = {}

    def services(self) -> list[str]:
        return list(self.state.services)

    def _container(self, service: str) -> Container:
        if service not in self.state.services:
            raise unknown_name("service", service, self.services())
        try:
            return self.backend.container(self.state, service)
        except (TopologyError, *ENGINE_ERRORS) as exc:
            raise FaultError(f"{service}: {one_line(exc)}") from None

    def _engine(self, what: str, action: Callable[[], object]) -> None:
        try:
            with self._lock:
                action()
        except ENGINE_ERRORS as exc:
            raise FaultError(f"{what}: {one_line(exc)}") from None

    def running(self, service: str) -> bool:
        return bool(self._container(service).status in _RUNNING)

    def kill(self, service: str) -> None:
        """SIGKILL; returns once the container has stopped. A stopped one stays stopped."""
        container = self._container(service)
        if container.status not in _RUNNING:
            return
        self._engine(f"kill {service}", lambda: container.kill(signal="SIGKILL"))
        self._settle(container, lambda status: status not in _RUNNING)
        self._drop_connections(service)

    def _drop_connections(self, service: str) -> None:
        """Close the live connections of every link to or from the service, on the proxy.

        A killed process's kernel resets its connections, and its peers see them drop
        (so the exchange cancels a dead gate's orders); a killed container's network
        is torn down at the same moment and often takes those resets with it, leaving
        its peers on connections that hang for minutes. Its links are cut and healed
        at once, as the kernel would have: a link another fault holds down stays down.
        """
        record = self.state.netproxy
        if record is None:
            return
        client = ToxiproxyClient(record.host, record.port, timeout=2.0)
        for link, rec in self.state.links.items():
            if rec.proxy is None or service not in (rec.client, rec.server):
                continue
            try:
                if client.get_proxy(rec.proxy).enabled:
                    client.update_proxy(rec.proxy, enabled=False)
                    client.update_proxy(rec.proxy, enabled=True)
            except NetProxyError as exc:
                log.warning("kill %s: link %s: %s", service, link, exc)

    def pause(self, service: str) -> None:
        container = self._container(service)
        if container.status != "running":
            raise FaultError(f"pause {service}: it is not running")
        self._engine(f"pause {service}", container.pause)
        self._settle(container, lambda status: status == "paused")

    def resume(self, service: str) -> None:
        """Unpause; nothing to do for a container that is not paused (or has gone)."""
        try:
            container = self._container(service)
        except FaultError:
            return
        if container.status == "paused":
            self._engine(f"resume {service}", container.unpause)

    def restart(self, service: str) -> None:
        if service not in self.state.services:
            raise unknown_name("service", service, self.services())
        try:
            with self._lock:
                self.backend.restart(self.state, service)
        except TopologyError as exc:
            raise FaultError(f"restart {service}: {exc}") from None

    def isolate(self, service: str) -> None:
        """Disconnect the container from the run's network: a silent partition."""
        container = self._container(service)
        network = self._network()
        self._addresses[service] = _address(container, network.name)
        self._engine(f"partition {service}", lambda: network.disconnect(container, force=True))

    def rejoin(self, service: str) -> None:
        """Connect it again, under its alias (its name on the network)."""
        container = self._container(service)
        network = self._network()
        if _address(container, network.name):
            return  # never left, or already back
        self._engine(f"heal {service}", lambda: network.connect(container, aliases=[service]))
        before, after = self._addresses.pop(service, ""), _address(container, network.name)
        if before and after != before:
            # Its open connections were bound to the old address: they stay dead until
            # TCP gives up on them (minutes), and the service reconnects only then.
            log.warning("%s rejoined the network as %s, not %s", service, after, before)

    def _network(self) -> Any:
        assert self.state.docker is not None
        try:
            return self.backend.client.networks.get(self.state.docker.network)
        except ENGINE_ERRORS as exc:
            raise FaultError(f"network {self.state.docker.network}: {one_line(exc)}") from None

    @staticmethod
    def _settle(container: Container, done: Callable[[str], bool], timeout: float = 5.0) -> None:
        # The engine answers before the state it reports has changed: wait for it, so that
        # what the caller observes next is the stopped (or paused) service.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                container.reload()
            except ENGINE_ERRORS:
                return
            if done(container.status):
                return
            time.sleep(0.02)


def _address(container: Container, network: str) -> str:
    """The container's IPv4 address on ``network``; empty when it is not attached."""
    container.reload()
    attached = container.attrs["NetworkSettings"]["Networks"].get(network)
    return str(attached.get("IPAddress", "")) if attached else ""


class DockerFaultContext(RunFaultContext):
    """What a fault may act on in one docker run (``faults.context.FaultContext``)."""

    def __init__(self, state: RunState, backend: DockerBackend) -> None:
        super().__init__(state, DockerProcesses(state, backend))


if TYPE_CHECKING:

    def _is_a_fault_context(ctx: DockerFaultContext) -> FaultContext:
        return ctx  # mypy checks the class against the Protocol here

    def _isolates(processes: DockerProcesses) -> ServiceIsolation:
        return processes
