"""One way of a proxied connection: source socket, toxic chain, destination socket."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from typing import TYPE_CHECKING

from .stage import Stage
from .toxics import Chunk, End, Item, ToxicSpec

if TYPE_CHECKING:
    from .link import Connection

__all__ = ["HIGH_WATER", "LOW_WATER", "Direction"]

# Bytes a direction may hold inside its toxics before the source stops being read. A latency
# toxic needs rate x delay bytes in flight to keep a stream's throughput, so this is generous.
HIGH_WATER = 8 * 1024 * 1024
LOW_WATER = 1024 * 1024


class Direction:
    """Moves bytes one way through a connection.

    With no toxic applying, bytes go from the source straight to the destination (the fast
    path). Otherwise they pass through a chain of stages; the direction itself is the receiver
    at the end of the chain. Reading stops when the destination is saturated or too much is
    held inside the chain.
    """

    def __init__(
        self,
        connection: Connection,
        name: str,
        rng_for_run: Callable[[ToxicSpec, int], random.Random],
    ) -> None:
        self.name = name
        self.fast = True
        self.source: asyncio.Transport | None = None
        self.dest: asyncio.Transport | None = None
        self.stages: list[Stage] = []
        self._connection = connection
        self._rng_for_run = rng_for_run
        self._loop = asyncio.get_running_loop()
        self._buffered = 0
        self._dest_paused = False
        self._source_paused = False
        self._source_ended = False
        self._ended = False

    # Source side ---------------------------------------------------------------------------
    def feed(self, data: bytes) -> None:
        if self.fast:
            assert self.dest is not None
            self.dest.write(data)
            return
        self._buffered += len(data)
        self.stages[0].push(Chunk(data, self._loop.time()))
        if self._buffered > HIGH_WATER:
            self._flow()

    def feed_end(self) -> None:
        """The source has nothing more to send (EOF, error or socket lost)."""
        if self._source_ended:
            return
        self._source_ended = True
        if self.stages:
            self.stages[0].push(End.EOF)
        else:
            self.push(End.EOF)

    # Destination side: the receiver at the end of the chain --------------------------------
    def push(self, item: Item) -> None:
        if self._ended:
            return
        if isinstance(item, End):
            self._ended = True
            self._connection.finish(item)
            return
        self._buffered -= len(item.data)
        if self.dest is not None:
            self.dest.write(item.data)
        if self._source_paused:
            self._flow()

    def set_dest_paused(self, paused: bool) -> None:
        self._dest_paused = paused
        self._flow()

    # StageOwner ---------------------------------------------------------------------------
    def discarded(self, nbytes: int) -> None:
        self._buffered -= nbytes
        if self._source_paused:
            self._flow()

    def fail(self) -> None:
        self._connection.close(abort=True)

    # Chain changes ------------------------------------------------------------------------
    def add(self, spec: ToxicSpec) -> None:
        stage = Stage(spec, self, self, self._rng_for_run)
        if self.stages:
            self.stages[-1].out = stage
        self.stages.append(stage)
        stage.start()
        self._refresh()

    def update(self, spec: ToxicSpec) -> None:
        for stage in self.stages:
            if stage.spec.name == spec.name:
                stage.restart(spec)
        self._refresh()

    def remove(self, name: str) -> bool:
        """Take a toxic out, forwarding what it holds; True if the connection must close."""
        index = next((i for i, s in enumerate(self.stages) if s.spec.name == name), None)
        if index is None:
            return False
        stage = self.stages[index]
        was_active = stage.active
        stage.stop(flush=True)
        if index > 0:
            self.stages[index - 1].out = stage.out
        del self.stages[index]
        self._refresh()
        return was_active and stage.spec.behaviour.closes_on_removal

    def stop_all(self) -> None:
        for stage in self.stages:
            stage.stop(flush=False)

    def _refresh(self) -> None:
        self.fast = not any(stage.active for stage in self.stages)
        if self.fast:
            # Inactive stages hold nothing, so everything fed so far has been written.
            self._buffered = 0
        self._flow()

    def _flow(self) -> None:
        source = self.source
        if source is None:
            return
        if self._dest_paused or self._buffered > HIGH_WATER:
            if not self._source_paused:
                self._source_paused = True
                source.pause_reading()
        elif self._source_paused and self._buffered <= LOW_WATER:
            self._source_paused = False
            source.resume_reading()
