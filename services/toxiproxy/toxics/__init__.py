"""The toxic types the server knows, by the name used in the API."""

from __future__ import annotations

from .base import DOWNSTREAM, UPSTREAM, Chunk, End, Item, StageIO, ToxicBehaviour, ToxicSpec
from .closing import ResetPeer, SlowClose, Timeout
from .shaping import LimitData, Noop, Slicer
from .timing import Bandwidth, Latency

__all__ = [
    "DOWNSTREAM",
    "TOXIC_TYPES",
    "UPSTREAM",
    "Chunk",
    "End",
    "Item",
    "StageIO",
    "ToxicBehaviour",
    "ToxicSpec",
]

TOXIC_TYPES: dict[str, type[ToxicBehaviour]] = {
    cls.kind: cls
    for cls in (Latency, Bandwidth, SlowClose, Timeout, ResetPeer, Slicer, LimitData, Noop)
}
