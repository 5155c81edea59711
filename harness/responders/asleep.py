"""``asleep``: nobody on the desk. The baseline every other responder is measured against.

Pages stay unacknowledged, the inbox unread, the kill switch where it is:
whatever the drill's controls do on their own is all that happens, which is
what a drill with ``--responder asleep`` measures.
"""

from __future__ import annotations

from harness.actions import ActionRequest
from harness.responders.base import DeskView
from harness.runbook.models import Runbook


class Asleep:
    """Never acts."""

    def __init__(self, name: str = "asleep", runbook: Runbook | None = None) -> None:
        self.name = name
        self.runbook = runbook

    def decide(self, view: DeskView) -> list[ActionRequest]:
        return []
