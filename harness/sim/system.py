"""The ``sim`` backend as the runner sees it: a ``SimWorld`` under the run's state directory."""

from __future__ import annotations

import shutil

from harness.runstate import new_run_id, run_dir_for
from harness.sim.world import SimWorld
from harness.topology import TopologySettings


class SimSystem(SimWorld):
    """A simulated topology whose files (registry, builds) live for the run only."""

    @classmethod
    def up(cls, settings: TopologySettings) -> SimSystem:
        run_id = new_run_id()
        run_dir = run_dir_for(run_id)
        run_dir.mkdir(parents=True)
        return cls(settings, run_dir, run_id=run_id)

    def close(self) -> None:
        super().close()
        shutil.rmtree(self.run_dir, ignore_errors=True)
