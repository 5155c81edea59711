"""The SMARS routers in the world, and the order flow that feeds them."""

from __future__ import annotations

from collections.abc import Coroutine, Iterable
from functools import partial
from typing import Any, TypeVar

from harness.sim.calls import BusPoster
from harness.sim.dialer import Dialer
from harness.sim.links import Endpoint, Items, SimConn
from harness.sim.node import Node, Wiring
from harness.topology import router_names
from services.flow import server as flow_admin
from services.flow.core import FlowCore
from services.flow.plan import FlowParams, Instrument, build_plan
from services.net.admin import JSON
from services.net.framing import NetStats
from services.protocol import Logon, Message, to_price
from services.router import server as router_admin
from services.router.actions import Action, CloseStrategy, PostAlert, ToGate, ToStrategy
from services.router.builds import Artifact, Manifest
from services.router.core import RouterConfig, RouterCore
from services.router.power_peg import PowerPegSettings
from services.router.ssh import CommandResult, ManagementCommands
from services.router.store import BuildStore

T = TypeVar("T")
SESSION = "flow"
"""The flow's LOGON name on every router."""


class FlowStartError(RuntimeError):
    """The flow cannot start: the exchange does not answer ``/symbols``."""


def run_now(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never waits on anything (a command whose stdin is at hand)."""
    try:
        coro.send(None)
    except StopIteration as done:
        result: T = done.value
        return result
    coro.close()
    raise RuntimeError("a management command waited for I/O inside the simulation")


class RouterNode(Node):
    """``RouterCore`` with its build store, as ``RouterService`` runs it.

    Management commands are the real ``ManagementCommands`` on the real
    ``BuildStore`` (a directory under the run); only the SSH transport is
    left out, and its link's state is checked by the world's deploy.
    """

    def __init__(self, name: str, wiring: Wiring) -> None:
        super().__init__(name, wiring)
        s = wiring.settings
        self.config = RouterConfig(
            name, PowerPegSettings(interval_us=s.power_peg_interval_ms * 1000)
        )
        self.build_dir = wiring.run_dir / "builds" / name

    def boot(self) -> None:
        # As the process does: the recorded active build survives a restart.
        self._store = BuildStore(self.build_dir)
        build = self._store.startup_build(self.w.settings.initial_build)
        self.core = RouterCore(self.config, build.manifest)
        self.stats = NetStats()
        self.gate_stats = NetStats()
        self.sessions: dict[int, SimConn] = {}
        self.commands = ManagementCommands(self)
        self.alerts = BusPoster(self.w, self.proc)
        end = Endpoint(
            self.proc, self._strategy_opened, self._strategy_received, self._strategy_closed,
            self.stats,
        )  # fmt: skip
        self.net.listen(self.name, "orders", end)
        self.gate = Dialer(
            self.net, self.proc, f"{self.name}->gate", self._gate_opened, self._gate_received,
            self._gate_closed, reset_on_open=False, stable_us=1_000_000, stats=self.gate_stats,
        )  # fmt: skip
        self.gate.start()
        router_admin.install_routes(
            self.admin, self.core, self.commands.status, self.dispatch, self.sched.clock.now,
            self._stats,
        )  # fmt: skip

    def _stats(self) -> JSON:
        gate = self.gate.view(f"{self.name}->gate", with_stats=False)
        return router_admin.stats_view(
            self.core, self.stats, self.gate_stats, gate, self.alerts.sent, self.alerts.failed,
            0, self.commands.counts,
        )  # fmt: skip

    # carrying out the core's actions -----------------------------------------------------
    def dispatch(self, actions: Iterable[Action]) -> None:
        to_gate: list[Message] = []
        to_strategy: dict[int, list[Message]] = {}
        for action in actions:
            if isinstance(action, ToGate):
                to_gate.append(action.message)
            elif isinstance(action, ToStrategy):
                out = to_strategy.get(action.session)
                if out is None:
                    to_strategy[action.session] = [action.message]
                else:
                    out.append(action.message)
            elif isinstance(action, PostAlert):
                self.alerts.post(action.body(self.name))
            else:
                self._protocol_error(action)
        if to_gate:
            self.gate.send(to_gate)
        for session, msgs in to_strategy.items():
            conn = self.sessions.get(session)
            if conn is not None:
                conn.down.send(msgs)
        self.arm()

    def _protocol_error(self, action: CloseStrategy) -> None:
        conn = self.sessions.get(action.session)
        stats = self.stats
        stats.protocol_errors += 1
        stats.last_protocol_error = f"{conn.link.name if conn else '?'}: {action.text}"
        key = action.reason.name
        stats.errors_by_reason[key] = stats.errors_by_reason.get(key, 0) + 1
        if conn is not None:
            conn.close_by(conn.server)

    # strategy sessions -------------------------------------------------------------------------
    def _strategy_opened(self, conn: SimConn) -> None:
        self.sessions[conn.id] = conn
        self.core.strategy_opened(conn.id)

    def _strategy_received(self, conn: SimConn, items: Items) -> None:
        self.dispatch(self.core.on_strategy_messages(conn.id, items, self.sched.now))

    def _strategy_closed(self, conn: SimConn) -> None:
        self.sessions.pop(conn.id, None)
        self.core.strategy_closed(conn.id)

    # the gate link ------------------------------------------------------------------------------
    def _gate_opened(self, conn: SimConn) -> None:
        conn.up.send([Logon(self.name)])
        self.dispatch(self.core.on_gate_up(self.sched.now))

    def _gate_received(self, conn: SimConn, items: Items) -> None:
        self.dispatch(self.core.on_gate_messages(items, self.sched.now))

    def _gate_closed(self, conn: SimConn) -> None:
        self.dispatch(self.core.on_gate_down(self.sched.now))

    # time --------------------------------------------------------------------------------------
    def next_wakeup(self) -> int | None:
        return self.core.next_wakeup()

    def on_timer(self, now: int) -> None:
        self.dispatch(self.core.on_timer(now))

    # SSH management (BuildControl) -----------------------------------------------------------
    @property
    def host_name(self) -> str:
        return self.name

    @property
    def store(self) -> BuildStore:
        return self._store

    def active_build(self) -> Manifest:
        return self.core.build

    def activate_build(self, artifact: Artifact) -> None:
        self.dispatch(self.core.activate(artifact.manifest, self.sched.now))
        self._store.set_active(artifact.version)

    def command(self, command: str, stdin: bytes = b"") -> CommandResult:
        """One management command, as the SSH server runs it."""

        async def read_stdin() -> bytes:
            return stdin

        return run_now(self.commands.execute(command, read_stdin))


class FlowNode(Node):
    """``FlowCore`` over ``flow->router-N``, planned from the exchange's symbols like the process.

    The process fetches the universe from the exchange's admin ``/symbols``
    when it starts, so a restarted flow plans again from the beginning of the
    morning and sends at once whatever is already due, as the process would.
    """

    def __init__(self, wiring: Wiring) -> None:
        super().__init__(SESSION, wiring)
        self.routers = router_names(wiring.settings)

    def _universe(self) -> list[Instrument]:
        exchange = self.w.nodes["exchange"]
        if not exchange.running or exchange.proc.paused:
            raise FlowStartError("flow: the exchange's admin /symbols does not answer")
        status, answer = exchange.answer("GET", "/symbols", {})
        rows = answer.get("symbols")
        if status != 200 or not isinstance(rows, list) or not rows:
            raise FlowStartError(f"flow: no symbols from the exchange: {answer}")
        return [Instrument(str(r["symbol"]), to_price(float(r["price"]))) for r in rows]

    def boot(self) -> None:
        s = self.w.settings
        plan = build_plan(FlowParams(scale=s.scale), self._universe(), len(self.routers), s.seed)
        self.core = FlowCore(plan, len(self.routers), rlp_flagged=s.rlp_flag)
        self.stats = NetStats()
        flow_admin.install_routes(self.admin, self.core, self.stats)
        self.links = [self._dialer(i, name) for i, name in enumerate(self.routers)]
        for link in self.links:
            link.start()

    def _dialer(self, i: int, router: str) -> Dialer:
        return Dialer(
            self.net, self.proc, f"flow->{router}",
            partial(self._opened, i), partial(self._received, i), partial(self._closed, i),
            cap_us=1_000_000, reset_on_open=False, stable_us=1_000_000, stats=self.stats,
        )  # fmt: skip

    def _opened(self, router: int, conn: SimConn) -> None:
        held: list[Message] = list(self.core.on_connected(router))
        conn.up.send([Logon(SESSION), *held])

    def _received(self, router: int, conn: SimConn, items: Items) -> None:
        on_message = self.core.on_message
        for msg in items:
            on_message(router, msg)

    def _closed(self, router: int, conn: SimConn) -> None:
        self.core.on_disconnected(router)

    def next_wakeup(self) -> int | None:
        return self.core.next_wakeup()

    def on_timer(self, now: int) -> None:
        by_router: dict[int, list[Message]] = {}
        for router, order in self.core.on_timer(now):
            by_router.setdefault(router, []).append(order)
        for router, orders in by_router.items():
            self.links[router].send(orders)
        self.arm()
