"""Toxics that reshape data without delaying it on purpose: ``slicer``, ``limit_data``, ``noop``."""

from __future__ import annotations

import asyncio
import random
from typing import ClassVar

from .base import Chunk, End, StageIO, ToxicBehaviour, pass_through

__all__ = ["LimitData", "Noop", "Slicer", "slice_bounds"]


class Noop(ToxicBehaviour):
    """Passes everything through unchanged."""

    kind: ClassVar[str] = "noop"
    go_struct: ClassVar[str] = "NoopToxic"

    async def run(self, io: StageIO) -> None:
        await pass_through(io)


def slice_bounds(length: int, average: int, variation: int, rng: random.Random) -> list[int]:
    """End offsets of the pieces a chunk of ``length`` bytes is cut into.

    Pieces are cut in halves, each cut moved by up to ``variation`` bytes, until a piece is no
    longer than ``average + variation``. Cuts are kept strictly inside the piece, so any
    variation is safe; ``average <= 0`` means the chunk is not cut at all.
    """
    if average <= 0 or length <= 0:
        return [length]
    variation = max(variation, 0)
    ends: list[int] = []
    pending = [(0, length)]
    while pending:
        start, end = pending.pop()
        size = end - start
        if size - average <= variation or size < 2:
            ends.append(end)
            continue
        middle = size // 2
        if variation > 0:
            middle += rng.randrange(-variation, variation)
        middle = min(max(middle, 1), size - 1)
        # Right half first so the left half is popped, and emitted, first.
        pending.append((start + middle, end))
        pending.append((start, start + middle))
    return ends


class Slicer(ToxicBehaviour):
    """Cuts each chunk into pieces of about ``average_size`` bytes, ``delay`` µs apart."""

    kind: ClassVar[str] = "slicer"
    go_struct: ClassVar[str] = "SlicerToxic"
    attribute_names: ClassVar[tuple[str, ...]] = ("average_size", "size_variation", "delay")

    async def run(self, io: StageIO) -> None:
        average = self.attributes.get("average_size", 0)
        variation = self.attributes.get("size_variation", 0)
        delay = max(self.attributes.get("delay", 0), 0) / 1_000_000
        while True:
            item = await io.next()
            if isinstance(item, End) or average <= 0:
                io.release()
                if isinstance(item, End):
                    return
                continue
            data, stamp = item.data, item.stamp
            start = 0
            for count, end in enumerate(slice_bounds(len(data), average, variation, self.rng)):
                io.emit(Chunk(data[start:end], stamp))
                start = end
                io.hold(Chunk(data[start:], stamp) if start < len(data) else None)
                if delay > 0:
                    await asyncio.sleep(delay)
                elif count % 64 == 63:
                    # Without a delay a large chunk must not monopolise the event loop.
                    await asyncio.sleep(0)


class LimitData(ToxicBehaviour):
    """Lets ``bytes`` bytes through, then closes the stream.

    The count belongs to the connection, so updating the toxic does not start it again.
    """

    kind: ClassVar[str] = "limit_data"
    go_struct: ClassVar[str] = "LimitDataToxic"
    attribute_names: ClassVar[tuple[str, ...]] = ("bytes",)

    async def run(self, io: StageIO) -> None:
        limit = self.attributes.get("bytes", 0)
        while True:
            item = await io.next()
            if isinstance(item, End):
                io.release()
                return
            passed = io.state.get("passed", 0)
            allowed = max(limit - passed, 0)
            data = item.data
            if allowed < len(data):
                io.discard(len(data) - allowed)
                data = data[:allowed]
            io.hold(None)
            if data:
                io.emit(Chunk(data, item.stamp))
                io.state["passed"] = passed + len(data)
            if passed + len(data) >= limit:
                io.close_stream()
                return
