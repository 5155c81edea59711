"""What every service of the world shares: its incarnation, its timer, its admin endpoint.

A ``Node`` is one service (``exchange``, ``gate``, ``router-3``...). Each
start makes a fresh ``Process`` and fresh cores from the same configuration,
as a restarted process would; the admin endpoint is a real ``AdminServer``
whose routes the service modules install, answered in process. After every
call into a core the node re-arms its one timer at the core's
``next_wakeup``, as the asyncio wrappers do with ``call_later``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.sim.links import Process
from harness.sim.network import SimNetwork
from harness.sim.scheduler import Scheduler
from harness.topology import TopologySettings
from services.net.admin import JSON, AdminServer


@dataclass(eq=False)
class Wiring:
    """What nodes need from the world: time, the network, settings, each other."""

    sched: Scheduler
    net: SimNetwork
    settings: TopologySettings
    run_dir: Path
    nodes: dict[str, Node] = field(default_factory=dict)


class Node(ABC):
    """One service of the world; subclasses make its cores and connections in ``boot``."""

    def __init__(self, name: str, wiring: Wiring) -> None:
        self.name = name
        self.w = wiring
        self.sched = wiring.sched
        self.net = wiring.net
        self.proc = Process(name)
        self.proc.alive = False
        self.admin = AdminServer(name)
        self.starts = 0

    @abstractmethod
    def boot(self) -> None:
        """Make fresh cores, install the admin routes, listen and dial."""

    def next_wakeup(self) -> int | None:
        return None

    def on_timer(self, now: int) -> None:
        """Do the cores' work due by ``now``, then ``arm`` (a service without timers has none)."""
        return None

    # life ------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.proc.alive

    def start(self) -> None:
        """Start a new incarnation; if it cannot boot, nothing of it is left running."""
        self.proc = Process(self.name)
        self.admin = AdminServer(self.name)
        try:
            self.boot()
        except BaseException:
            self.kill()
            raise
        self.starts += 1
        self.arm()

    def kill(self) -> None:
        """Gone at once: its ports refuse, its connections drop, nothing it held survives."""
        proc = self.proc
        if not proc.alive:
            return
        proc.alive = False
        proc.backlog.clear()
        self.net.unlisten(self.name)
        for conn in list(proc.conns.values()):
            conn.abort()

    def pause(self) -> None:
        self.proc.paused = True

    def resume(self) -> None:
        """Carry on where it stopped: what arrived meanwhile is handled in order, then timers."""
        proc = self.proc
        if not proc.alive or not proc.paused:
            return
        proc.paused = False
        held, proc.backlog = proc.backlog, []
        for i, job in enumerate(held):
            if not proc.alive or proc.paused:
                proc.backlog[:0] = held[i:]
                return
            job()
        proc.timer_at = None
        self.arm()

    def restart(self) -> None:
        self.kill()
        self.start()

    # time ------------------------------------------------------------------------------
    def arm(self) -> None:
        proc = self.proc
        wake = self.next_wakeup()
        if wake is None or not proc.alive:
            return
        at = proc.timer_at
        if at is not None and at <= wake:
            return
        proc.timer_at = wake
        self.sched.at(wake, self._fire)

    def _fire(self) -> None:
        proc = self.proc
        at = proc.timer_at
        if at is None or at > self.sched.now or not proc.alive or proc.paused:
            return
        proc.timer_at = None
        # ``on_timer`` carries out what the core decided, which re-arms the timer.
        self.on_timer(self.sched.now)

    # admin ---------------------------------------------------------------------------------
    def answer(self, method: str, target: str, body: Any) -> tuple[int, JSON]:
        """One admin request, answered by the service's own routes (the caller checks it runs)."""
        status, answer = self.admin.answer(method, target, body)
        # A request may have acted (a kill switch, a disabled router): re-arm the timer.
        self.arm()
        return status, answer
