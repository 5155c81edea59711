"""``by-the-book``: a responder who follows the drill's runbook, at a person's pace.

What it does, in order of priority at each decision:

1. **Pages**: acknowledges each page ``ACK_REACTION_S`` after it arrives
   (never its own escalations), whatever else is going on.
2. **Runaway**: once the desk shows one (``harness.responders.desk``), the
   kill switch comes first, ``KILL_REACTION_S`` after it became visible,
   before any other step (also when a control threw it already: the
   runbook's step is the person's, and throwing it again changes nothing).
3. **The runbook**: its steps in the runbook's order, each once its
   prerequisites are done and, for a step whose deadline hangs on a drill
   event (``2m after deploy_finished``), ``EVENT_REACTION_S`` after the
   event was seen. A runbook whose steps all hang on events it has not seen
   is not started (``runaway-orders`` waits for a runaway).
4. **The inbox**, when the runbook reads it: read again when new mail has
   come, at most every ``INBOX_RECHECK_S``.
5. **Investigation** after a runaway, or after reading warning e-mails newer
   than its last verification: verify builds, disable the suspects, escalate;
   each skipped when already done since the investigation began.

One thing at a time: ``STEP_GAP_S`` between two actions of steps 2 to 5. It
never rolls back and never deploys (a step that can only be done that way is
skipped), and it disables a router only on a verification answered after
it asked, so it never changes a router it has not verified. Every delay is a
constant: the same views give the same actions.

The events it can see: ``detection`` (its own: the runaway became visible),
``first_page``, ``first_email`` (the inbox count went above zero),
``market_open``, and ``deploy_finished`` (the registry's current build, the
view's ``expected_build``, changed).
"""

from __future__ import annotations

from typing import Any, Final

from harness.actions import Action, ActionRequest
from harness.responders.base import DeskView
from harness.responders.desk import (
    ask,
    drill_us,
    runaway_seen_at,
    suspect_routers,
    warnings_read,
)
from harness.responders.progress import RunbookProgress
from harness.runbook.models import ResponderAction, Runbook, Step

ACK_REACTION_S: Final = 20.0
KILL_REACTION_S: Final = 15.0
EVENT_REACTION_S: Final = 30.0
STEP_GAP_S: Final = 20.0
INBOX_RECHECK_S: Final = 120.0

# The order in which a step offering a choice of actions is done: the least risky first.
_PREFERRED: Final = (
    Action.KILL_SWITCH,
    Action.CANCEL_ALL,
    Action.VERIFY_BUILDS,
    Action.DISABLE_ROUTER,
    Action.OPEN_INBOX,
    Action.ESCALATE,
)
_ESCALATE_TO: Final = "head of trading, compliance, router on-call"


