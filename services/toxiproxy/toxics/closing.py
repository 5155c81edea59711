"""Toxics that end connections: ``slow_close``, ``timeout``, ``reset_peer``."""

from __future__ import annotations

import asyncio
from typing import ClassVar

from .base import End, StageIO, ToxicBehaviour

__all__ = ["ResetPeer", "SlowClose", "Timeout"]


class SlowClose(ToxicBehaviour):
    """Delays the close of the stream by ``delay`` ms; data passes untouched."""

    kind: ClassVar[str] = "slow_close"
    go_struct: ClassVar[str] = "SlowCloseToxic"
    attribute_names: ClassVar[tuple[str, ...]] = ("delay",)

    async def run(self, io: StageIO) -> None:
        delay = self.attributes.get("delay", 0)
        while True:
            item = await io.next()
            if isinstance(item, End):
                if delay > 0:
                    await asyncio.sleep(delay / 1000)
                io.release()
                return
            io.release()


class Timeout(ToxicBehaviour):
    """Swallows all data; closes the stream after ``timeout`` ms without any data arriving.

    A timeout of 0 or less keeps the connection open, silent, until the toxic is removed.
    Removal closes the connection, because the peers have lost data they will wait for forever.
    """

    kind: ClassVar[str] = "timeout"
    go_struct: ClassVar[str] = "TimeoutToxic"
    attribute_names: ClassVar[tuple[str, ...]] = ("timeout",)
    closes_on_removal: ClassVar[bool] = True

    async def run(self, io: StageIO) -> None:
        timeout = self.attributes.get("timeout", 0)
        while True:
            if timeout > 0:
                try:
                    async with asyncio.timeout(timeout / 1000):
                        item = await io.next()
                except TimeoutError:
                    io.close_stream()
                    return
            else:
                item = await io.next()
            if isinstance(item, End):
                io.release()
                return
            io.discard(len(item.data))
            io.hold(None)


class ResetPeer(ToxicBehaviour):
    """On the first data (or close), waits ``timeout`` ms, then resets the connection (RST)."""

    kind: ClassVar[str] = "reset_peer"
    go_struct: ClassVar[str] = "ResetToxic"
    attribute_names: ClassVar[tuple[str, ...]] = ("timeout",)

    async def run(self, io: StageIO) -> None:
        timeout = self.attributes.get("timeout", 0)
        item = await io.next()
        if not isinstance(item, End):
            io.discard(len(item.data))
        io.hold(None)
        if timeout > 0:
            await asyncio.sleep(timeout / 1000)
        io.close_stream(reset=True)
