"""Asyncio shell of the flow: one session per router, reconnecting, sending on time."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from services.clock import Clock
from services.flow.core import FlowCore
from services.flow.plan import Instrument
from services.net.admin import JSON, AdminServer
from services.net.admin_async import request
from services.net.framing import FrameSession, NetStats, connect
from services.protocol import Logon, Message, to_price
from services.risk.requests import parse


def parse_hostport(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"expected HOST:PORT, got {text!r}")
    return host or "127.0.0.1", int(port)


def load_universe_file(path: Path) -> list[Instrument]:
    """``[{"symbol": "WZE", "price": 3.5}, ...]`` (price in dollars)."""
    try:
        rows = json.loads(path.read_text())
        return [Instrument(str(r["symbol"]), to_price(float(r["price"]))) for r in rows]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path}: expected a JSON list of {{symbol, price}}: {exc}") from None


async def fetch_universe(host: str, port: int) -> list[Instrument]:
    """The exchange's symbols and reference prices from its admin ``/symbols``."""
    answer = await request(host, port, "GET", "/symbols")
    rows = answer.get("symbols", [])
    if not isinstance(rows, list) or not rows:
        raise ValueError(f"exchange admin {host}:{port}/symbols: no symbols in {answer}")
    return [Instrument(str(r["symbol"]), to_price(float(r["price"]))) for r in rows]


class RlpFlagRequest(BaseModel):
    """``POST /rlp-flag``: whether RLP parents carry the reused flag bit from now on."""

    model_config = ConfigDict(extra="forbid")

    on: bool


def install_routes(admin: AdminServer, core: FlowCore, stats: NetStats) -> None:
    """Register the flow's endpoints on ``admin``; ``stats`` counts its router sessions."""

    def stop_flow(_: JSON) -> JSON:
        core.stop()
        return {"stopped": True}

    def set_rlp_flag(body: JSON) -> JSON:
        on = parse(RlpFlagRequest, body).on
        was = core.set_rlp_flag(on)
        return {"rlp_flag": on, "was": was}

    admin.route("GET", "/stats", lambda _: {**core.stats(), **stats.as_dict()})
    admin.route("POST", "/stop", stop_flow)
    admin.route("POST", "/rlp-flag", set_rlp_flag)


class _RouterLink:
    """The flow's session to one router; a FrameHandler."""

    def __init__(self, flow: FlowService, index: int) -> None:
        self.flow = flow
        self.index = index
        self.session: FrameSession | None = None

    def on_open(self, session: FrameSession) -> None:
        session.send(Logon(self.flow.session_name))
        self.session = session
        held = self.flow.core.on_connected(self.index)
        session.send_many(list(held))

    def on_messages(self, session: FrameSession, messages: list[Message]) -> None:
        for msg in messages:
            self.flow.core.on_message(self.index, msg)

    def on_close(self, session: FrameSession) -> None:
        self.session = None
        self.flow.core.on_disconnected(self.index)


class FlowService:
    """Runs a ``FlowCore`` against real routers over TCP."""

    def __init__(
        self,
        core: FlowCore,
        routers: list[tuple[str, int]],
        clock: Clock,
        session_name: str = "flow",
    ) -> None:
        self.core = core
        self.routers = routers
        self.clock = clock
        self.session_name = session_name
        self.stats = NetStats()
        self.links = [_RouterLink(self, i) for i in range(len(routers))]
        self.admin = AdminServer("flow", self.clock)
        install_routes(self.admin, core, self.stats)
        self._tasks: list[asyncio.Task[None]] = []
        self._wake = asyncio.Event()
        self.ports: dict[str, int] = {}

    async def start(self, host: str, admin_port: int) -> FlowService:
        self.ports["admin"] = await self.admin.start(host, admin_port)
        for i in range(len(self.routers)):
            self._tasks.append(asyncio.create_task(self._keep_connected(i)))
        self._tasks.append(asyncio.create_task(self._send_loop()))
        return self

    async def _keep_connected(self, index: int) -> None:
        host, port = self.routers[index]
        delay = 0.05
        while True:
            try:
                session = await connect(host, port, self.links[index], self.stats, "router")
            except OSError:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            opened = time.monotonic()
            self._wake.set()
            await session.closed
            # A proxy in front of a dead router accepts and closes at once: only a
            # session that lasted resets the backoff, or this loop would spin.
            if time.monotonic() - opened > 1.0:
                delay = 0.05
            else:
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)

    async def _send_loop(self) -> None:
        while True:
            wake = self.core.next_wakeup()
            if wake is None:
                self._wake.clear()
                await self._wake.wait()
                continue
            delay = self.clock.wall_delay(wake - self.clock.now())
            if delay > 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), delay)
                continue
            by_router: dict[int, list[Message]] = {}
            for router, order in self.core.on_timer(self.clock.now()):
                by_router.setdefault(router, []).append(order)
            for router, orders in by_router.items():
                session = self.links[router].session
                if session is not None:
                    session.send_many(orders)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for link in self.links:
            if link.session is not None:
                link.session.close()
        await self.admin.stop()
