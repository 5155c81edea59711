"""What every toxic shares: the data items it sees, the stage it runs in, its stored settings."""

from __future__ import annotations

import enum
import random
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

from ..gojson import Float32

__all__ = [
    "DOWNSTREAM",
    "UPSTREAM",
    "Chunk",
    "End",
    "Item",
    "StageIO",
    "ToxicBehaviour",
    "ToxicSpec",
]

UPSTREAM = "upstream"
DOWNSTREAM = "downstream"


@dataclass(slots=True)
class Chunk:
    """Bytes from one read of the source socket, stamped with when they reached the proxy."""

    data: bytes
    stamp: float


class End(enum.Enum):
    """How a stream finishes: a plain close (FIN) or a close that resets the peer (RST)."""

    EOF = "eof"
    RESET = "reset"


Item = Chunk | End


class StageIO(Protocol):
    """The view a running toxic has of its place in the chain.

    A toxic takes items with :meth:`next`, which also marks the item as *held*. Whatever is held
    when the toxic is removed is forwarded at once, so a toxic keeps the held item up to date
    (:meth:`hold`) before every wait and never loses or reorders data.
    """

    state: dict[str, int]

    def now(self) -> float: ...

    async def next(self) -> Item: ...

    def hold(self, item: Item | None) -> None: ...

    def emit(self, item: Item) -> None: ...

    def release(self) -> None: ...

    def discard(self, nbytes: int) -> None: ...

    def close_stream(self, *, reset: bool = False) -> None: ...


class ToxicBehaviour(ABC):
    """One toxic type: its attributes and what it does to a stream.

    A new instance runs for each connection and direction every time the toxic (re)starts
    there, so instance fields are per-run state; state that must survive an update lives in
    ``StageIO.state``.
    """

    kind: ClassVar[str]
    go_struct: ClassVar[str]
    attribute_names: ClassVar[tuple[str, ...]] = ()
    closes_on_removal: ClassVar[bool] = False

    def __init__(self, attributes: Mapping[str, int], rng: random.Random) -> None:
        self.attributes = attributes
        self.rng = rng

    @classmethod
    def check(cls, attributes: Mapping[str, int]) -> str | None:
        """A reason to refuse these attributes, for values that would break the toxic."""
        del attributes
        return None

    @abstractmethod
    async def run(self, io: StageIO) -> None:
        """Process items until the stream ends or the toxic closes it."""


async def pass_through(io: StageIO) -> None:
    """Forward every item unchanged; used by ``noop`` and by toxics that are switched off."""
    while True:
        item = await io.next()
        io.release()
        if isinstance(item, End):
            return


@dataclass(slots=True)
class ToxicSpec:
    """A toxic as stored on a proxy and shown by the API."""

    name: str
    behaviour: type[ToxicBehaviour]
    stream: str
    direction: str
    toxicity: Float32 = field(default_factory=lambda: Float32(1.0))
    attributes: dict[str, int] = field(default_factory=dict)

    @property
    def kind(self) -> str:
        return self.behaviour.kind

    def to_json(self) -> dict[str, object]:
        return {
            "attributes": dict(self.attributes),
            "name": self.name,
            "type": self.kind,
            "stream": self.stream,
            "toxicity": self.toxicity,
        }
