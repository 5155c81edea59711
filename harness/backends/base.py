"""The contract every backend satisfies."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from faults.context import FaultContext
from harness.runstate import RunState
from harness.topology import TopologySettings


@runtime_checkable
class Backend(Protocol):
    """Brings a topology up (returning its state) and tears one down."""

    name: str

    def up(self, settings: TopologySettings) -> RunState: ...

    def down(self, state: RunState) -> None: ...

    def alive(self, state: RunState) -> dict[str, bool]: ...


class ServiceBackend(Backend, Protocol):
    """A backend whose services run for real (processes, containers) and take faults.

    ``harness.runner.local_target.LocalSystem`` drives a drill on any of them: admin
    over HTTP and deploys over SSH at the addresses the run state records.
    """

    def start(self, state: RunState, names: list[str]) -> None:
        """Start services of the topology not started yet (the flow, once the drill begins)."""
        ...

    def fault_context(self, state: RunState) -> FaultContext: ...
