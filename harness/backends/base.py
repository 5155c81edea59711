"""The contract every backend satisfies."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from harness.runstate import RunState
from harness.topology import TopologySettings


@runtime_checkable
class Backend(Protocol):
    """Brings a topology up (returning its state) and tears one down."""

    name: str

    def up(self, settings: TopologySettings) -> RunState: ...

    def down(self, state: RunState) -> None: ...

    def alive(self, state: RunState) -> dict[str, bool]: ...
