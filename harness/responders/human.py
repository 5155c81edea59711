"""``human``: a person on the desk, acting through ``gameday act`` and the live view.

The runner still asks this responder every tick, like any other; it has
nothing to add, because a person's actions arrive on their own through the
control API (``harness.runner.control_api``) and are carried out and
journalled exactly like a scripted responder's.
"""

from __future__ import annotations

from harness.actions import ActionRequest
from harness.responders.base import DeskView
from harness.runbook.models import Runbook


class Human:
    """Decides nothing by itself: the person's actions come through ``gameday act``."""

    def __init__(self, name: str = "human", runbook: Runbook | None = None) -> None:
        self.name = name
        self.runbook = runbook

    def decide(self, view: DeskView) -> list[ActionRequest]:
        return []
