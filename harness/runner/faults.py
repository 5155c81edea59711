"""The run's injected faults: inject on schedule, revert on time, revert all at the end.

Every handle ``inject`` returns is kept until it is reverted, so ``revert_all``
in the runner's ``finally`` puts back everything still broken, whatever
stopped the drill. A fault that cannot be injected is journalled and the
drill goes on, as a real game day would.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from faults.base import Fault, FaultError, FaultHandle
from faults.registry import BadFaultParams, UnknownFault, build
from harness.bus import Bus
from harness.drill.models import Drill, FaultInjection
from harness.events import FaultInjected, FaultReverted, ScenarioAction
from harness.runner.steps import DrillTimeline
from harness.runner.system import SystemUnderTest


class FaultBook:
    """Injected faults of one run, by id."""

    def __init__(self, sut: SystemUnderTest, bus: Bus, timeline: DrillTimeline) -> None:
        self.sut = sut
        self.bus = bus
        self.timeline = timeline
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._live: dict[str, tuple[Fault[Any], FaultHandle]] = {}
        self.injected: list[dict[str, Any]] = []
        self.closed = False

    def schedule(self, step: FaultInjection) -> None:
        self.timeline.at(step.at, lambda: self._inject(step))

    def _inject(self, step: FaultInjection) -> None:
        fault_id = f"f{next(self._ids)}"
        try:
            fault = build(step.fault, step.params)
            handle = fault.inject(self.sut.context)
        except (FaultError, UnknownFault, BadFaultParams) as exc:
            self.bus.emit(
                ScenarioAction,
                action=f"inject {step.fault}",
                by="scenario",
                ok=False,
                report={"error": str(exc)},
            )
            return
        with self._lock:
            self._live[fault_id] = (fault, handle)
            late = self.closed
        self.bus.emit(
            FaultInjected,
            fault_id=fault_id,
            name=step.fault,
            params=dict(step.params),
            target=handle.target,
        )
        self.injected.append({"id": fault_id, "fault": step.fault, "params": dict(step.params)})
        if late:
            # The drill ended while this fault went in: undo it at once.
            self.revert(fault_id)
            return
        if step.until is not None:
            self.timeline.at(step.until, lambda: self.revert(fault_id))
        elif step.duration is not None:
            end = self.bus.now()[0] / 1_000_000 + step.duration
            self.timeline.at_drill(end, lambda: self.revert(fault_id))

    def revert(self, fault_id: str) -> None:
        with self._lock:
            entry = self._live.pop(fault_id, None)
        if entry is None:
            return
        fault, handle = entry
        try:
            fault.revert(self.sut.context, handle)
            ok, error = True, ""
        except Exception as exc:  # a revert must never hide the drill's own outcome
            ok, error = False, f"{type(exc).__name__}: {exc}"
        self.bus.emit(FaultReverted, fault_id=fault_id, name=fault.name, ok=ok, error=error)

    def revert_all(self) -> None:
        """Revert every fault still in place, newest first; later injections revert at once."""
        with self._lock:
            self.closed = True
            ids = list(self._live)
        for fault_id in reversed(ids):
            self.revert(fault_id)

    def plan(self, drill: Drill) -> dict[str, Any]:
        """The facilitator's view: the drill's fault timeline and what is in place now."""
        with self._lock:
            live = sorted(self._live)
        return {
            "timeline": [
                {"fault": s.fault, "at": s.at.text, "params": dict(s.params), "note": s.note}
                for s in drill.timeline
            ],
            "injected": self.injected,
            "in_place": live,
        }
