"""``FaultContext`` for the local backend: links by name, processes by pid, admin over HTTP.

Get one from a running topology::

    backend = LocalBackend()
    state = backend.up(TopologySettings(routers=8))        # or runstate.load(run_id)
    ctx = backend.fault_context(state)
    handle = faults.registry.build("latency", {"link": "gate->exchange"}).inject(ctx)

Everything is found through the run state, so a context works in any process,
not only the one that brought the run up.
"""

from __future__ import annotations

import difflib
import secrets
import signal
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faults.base import FaultError
from faults.context import (
    FaultContext,
    NetworkControl,
    ProcessControl,
    ScenarioControl,
    Stream,
)
from harness.backends.local_pids import state_letter
from harness.errors import TopologyError
from harness.netproxy import InvalidRequest, NetProxyError, NotFound, ToxicInfo, ToxiproxyClient
from harness.runstate import RunState
from services.net.admin_client import AdminCallError, call

if TYPE_CHECKING:
    from harness.backends.local import LocalBackend

HOST = "127.0.0.1"


def unknown_name(kind: str, name: str, known: list[str]) -> FaultError:
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return FaultError(f"unknown {kind} {name!r}{hint} (known {kind}s: {', '.join(known)})")


class LocalNetwork:
    """The run's links on its proxy server (``NetworkControl``)."""

    def __init__(self, state: RunState) -> None:
        self.state = state
        record = state.netproxy
        self._client = ToxiproxyClient(record.host, record.port) if record else None

    def links(self) -> list[str]:
        """Every link that can be faulted: none when the run has no proxy."""
        return sorted(name for name, rec in self.state.links.items() if rec.proxy)

    def _proxy(self, link: str) -> tuple[ToxiproxyClient, str]:
        record = self.state.links.get(link)
        if record is None:
            raise unknown_name("link", link, sorted(self.state.links))
        if record.proxy is None or self._client is None:
            raise FaultError(
                f"link {link!r}: run {self.state.run_id} has no proxy (--netproxy off);"
                " network faults need one"
            )
        return self._client, record.proxy

    def address(self, link: str) -> tuple[str, int]:
        """Where the link's client connects (the proxy's listen address)."""
        if link not in self.state.links:
            raise unknown_name("link", link, sorted(self.state.links))
        return self.state.link_address(link)

    def add_toxic(
        self,
        link: str,
        toxic_type: str,
        stream: Stream,
        toxicity: float,
        attributes: Mapping[str, int],
    ) -> str:
        client, proxy = self._proxy(link)
        if stream not in ("upstream", "downstream"):
            raise FaultError(
                f"link {link!r}: stream must be upstream or downstream, not {stream!r}"
            )
        # Unique per fault, so two faults of one type on one link never collide.
        name = f"{toxic_type}-{stream}-{secrets.token_hex(3)}"
        try:
            client.add_toxic(
                proxy,
                toxic_type,
                stream=stream,
                toxicity=toxicity,
                attributes=attributes,
                name=name,
            )
        except NetProxyError as exc:
            kind = self.state.netproxy.kind if self.state.netproxy else "?"
            hint = ""
            if isinstance(exc, InvalidRequest) and kind == "noxious":
                hint = " (noxious-server has no reset_peer; --netproxy embedded has every toxic)"
            raise FaultError(f"link {link!r} ({kind} proxy server): {exc}{hint}") from None
        return name

    def remove_toxic(self, link: str, name: str) -> None:
        """Remove a toxic; one that is already gone (or whose proxy is) is not an error."""
        client, proxy = self._proxy(link)
        try:
            client.remove_toxic(proxy, name)
        except NotFound:
            return
        except NetProxyError as exc:
            raise FaultError(f"link {link!r}: {exc}") from None

    def toxics(self, link: str) -> list[ToxicInfo]:
        client, proxy = self._proxy(link)
        try:
            return client.toxics(proxy)
        except NetProxyError as exc:
            raise FaultError(f"link {link!r}: {exc}") from None

    def set_enabled(self, link: str, enabled: bool) -> None:
        client, proxy = self._proxy(link)
        try:
            answer = client.update_proxy(proxy, enabled=enabled)
        except NetProxyError as exc:
            raise FaultError(f"link {link!r}: {exc}") from None
        if answer.enabled != enabled:
            raise FaultError(f"link {link!r}: the proxy server kept enabled={answer.enabled}")


