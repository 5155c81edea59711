"""Process faults on a live topology, and the local fault context as a ``FaultContext``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, Protocol, runtime_checkable

import pytest

from faults.base import FaultError
from faults.context import FaultContext, NetworkControl, ProcessControl
from faults.registry import build
from harness.backends.local import LocalBackend
from harness.backends.local_context import LocalFaultContext
from harness.backends.local_pids import pid_alive, state_letter
from harness.runstate import RunState
from harness.topology import TopologySettings, plan_links
from services.net.admin_client import AdminCallError, call

pytestmark = pytest.mark.slow
SETTINGS = TopologySettings(routers=2, flow=False, netproxy="embedded")


@runtime_checkable
class CheckedContext(FaultContext, Protocol):
    """``FaultContext``, checkable with isinstance."""


@runtime_checkable
class CheckedNetwork(NetworkControl, Protocol):
    """``NetworkControl``, checkable with isinstance."""


@runtime_checkable
class CheckedProcesses(ProcessControl, Protocol):
    """``ProcessControl``, checkable with isinstance."""


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalBackend, RunState]]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GAMEDAY_HOME", str(tmp_path_factory.mktemp("home")))
        backend = LocalBackend()
        state = backend.up(SETTINGS)
        try:
            yield backend, state
        finally:
            backend.down(state)


@pytest.fixture
def ctx(run: tuple[LocalBackend, RunState]) -> LocalFaultContext:
    backend, state = run
    return backend.fault_context(state)


def eventually(check: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def upstreams(ctx: LocalFaultContext) -> set[str]:
    """The state of the gate's exchange session for each router session."""
    routers: dict[str, Any] = ctx.admin("gate", "GET", "/stats")["routers"]
    return {r["upstream"] for r in routers.values()} if routers else {"none"}


def test_the_local_context_is_a_fault_context(ctx: LocalFaultContext) -> None:
    assert isinstance(ctx, CheckedContext)
    assert isinstance(ctx.network, CheckedNetwork)
    assert isinstance(ctx.processes, CheckedProcesses)
    assert ctx.run_id.startswith("gd-")
    assert ctx.scenario.registry_dir.is_dir() and ctx.scenario.flow == "flow"
    assert set(ctx.network.links()) == {link.name for link in plan_links(SETTINGS)}
    assert set(ctx.processes.services()) == {"exchange", "alerts", "gate", "monitor",
                                             "router-1", "router-2"}  # fmt: skip
    assert ctx.admin("gate", "GET", "/health")["ok"] is True
    with pytest.raises(FaultError, match=r"gate admin: .*/nowhere"):
        ctx.admin("gate", "GET", "/nowhere")


def test_killing_the_exchange_drops_the_gate_upstream_and_revert_brings_it_back(
    ctx: LocalFaultContext,
) -> None:
    eventually(lambda: upstreams(ctx) == {"up"})
    before = ctx.state.services["exchange"].model_copy()
    fault = build("kill", {"service": "exchange"})
    handle = fault.inject(ctx)
    assert not pid_alive(before.pid)
    eventually(lambda: upstreams(ctx) == {"down"})

    fault.revert(ctx, handle)
    after = ctx.state.services["exchange"]
    assert after.pid != before.pid and pid_alive(after.pid)
    assert after.ports == before.ports
    eventually(lambda: upstreams(ctx) == {"up"})
    fault.revert(ctx, handle)  # already back: not restarted a second time
    assert ctx.state.services["exchange"].pid == after.pid


def test_restart_comes_back_on_the_same_ports_and_clients_reconnect(
    ctx: LocalFaultContext,
) -> None:
    eventually(lambda: upstreams(ctx) == {"up"})
    feed = ctx.admin("monitor", "GET", "/stats")["feeds"]["dropcopy"]
    before = ctx.state.services["exchange"].model_copy()
    fault = build("restart", {"service": "exchange"})
    handle = fault.inject(ctx)
    after = ctx.state.services["exchange"]
    assert after.pid != before.pid and after.ports == before.ports
    eventually(lambda: upstreams(ctx) == {"up"})
    eventually(
        lambda: (
            ctx.admin("monitor", "GET", "/stats")["feeds"]["dropcopy"]["connects"]
            > feed["connects"]
        )
    )
    fault.revert(ctx, handle)
    assert ctx.state.services["exchange"].pid == after.pid


def test_pause_freezes_a_service_and_revert_resumes_it(ctx: LocalFaultContext) -> None:
    gate = ctx.state.services["gate"]
    fault = build("pause", {"service": "gate"})
    handle = fault.inject(ctx)
    try:
        assert state_letter(gate.pid) == "T"
        with pytest.raises(AdminCallError):
            call("127.0.0.1", gate.ports["admin"], "GET", "/health", timeout=0.5)
    finally:
        fault.revert(ctx, handle)
    fault.revert(ctx, handle)
    assert state_letter(gate.pid) in ("R", "S")
    assert ctx.admin("gate", "GET", "/health")["ok"] is True


def test_process_faults_on_unknown_or_gone_services(ctx: LocalFaultContext) -> None:
    with pytest.raises(FaultError, match="unknown service 'exchnage'"):
        build("kill", {"service": "exchnage"}).inject(ctx)
    fault = build("kill", {"service": "router-2", "restart_on_revert": False})
    handle = fault.inject(ctx)
    with pytest.raises(FaultError, match="pause router-2: it is not running"):
        build("pause", {"service": "router-2"}).inject(ctx)
    fault.revert(ctx, handle)  # leaves it dead, as asked
    assert not ctx.processes.running("router-2")  # type: ignore[attr-defined]
    build("pause", {"service": "router-2"}).revert(ctx, handle)  # a resume of a gone process
    build("restart", {"service": "router-2"}).inject(ctx)
    assert ctx.admin("router-2", "GET", "/health")["ok"] is True
