"""The ``sim`` backend's world: every service core in one process on a virtual clock.

``SimWorld`` is the entry point; ``docs/sim.md`` describes it.
"""

from __future__ import annotations

from harness.sim.context import SimFaultContext, SimProcesses, SimScenario
from harness.sim.network import SimNetwork
from harness.sim.world import SimWorld

__all__ = ["SimFaultContext", "SimNetwork", "SimProcesses", "SimScenario", "SimWorld"]
