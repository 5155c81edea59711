"""The Knight faults: how 1 August 2012 went wrong, one small fault each.

- deploys (``deploys.py``): ``skip_server_on_deploy`` (the scenario's deploy
  leaves one router on the old build) and ``rollback_to_wrong_build`` (the
  registry's ``previous`` is the build with Power Peg still reachable);
- signals (``signals.py``): ``repurposed_flag`` (retail orders start carrying
  the bit the old build reads as Power Peg) and ``ignored_alerts`` (the
  warnings go where nobody looks).

``drop_ssh``, the other account of the skipped server, is a network fault
(``faults.network.cuts``). What each models, with the SEC paragraph, is in
``docs/knight-faults.md``.
"""

from __future__ import annotations

from faults.knight.deploys import RollbackToWrongBuild, SkipServerOnDeploy
from faults.knight.signals import IgnoredAlerts, RepurposedFlag

__all__ = ["IgnoredAlerts", "RepurposedFlag", "RollbackToWrongBuild", "SkipServerOnDeploy"]
