"""Toxics that delay data: ``latency`` and ``bandwidth``."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import ClassVar

from .base import Chunk, End, StageIO, ToxicBehaviour

__all__ = ["Bandwidth", "Latency"]


class Latency(ToxicBehaviour):
    """Holds each chunk until ``latency`` ms (plus or minus ``jitter``) after it arrived.

    Chunks keep their order and queue behind each other, so a continuous stream is shifted in
    time rather than slowed down. The chunk's stamp moves forward by the delay it was given, so
    a second latency toxic later in the chain adds its own delay on top.
    """

    kind: ClassVar[str] = "latency"
    go_struct: ClassVar[str] = "LatencyToxic"
    attribute_names: ClassVar[tuple[str, ...]] = ("latency", "jitter")

    def _delay(self) -> float:
        latency = self.attributes.get("latency", 0)
        jitter = self.attributes.get("jitter", 0)
        if jitter > 0:
            latency += self.rng.randint(-jitter, jitter - 1)
        return latency / 1000.0

    async def run(self, io: StageIO) -> None:
        while True:
            item = await io.next()
            if isinstance(item, End):
                io.release()
                return
            delay = self._delay()
            wait = item.stamp + delay - io.now()
            if wait > 0:
                await asyncio.sleep(wait)
            if delay > 0:
                item.stamp += delay
            io.release()


class Bandwidth(ToxicBehaviour):
    """Limits a connection's direction to ``rate`` KB/s (KB = 1000 bytes).

    Each chunk is held for its own transmission time before it goes out; a chunk larger than a
    tenth of a second's worth goes out in tenth-of-a-second slices, so slow rates still trickle.
    Oversleeping is carried forward as credit; idle time earns none. Rate 0 stalls the
    direction until the toxic is removed; negative rates are refused when the toxic is created.
    """

    kind: ClassVar[str] = "bandwidth"
    go_struct: ClassVar[str] = "BandwidthToxic"
    attribute_names: ClassVar[tuple[str, ...]] = ("rate",)

    @classmethod
    def check(cls, attributes: Mapping[str, int]) -> str | None:
        rate = attributes.get("rate", 0)
        if rate < 0:
            return f"bandwidth rate must be 0 or more (KB/s), got {rate}"
        return None

    async def run(self, io: StageIO) -> None:
        rate = self.attributes.get("rate", 0)
        if rate <= 0:
            await self._stall(io)
            return
        slice_size = rate * 100
        bytes_per_second = rate * 1000.0
        debt = 0.0
        while True:
            item = await io.next()
            if isinstance(item, End):
                io.release()
                return
            data, stamp = item.data, item.stamp
            debt += len(data) / bytes_per_second
            while len(data) > slice_size:
                await asyncio.sleep(0.1)
                io.emit(Chunk(data[:slice_size], stamp))
                data = data[slice_size:]
                io.hold(Chunk(data, stamp))
                debt -= 0.1
            if debt > 0:
                started = io.now()
                await asyncio.sleep(debt)
                debt -= io.now() - started
            io.release()

    @staticmethod
    async def _stall(io: StageIO) -> None:
        item = await io.next()
        if isinstance(item, End):
            io.release()
            return
        # Nothing gets through until the toxic is removed, which forwards the held chunk.
        await asyncio.get_running_loop().create_future()
