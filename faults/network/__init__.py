"""Network faults, through the Toxiproxy API on the topology's named links.

- toxics (``toxics.py``): ``latency``, ``bandwidth``, ``timeout``, ``reset_peer``,
  ``slicer``, ``limit_data``: one toxic on one link;
- cuts (``cuts.py``): ``down`` (one link), ``partition`` (several at once) and the
  Knight fault ``drop_ssh`` (a router's SSH refused or reset during a deploy).
"""

from __future__ import annotations

from faults.network.cuts import Down, DropSsh, Partition
from faults.network.toxics import Bandwidth, Latency, LimitData, ResetPeer, Slicer, Timeout

__all__ = [
    "Bandwidth",
    "Down",
    "DropSsh",
    "Latency",
    "LimitData",
    "Partition",
    "ResetPeer",
    "Slicer",
    "Timeout",
]
