"""What a fault is: parameters, a way to inject it, and a way to undo it.

Every fault, built-in or third-party, is one small class::

    class Latency(Fault[LatencyParams]):
        name = "latency"
        summary = "Delay every byte on a link."
        Params = LatencyParams

        def inject(self, ctx: FaultContext) -> FaultHandle: ...
        def revert(self, ctx: FaultContext, handle: FaultHandle) -> None: ...

``inject`` returns a handle holding whatever ``revert`` needs to put the
system back exactly as it was; the runner keeps handles and reverts every one
in ``finally``. ``revert`` must be safe to call when the target has gone
away (a killed process, a deleted proxy): undoing is best effort, never an
exception that hides the drill's own error.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from faults.context import FaultContext


class FaultParams(BaseModel):
    """Base of every fault's parameters: unknown fields are errors, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


P = TypeVar("P", bound=FaultParams)


@dataclass
class FaultHandle:
    """What ``inject`` did, kept for ``revert`` and for the journal."""

    fault: str
    target: str
    detail: dict[str, Any] = field(default_factory=dict)


class FaultError(Exception):
    """A fault could not be injected; the message names the fault and the target."""


class Fault(ABC, Generic[P]):
    """One kind of fault. Subclasses set ``name``, ``summary`` and ``Params``."""

    name: ClassVar[str]
    summary: ClassVar[str]
    Params: ClassVar[type[FaultParams]]

    def __init__(self, params: P) -> None:
        self.params = params

    @abstractmethod
    def inject(self, ctx: FaultContext) -> FaultHandle:
        """Break the system; raise ``FaultError`` if it cannot be done."""

    @abstractmethod
    def revert(self, ctx: FaultContext, handle: FaultHandle) -> None:
        """Put back what ``inject`` changed; never raises for a vanished target."""