class ByTheBook:
    """Follows the runbook it was given; with none, only the kill-switch card."""

    def __init__(self, name: str = "by-the-book", runbook: Runbook | None = None) -> None:
        self.name = name
        self.runbook = runbook
        self.progress = RunbookProgress(runbook) if runbook is not None else None
        self.seen: dict[str, int] = {}
        self.asked: dict[Action, int] = {}
        self._acked: set[int] = set()
        self._disable_asked: set[str] = set()
        self._next_at = 0
        self._investigating: int | None = None
        self._expected: str | None = None
        self._read_at: int | None = None
        self._inbox_baseline = 0
        self._warned_until = -1
        self._warned_sources: set[str] = set()
        self._verified_against: str | None = None

    # -- what the desk shows -----------------------------------------------------
    def _observe(self, view: DeskView) -> None:
        now = view.now_us
        if now >= view.market_open_us:
            self.seen.setdefault("market_open", view.market_open_us)
        if view.pages:
            self.seen.setdefault("first_page", min(p.at_us for p in view.pages))
        if view.inbox_count > 0:
            self.seen.setdefault("first_email", now)
        runaway = runaway_seen_at(view)
        if runaway is not None and "detection" not in self.seen:
            self.seen["detection"] = runaway
            self._investigating = runaway
        if self._expected is None:
            self._expected = view.expected_build
        elif view.expected_build != self._expected:
            # The registry's current build moved: a deploy (or rollback) has reported.
            self.seen.setdefault("deploy_finished", now)
            self._expected = view.expected_build
        # A count that fell was read (an unread count); one that grows is new mail.
        self._inbox_baseline = min(self._inbox_baseline, view.inbox_count)
        self._read_warnings(view)

    def _read_warnings(self, view: DeskView) -> None:
        if self._read_at is None or self._read_at <= self._warned_until:
            return
        mails = warnings_read(view, self._read_at, self._warned_until)
        self._warned_until = self._read_at
        # Only news starts an investigation: a source not looked into yet, not already out.
        known = self._warned_sources | self._disable_asked | set(view.disabled_routers)
        sources = {str(m.get("source", "")) for m in mails} - known
        if sources:
            self._warned_sources |= sources
            if self._investigating is None:
                self._investigating = view.now_us

    # -- deciding ------------------------------------------------------------------
    def decide(self, view: DeskView) -> list[ActionRequest]:
        self._observe(view)
        out = self._acks(view)
        if view.now_us >= self._next_at:
            paced = self._next_actions(view)
            if paced:
                out += paced
                self._next_at = view.now_us + drill_us(STEP_GAP_S)
        for request in out:
            self._asked(request, view)
        return out

    def _asked(self, request: ActionRequest, view: DeskView) -> None:
        self.asked[request.action] = view.now_us
        if self.progress is not None:
            self.progress.record(request.action, request.args, view.now_us)
        if request.action is Action.OPEN_INBOX:
            self._read_at = view.now_us
            self._inbox_baseline = view.inbox_count
        elif request.action is Action.VERIFY_BUILDS:
            self._verified_against = view.expected_build
        elif request.action is Action.DISABLE_ROUTER:
            self._disable_asked.add(str(request.args["router"]))

    def _acks(self, view: DeskView) -> list[ActionRequest]:
        due = view.now_us - drill_us(ACK_REACTION_S)
        out = []
        for page in view.pages:
            if page.acked or page.id in self._acked or page.source == self.name:
                continue
            if page.at_us <= due:
                self._acked.add(page.id)
                out.append(ask(self.name, Action.ACK_PAGE, id=page.id))
        return out

    def _next_actions(self, view: DeskView) -> list[ActionRequest]:
        detected = self.seen.get("detection")
        if detected is not None and Action.KILL_SWITCH not in self.asked:
            # Kill first: nothing else is asked for before it.
            if view.now_us < detected + drill_us(KILL_REACTION_S):
                return []
            return [self._request(Action.KILL_SWITCH, {}, view)]
        return self._runbook_step(view) or self._inbox_again(view) or self._investigate(view)

    def _runbook_step(self, view: DeskView) -> list[ActionRequest]:
        if self.progress is None:
            return []
        reaction = drill_us(EVENT_REACTION_S)
        for step in self.progress.open_steps():
            due = self.progress.due_at(step, self.seen, reaction)
            if due is None or view.now_us < due:
                continue
            requests = self._perform(step, view)
            if requests is None:
                continue
            if not requests:
                self.progress.skip(step.id)
                continue
            return requests
        return []

    def _perform(self, step: Step, view: DeskView) -> list[ActionRequest] | None:
        """The requests that do ``step``; None: not possible yet; []: nothing to do."""
        choices = [a for a in _PREFERRED if ResponderAction(a.value) in step.action]
        if not choices:
            # Only an ack (done by the page rule) or only shipping code (never done here).
            return None if ResponderAction.ACK_PAGE in step.action else []
        return self._do(choices[0], dict(step.args), view)

    def _do(
        self, action: Action, args: dict[str, Any], view: DeskView
    ) -> list[ActionRequest] | None:
        if action is not Action.DISABLE_ROUTER:
            return [self._request(action, args, view)]
        verified = self.asked.get(Action.VERIFY_BUILDS)
        if verified is None or view.now_us <= verified or not view.builds:
            return None  # never disable on an answer it did not ask for
        if view.expected_build != self._verified_against:
            # The registry moved since that answer (a deploy): it says nothing about now.
            return [self._request(Action.VERIFY_BUILDS, {}, view)]
        targets = [r for r in suspect_routers(view) if r not in self._disable_asked]
        return [ask(self.name, action, **{**args, "router": r}) for r in targets]

    def _request(self, action: Action, args: dict[str, Any], view: DeskView) -> ActionRequest:
        if action is Action.KILL_SWITCH:
            args.setdefault("reason", f"{self.name}: orders nobody can explain")
        elif action is Action.ESCALATE:
            args.setdefault("to", _ESCALATE_TO)
            args.setdefault("text", self._situation(view))
        return ask(self.name, action, **args)

    def _situation(self, view: DeskView) -> str:
        parts = [f"{self.name}:"]
        parts.append("runaway orders," if "detection" in self.seen else "warnings in the inbox,")
        parts.append("kill switch on" if view.kill_switch_thrown else "kill switch off")
        if view.disabled_routers:
            parts.append(f"- disabled: {', '.join(view.disabled_routers)}")
        return " ".join(parts)

    def _inbox_again(self, view: DeskView) -> list[ActionRequest]:
        if self._read_at is None or view.inbox_count <= self._inbox_baseline:
            return []
        if view.now_us < self._read_at + drill_us(INBOX_RECHECK_S):
            return []
        return [self._request(Action.OPEN_INBOX, {}, view)]

    def _investigate(self, view: DeskView) -> list[ActionRequest]:
        since = self._investigating
        if since is None:
            return []
        if self.asked.get(Action.VERIFY_BUILDS, -1) < since:
            return [self._request(Action.VERIFY_BUILDS, {}, view)]
        disables = self._do(Action.DISABLE_ROUTER, {}, view)
        if disables is None:
            return []
        if disables:
            return disables
        if self.asked.get(Action.ESCALATE, -1) < since:
            return [self._request(Action.ESCALATE, {}, view)]
        self._investigating = None
        return []
