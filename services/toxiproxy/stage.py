"""One toxic running on one direction of one connection."""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from .toxics import Chunk, End, Item, ToxicSpec

__all__ = ["ChunkQueue", "Receiver", "Stage", "StageOwner"]

log = logging.getLogger(__name__)


class Receiver(Protocol):
    """Anything a stage can hand items to: the next stage, or the destination socket."""

    def push(self, item: Item) -> None: ...


class StageOwner(Protocol):
    """What a stage needs from the direction it belongs to."""

    def discarded(self, nbytes: int) -> None: ...

    def fail(self) -> None: ...


class ChunkQueue:
    """FIFO between stages that never blocks the producer (back-pressure is by byte count)."""

    __slots__ = ("_items", "_waiter")

    def __init__(self) -> None:
        self._items: deque[Item] = deque()
        self._waiter: asyncio.Future[None] | None = None

    def __len__(self) -> int:
        return len(self._items)

    def push(self, item: Item) -> None:
        self._items.append(item)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def push_front(self, item: Item) -> None:
        self._items.appendleft(item)

    async def get(self) -> Item:
        # The item is taken only once the consumer runs again, so a cancelled consumer loses
        # nothing.
        while not self._items:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self._items.popleft()

    def drain(self) -> list[Item]:
        items = list(self._items)
        self._items.clear()
        return items


class Stage:
    """A toxic at work on one link; implements the ``StageIO`` view its toxic runs against.

    A stage whose toxicity roll failed is inactive: it forwards items straight to ``out``.
    """

    def __init__(
        self,
        spec: ToxicSpec,
        out: Receiver,
        owner: StageOwner,
        rng_for_run: Callable[[ToxicSpec, int], random.Random],
    ) -> None:
        self.spec = spec
        self.out = out
        self.state: dict[str, int] = {}
        self.active = False
        self._owner = owner
        self._rng_for_run = rng_for_run
        self._runs = 0
        self._inbox = ChunkQueue()
        self._held: Item | None = None
        self._task: asyncio.Task[None] | None = None
        self._loop = asyncio.get_running_loop()

    # Chain side ---------------------------------------------------------------------------
    def push(self, item: Item) -> None:
        if self.active:
            self._inbox.push(item)
        else:
            self.out.push(item)

    def start(self) -> None:
        """Roll toxicity and, if the toxic applies, run it (also used after an update)."""
        rng = self._rng_for_run(self.spec, self._runs)
        self._runs += 1
        self.active = rng.random() < self.spec.toxicity
        if not self.active:
            for item in self._inbox.drain():
                self.out.push(item)
            return
        behaviour = self.spec.behaviour(self.spec.attributes, rng)
        self._task = self._loop.create_task(self._run(behaviour.run(self)))

    def restart(self, spec: ToxicSpec) -> None:
        """Apply new settings: the held item goes back to the front and the toxic starts over."""
        self._cancel()
        if self._held is not None:
            self._inbox.push_front(self._held)
            self._held = None
        self.spec = spec
        self.start()

    def stop(self, *, flush: bool) -> None:
        """Stop the toxic; with ``flush``, everything it holds goes on to ``out`` in order."""
        self._cancel()
        was_active, self.active = self.active, False
        if not flush or not was_active:
            self._inbox.drain()
            self._held = None
            return
        held, self._held = self._held, None
        if held is not None:
            self.out.push(held)
        for item in self._inbox.drain():
            self.out.push(item)

    def _cancel(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()

    async def _run(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("toxic %s failed; closing its connection", self.spec.name)
            self._owner.fail()

    # StageIO side -------------------------------------------------------------------------
    def now(self) -> float:
        return self._loop.time()

    async def next(self) -> Item:
        item = await self._inbox.get()
        self._held = item
        return item

    def hold(self, item: Item | None) -> None:
        self._held = item

    def emit(self, item: Item) -> None:
        self.out.push(item)

    def release(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            self.out.push(held)

    def discard(self, nbytes: int) -> None:
        self._owner.discarded(nbytes)

    def close_stream(self, *, reset: bool = False) -> None:
        self._held = None
        self.out.push(End.RESET if reset else End.EOF)


def chunk_size(item: Item) -> int:
    """Bytes an item carries (0 for an end marker)."""
    return len(item.data) if isinstance(item, Chunk) else 0
