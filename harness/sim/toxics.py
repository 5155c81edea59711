"""Toxiproxy's toxics at message level, for the simulation's in-memory links.

A toxic is stored on a link (``ToxicSpec``) and runs on one direction of each
of the link's connections (``ToxicState``), on every live connection at once
and on every new one, each connection rolling ``toxicity`` for itself. What a
socket read is to a proxy, a batch (the messages one core call wrote on one
connection) is here; ``docs/sim.md`` has the mapping toxic by toxic.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from services.protocol.messages import MESSAGE_CLASSES, STRUCTS

LATENCY: Final = "latency"
BANDWIDTH: Final = "bandwidth"
TIMEOUT: Final = "timeout"
RESET_PEER: Final = "reset_peer"
SLICER: Final = "slicer"
LIMIT_DATA: Final = "limit_data"
NOOP: Final = "noop"
ATTRIBUTES: Final[dict[str, tuple[str, ...]]] = {
    LATENCY: ("latency", "jitter"),
    BANDWIDTH: ("rate",),
    TIMEOUT: ("timeout",),
    RESET_PEER: ("timeout",),
    SLICER: ("average_size", "size_variation", "delay"),
    LIMIT_DATA: ("bytes",),
    NOOP: (),
}
_FRAME_HEADER: Final = 3  # u16 length and u8 type before every struct body
FRAME_BYTES: Final[dict[type, int]] = {
    cls: _FRAME_HEADER + STRUCTS[mtype].size for mtype, cls in MESSAGE_CLASSES.items()
}


def batch_bytes(items: list[object]) -> int:
    """Bytes a batch takes on the wire: a frame per message, an HTTP message its own size."""
    sizes = FRAME_BYTES
    total = 0
    for item in items:
        size = sizes.get(type(item))
        total += size if size is not None else int(getattr(item, "nbytes", 0))
    return total


def check(kind: str, attributes: Mapping[str, int]) -> str | None:
    """Why a toxic cannot be made, as the proxy server would refuse it; ``None`` if it can."""
    if kind not in ATTRIBUTES:
        return f"unknown toxic type {kind!r} (known: {', '.join(sorted(ATTRIBUTES))})"
    for name in ATTRIBUTES[kind]:
        value = attributes.get(name, 0)
        if not isinstance(value, int) or isinstance(value, bool):
            return f"{kind}: attribute {name} must be an integer, got {value!r}"
    if kind == BANDWIDTH and attributes.get("rate", 0) < 0:
        return f"bandwidth rate must be 0 or more (KB/s), got {attributes.get('rate')}"
    return None


@dataclass(slots=True)
class ToxicSpec:
    """A toxic as stored on a link."""

    name: str
    kind: str
    stream: str
    toxicity: float
    attributes: dict[str, int]

    def attr(self, name: str) -> int:
        return int(self.attributes.get(name, 0))


@dataclass(slots=True, eq=False)
class ToxicState:
    """One toxic running on one direction of one connection.

    ``active`` is the toxicity roll; the other fields are the state the
    toxic keeps for that connection (bandwidth's busy-until time, the bytes
    limit_data let through, timeout's inactivity deadline, reset_peer's
    pending reset, bandwidth's stalled batches at rate 0).
    """

    spec: ToxicSpec
    active: bool
    free_at: int = 0
    passed: int = 0
    deadline: int = 0
    armed: bool = False
    removed: bool = False
    stalled: list[list[object]] = field(default_factory=list)

    @classmethod
    def roll(cls, spec: ToxicSpec, rng: random.Random) -> ToxicState:
        return cls(spec, rng.random() < spec.toxicity)

    def latency_us(self, rng: random.Random) -> int:
        spec = self.spec
        latency, jitter = spec.attr("latency"), spec.attr("jitter")
        if jitter > 0:
            latency += rng.randint(-jitter, jitter - 1)
        return max(0, latency) * 1000

    def transmit_us(self, nbytes: int) -> int:
        """Bandwidth: time to send ``nbytes`` at ``rate`` KB/s (KB = 1000 bytes)."""
        return -(-nbytes * 1000 // self.spec.attr("rate"))

    def slices_us(self, nbytes: int) -> int:
        """Slicer: one ``delay`` µs pause after each piece of about ``average_size`` bytes."""
        average, delay = self.spec.attr("average_size"), self.spec.attr("delay")
        if average <= 0 or delay <= 0 or nbytes <= 0:
            return 0
        return -(-nbytes // average) * delay


def cut_to(items: list[object], allowed: int) -> tuple[list[object], int]:
    """The messages that fit whole in ``allowed`` bytes, and their bytes.

    A message cut in the middle never reaches the other side as a message: its
    receiver would hold a partial frame when the connection closes.
    """
    kept: list[object] = []
    used = 0
    for item in items:
        size = batch_bytes([item])
        if used + size > allowed:
            break
        kept.append(item)
        used += size
    return kept, used
