"""The router process: RouterCore behind asyncio sessions, SSH management and admin."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable

import asyncssh

from services.clock import Clock
from services.net.admin import AdminServer
from services.net.admin_async import AdminPoster
from services.net.framing import FrameSession, NetStats, bound_port, listen
from services.protocol import Message
from services.router.actions import Action, CloseStrategy, PostAlert, ToGate, ToStrategy
from services.router.builds import Artifact, Manifest
from services.router.core import RouterCore
from services.router.gate_link import GateLink
from services.router.ssh import ManagementCommands, start_ssh_server
from services.router.store import BuildStore
from services.sshkeys import TopologyKeys

JSON = dict[str, object]


class RouterService:
    """One SMARS router process: orders port, gate link, timers, SSH, admin."""

    def __init__(
        self,
        core: RouterCore,
        clock: Clock,
        store: BuildStore,
        keys: TopologyKeys,
        gate: tuple[str, int] | None,
        alerts: tuple[str, int] | None,
        gate_max_backoff: float = 2.0,
    ) -> None:
        self.core = core
        self.clock = clock
        self._store = store
        self.keys = keys
        self.stats = NetStats()
        self.gate_stats = NetStats()
        self.gate: GateLink | None = None
        if gate is not None:
            self.gate = GateLink(
                core.name, gate[0], gate[1], self.gate_stats,
                self._gate_up, self._gate_down, self._gate_messages,
                max_backoff=gate_max_backoff,
            )  # fmt: skip
        self.alerts = AdminPoster(*alerts) if alerts is not None else None
        self.alerts_unsent = 0
        self.commands = ManagementCommands(self)
        self.admin = AdminServer("router", self.clock)
        install_routes(
            self.admin, core, self.commands.status, self.dispatch, clock.now, self.view_stats
        )
        self.ports: dict[str, int] = {}
        self._sessions: dict[int, FrameSession] = {}
        self._orders: asyncio.Server | None = None
        self._ssh: asyncssh.SSHAcceptor | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._wake = asyncio.Event()

    async def start(
        self, host: str, orders_port: int, ssh_port: int, admin_port: int
    ) -> RouterService:
        self._orders = await listen(host, orders_port, self, self.stats, "strategy")
        self.ports["orders"] = bound_port(self._orders)
        self._ssh = await start_ssh_server(host, ssh_port, self.keys, self.commands)
        self.ports["ssh"] = self._ssh.get_port()
        self.ports["admin"] = await self.admin.start(host, admin_port)
        self._tasks.append(asyncio.create_task(self._timer_loop()))
        if self.gate is not None:
            self._tasks.append(asyncio.create_task(self.gate.run()))
        return self

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.gate is not None:
            self.gate.close()
        for session in list(self._sessions.values()):
            session.close()
        if self._ssh is not None:
            self._ssh.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._ssh.wait_closed(), 2)
        if self._orders is not None:
            self._orders.close()
        await self.admin.stop()
        if self.alerts is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.alerts.drain(), 2)

    # carrying out the core's actions ---------------------------------------
    def dispatch(self, actions: Iterable[Action]) -> None:
        to_gate: list[Message] = []
        for action in actions:
            if isinstance(action, ToGate):
                to_gate.append(action.message)
                continue
            if to_gate:
                self._send_gate(to_gate)
                to_gate = []
            if isinstance(action, ToStrategy):
                session = self._sessions.get(action.session)
                if session is not None:
                    session.send(action.message)
            elif isinstance(action, PostAlert):
                if self.alerts is not None:
                    self.alerts.post_soon("/alerts", action.body(self.core.name))
                else:
                    self.alerts_unsent += 1
            elif isinstance(action, CloseStrategy):
                self._protocol_error(action)
        if to_gate:
            self._send_gate(to_gate)
        self._wake.set()

    def _send_gate(self, messages: list[Message]) -> None:
        if self.gate is not None:
            self.gate.send_many(messages)

    def _protocol_error(self, action: CloseStrategy) -> None:
        session = self._sessions.get(action.session)
        stats = self.stats
        stats.protocol_errors += 1
        peer = session.peer if session is not None else "?"
        stats.last_protocol_error = f"{peer}: {action.text}"
        key = action.reason.name
        stats.errors_by_reason[key] = stats.errors_by_reason.get(key, 0) + 1
        if session is not None:
            session.close()

    # strategy sessions (FrameHandler) ----------------------------------------
    def on_open(self, session: FrameSession) -> None:
        self._sessions[session.id] = session
        self.core.strategy_opened(session.id)

    def on_messages(self, session: FrameSession, messages: list[Message]) -> None:
        self.dispatch(self.core.on_strategy_messages(session.id, messages, self.clock.now()))

    def on_close(self, session: FrameSession) -> None:
        self._sessions.pop(session.id, None)
        self.core.strategy_closed(session.id)

    # the gate link -------------------------------------------------------------
    def _gate_up(self) -> None:
        self.dispatch(self.core.on_gate_up(self.clock.now()))

    def _gate_down(self) -> None:
        self.dispatch(self.core.on_gate_down(self.clock.now()))

    def _gate_messages(self, messages: list[Message]) -> None:
        self.dispatch(self.core.on_gate_messages(messages, self.clock.now()))

    async def _timer_loop(self) -> None:
        while True:
            wake = self.core.next_wakeup()
            self._wake.clear()
            if wake is None:
                await self._wake.wait()
                continue
            delay = self.clock.wall_delay(wake - self.clock.now())
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), delay)
                continue
            self.dispatch(self.core.on_timer(self.clock.now()))
            # Let session I/O in between bursts of timer work.
            await asyncio.sleep(0)

    # SSH management (BuildControl) ---------------------------------------------
    @property
    def host_name(self) -> str:
        return self.core.name

    @property
    def store(self) -> BuildStore:
        return self._store

    def active_build(self) -> Manifest:
        return self.core.build

    def activate_build(self, artifact: Artifact) -> None:
        self.dispatch(self.core.activate(artifact.manifest, self.clock.now()))
        self._store.set_active(artifact.version)

    # admin ---------------------------------------------------------------------
    def view_stats(self) -> JSON:
        return stats_view(
            self.core,
            self.stats,
            self.gate_stats,
            self.gate.view() if self.gate is not None else {"address": None},
            self.alerts.sent if self.alerts is not None else 0,
            self.alerts.failed if self.alerts is not None else 0,
            self.alerts_unsent,
            self.commands.counts,
        )


def install_routes(
    admin: AdminServer,
    core: RouterCore,
    status: Callable[[], JSON],
    dispatch: Callable[[Iterable[Action]], None],
    now: Callable[[], int],
    stats: Callable[[], JSON],
) -> None:
    """Register the router's endpoints on ``admin``; ``dispatch`` carries out the core's actions."""

    def disable(_: JSON) -> JSON:
        dispatch(core.disable(now()))
        return {"name": core.name, "disabled": True}

    def enable(_: JSON) -> JSON:
        dispatch(core.enable(now()))
        return {"name": core.name, "disabled": False}

    admin.route("GET", "/build", lambda _: status())
    admin.route("POST", "/disable", disable)
    admin.route("POST", "/enable", enable)
    admin.route("GET", "/parents", lambda query: parents_view(core, query))
    admin.route("GET", "/stats", lambda _: stats())


def parents_view(core: RouterCore, query: JSON) -> JSON:
    """``GET /parents[?state=live|held|working|filled|...]``."""
    state = query.get("state")
    parents = [p.view() for p in core.parents()]
    if state == "live":
        parents = [p for p in parents if p["state"] in ("held", "working")]
    elif state:
        parents = [p for p in parents if p["state"] == state]
    return {"name": core.name, "parents": parents}


def stats_view(
    core: RouterCore,
    net: NetStats,
    gate_net: NetStats,
    gate: dict[str, object],
    alerts_posted: int,
    alerts_failed: int,
    alerts_unsent: int,
    ssh_commands: dict[str, int],
) -> JSON:
    """``GET /stats``: the core's counters with the sessions', the gate link's and the alerts'."""
    gate_errors = gate_net.protocol_errors
    return {
        **core.stats(),
        **net.as_dict(),
        "protocol_errors": net.protocol_errors + gate_errors,
        "strategy_protocol_errors": net.protocol_errors,
        "gate_protocol_errors": gate_errors,
        "gate_net": gate_net.as_dict(),
        "gate": gate,
        "alerts_posted": alerts_posted,
        "alerts_failed": alerts_failed,
        "alerts_unsent": alerts_unsent,
        "ssh_commands": dict(ssh_commands),
    }
