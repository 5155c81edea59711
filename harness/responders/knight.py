"""``knight-2012``: what Knight's people did on 1 August 2012, replayed on the drill clock.

Source: SEC, *In the Matter of Knight Capital Americas LLC*, Release No.
34-70694 (16 October 2013).

- The 97 "Power Peg disabled" e-mails from 8:01 went to a group and were not
  read (¶19): this responder never opens the inbox.
- Nothing is looked at before the symptom, which appeared at the 9:30 open:
  no page is acknowledged until the investigation starts.
- With no incident procedures, the team debugged in the live market (¶27):
  an escalation at about ``INVESTIGATE_AFTER_OPEN_S``; the order gives no
  minute, five is an estimate.
- "Knight uninstalled the new RLP code from the seven servers where it had
  been deployed correctly" (¶27), which let the repurposed flag reach Power
  Peg on all eight. The order gives no minute either; ``ROLLBACK_AFTER_OPEN_S``
  (20 minutes) puts it in the middle of the 45.
- Trading in the affected orders stopped about 45 minutes after the open
  (¶1): the kill switch at ``KILL_AFTER_OPEN_S``, unless already thrown.

The rollback's routers: every enabled router the responder believes runs the
new code. Knight never verified, so it believes that of all of them, except
routers that a ``verify_builds`` answer in the view (somebody else's) shows
on another build than the registry's current. On Knight's morning that is
all eight; the seven good ones get the old build back, the eighth already
had it. It never verifies, never disables a router, never cancels.

Each action is taken once, at the first decision at or after its time.
"""

from __future__ import annotations

from typing import Final

from harness.actions import Action, ActionRequest
from harness.responders.base import DeskView
from harness.responders.desk import ask, drill_us
from harness.runbook.models import Runbook

INVESTIGATE_AFTER_OPEN_S: Final = 5 * 60.0
ROLLBACK_AFTER_OPEN_S: Final = 20 * 60.0
KILL_AFTER_OPEN_S: Final = 45 * 60.0


class Knight2012:
    """Ignores the e-mails, escalates, rolls back every router it thinks is new, kills at 45 min."""

    def __init__(self, name: str = "knight-2012", runbook: Runbook | None = None) -> None:
        self.name = name
        # Knight had no incident procedures (SEC ¶27): the runbook is kept, never followed.
        self.runbook = runbook
        self.done: set[Action] = set()
        self._acked: set[int] = set()

    def decide(self, view: DeskView) -> list[ActionRequest]:
        since_open = view.now_us - view.market_open_us
        out: list[ActionRequest] = []
        if since_open < drill_us(INVESTIGATE_AFTER_OPEN_S):
            return out
        if Action.ESCALATE not in self.done:
            self.done.add(Action.ESCALATE)
            text = f"{self.name}: unexplained positions since the open; technology investigating"
            out.append(ask(self.name, Action.ESCALATE, to="technology", text=text))
        out += self._acks(view)
        if since_open >= drill_us(ROLLBACK_AFTER_OPEN_S) and Action.ROLLBACK not in self.done:
            self.done.add(Action.ROLLBACK)
            routers = self.believed_new(view)
            if routers:
                out.append(ask(self.name, Action.ROLLBACK, routers=routers, mode="legacy"))
        if since_open >= drill_us(KILL_AFTER_OPEN_S) and Action.KILL_SWITCH not in self.done:
            self.done.add(Action.KILL_SWITCH)
            if not view.kill_switch_thrown:
                reason = f"{self.name}: stopping SMARS 45 minutes after the open"
                out.append(ask(self.name, Action.KILL_SWITCH, reason=reason))
        return out

    def believed_new(self, view: DeskView) -> list[str]:
        """Enabled routers not shown (by someone's verification) on another build."""
        shown_old = {
            router
            for router, build in view.builds.items()
            if view.expected_build and build != view.expected_build
        }
        return [r for r in view.routers if r not in view.disabled_routers and r not in shown_old]

    def _acks(self, view: DeskView) -> list[ActionRequest]:
        out = []
        for page in view.pages:
            if page.acked or page.id in self._acked or page.source == self.name:
                continue
            self._acked.add(page.id)
            out.append(ask(self.name, Action.ACK_PAGE, id=page.id))
        return out