class LocalProcesses:
    """The run's service processes (``ProcessControl``): signals to their process groups."""

    def __init__(self, state: RunState, backend: LocalBackend) -> None:
        self.state = state
        self.backend = backend
        self._lock = threading.Lock()

    def services(self) -> list[str]:
        return list(self.state.services)

    def _signal(self, service: str, sig: signal.Signals) -> bool:
        if service not in self.state.services:
            raise unknown_name("service", service, self.services())
        with self._lock:
            return self.backend.signal(self.state, service, sig)

    def running(self, service: str) -> bool:
        if service not in self.state.services:
            raise unknown_name("service", service, self.services())
        return self.backend.alive(self.state).get(service, False)

    def kill(self, service: str) -> None:
        """SIGKILL the service's process group; a service already dead stays dead."""
        self._signal(service, signal.SIGKILL)

    def pause(self, service: str) -> None:
        """SIGSTOP: the process keeps its sockets open and answers nothing."""
        if not self._signal(service, signal.SIGSTOP):
            raise FaultError(f"pause {service}: it is not running")
        self._settle(service, stopped=True)

    def resume(self, service: str) -> None:
        """SIGCONT; nothing to do for a service that has gone."""
        if self._signal(service, signal.SIGCONT):
            self._settle(service, stopped=False)

    def _settle(self, service: str, stopped: bool, timeout: float = 1.0) -> None:
        # Signals are delivered asynchronously: return once the kernel shows the new state,
        # so that what the caller observes next is the paused (or running) service.
        pid = self.state.services[service].pid
        deadline = time.monotonic() + timeout
        while (state_letter(pid) in ("T", "t")) != stopped and time.monotonic() < deadline:
            time.sleep(0.005)

    def restart(self, service: str) -> None:
        """Stop and start the service again on the same ports."""
        if service not in self.state.services:
            raise unknown_name("service", service, self.services())
        with self._lock:
            try:
                self.backend.restart(self.state, service)
            except TopologyError as exc:
                raise FaultError(f"restart {service}: {exc}") from None


@dataclass
class LocalScenario:
    """The run's scripted operations that the Knight faults bend (``ScenarioControl``)."""

    registry_dir: Path
    flow: str = "flow"
    deploy_exclusions: set[str] = field(default_factory=set)


class RunFaultContext:
    """What a fault may act on in one run of processes or containers.

    The scenario, the proxied links and the admin endpoints are the same on both
    backends; only how a service is killed, paused or restarted differs.
    """

    def __init__(self, state: RunState, processes: ProcessControl) -> None:
        self.run_id = state.run_id
        self.state = state
        self.scenario: ScenarioControl = LocalScenario(Path(state.run_dir) / "registry")
        # Typed as the Protocols: their attributes are settable, so mypy wants these exact types.
        self.network: NetworkControl = LocalNetwork(state)
        self.processes: ProcessControl = processes

    def admin(
        self,
        service: str,
        method: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """Call a service's admin endpoint directly (the harness's path is never faulted)."""
        return call_admin(self.state, service, method, path, body, timeout=timeout)


class LocalFaultContext(RunFaultContext):
    """What a fault may act on in one local run (``faults.context.FaultContext``)."""

    def __init__(self, state: RunState, backend: LocalBackend) -> None:
        super().__init__(state, LocalProcesses(state, backend))


def call_admin(
    state: RunState,
    service: str,
    method: str,
    path: str,
    body: Mapping[str, Any] | None = None,
    *,
    timeout: float = 5.0,
) -> dict[str, Any]:
    """A service's admin endpoint at the address the run state records; ``FaultError``."""
    record = state.services.get(service)
    if record is None:
        raise unknown_name("service", service, list(state.services))
    port = record.ports.get("admin")
    if port is None:
        raise FaultError(f"{service}: no admin port recorded (not started yet?)")
    try:
        return call(HOST, port, method, path, dict(body) if body else None, timeout=timeout)
    except AdminCallError as exc:
        raise FaultError(f"{service} admin: {exc}") from None


if TYPE_CHECKING:

    def _is_a_fault_context(ctx: LocalFaultContext) -> FaultContext:
        return ctx  # mypy checks the class against the Protocol here
