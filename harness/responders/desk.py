"""Reading the desk: what on a ``DeskView`` says runaway, which routers are suspect, which
e-mails are warnings.

Scripted responders only know what a person on the desk could know, so these
rules look at the view and nothing else (never the fault plan, never the
journal's onset):

- a **runaway** shows as a page from the risk gate or the risk monitor (a
  control trip, the kill switch), or the same alert read in the inbox, the
  kill switch already thrown by a control, or a position in the unallocated
  "33" account on the risk screen, where Knight's Power Peg fills landed
  (SEC ¶23 to ¶25);
- a **suspect router** is one whose last ``verify_builds`` answer differs
  from the registry's current build (``expected_build``; the build most
  routers run when the view has none), or that did not answer at all;
- a **warning e-mail** names a code path or a build ("Power Peg disabled ...
  build 2003.1"), as Knight's 97 e-mails did; routine noise ("BNET reject")
  does not.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Any, Final

from harness.actions import Action, ActionRequest
from harness.responders.base import DeskView

US: Final = 1_000_000
RISK_SOURCES: Final = frozenset({"gate", "monitor"})
RUNAWAY_KINDS: Final = frozenset({"control_trip", "kill_switch"})
# Controls whose trip says nothing about runaway orders: the feed's health.
NOT_RUNAWAY_CONTROLS: Final = frozenset({"stale_market_data", "drop_copy_reconciliation"})
UNALLOCATED_ACCOUNT: Final = "33"
WARNING_KINDS: Final = frozenset({"power_peg_disabled"})
_WARNING_WORDS: Final = ("power peg", "build")


def drill_us(seconds: float) -> int:
    """Drill seconds as the view's microseconds."""
    return round(seconds * US)


def ask(responder: str, action: Action, **args: Any) -> ActionRequest:
    return ActionRequest(action=action, responder=responder, args=args)


def _unallocated_position(view: DeskView) -> bool:
    rows = view.positions.get("positions", [])
    if not isinstance(rows, list):
        return False
    return any(
        isinstance(row, Mapping)
        and str(row.get("account")) == UNALLOCATED_ACCOUNT
        and row.get("qty", 0) != 0
        for row in rows
    )


def runaway_seen_at(view: DeskView) -> int | None:
    """When the desk could first tell that orders are running away; None if it cannot yet."""
    times = [
        page.at_us
        for page in view.pages
        if (page.source in RISK_SOURCES or page.kind in RUNAWAY_KINDS)
        and page.control not in NOT_RUNAWAY_CONTROLS
    ]
    # With the pages routed to the inbox, the same trips are there once somebody reads it.
    times += [
        received_us(mail)
        for mail in view.inbox
        if (mail.get("source") in RISK_SOURCES or mail.get("kind") in RUNAWAY_KINDS)
        and mail.get("control") not in NOT_RUNAWAY_CONTROLS
    ]
    if times:
        return min(times)
    # A thrown switch or a 33-account position says "now", not since when.
    if view.kill_switch_thrown or _unallocated_position(view):
        return view.now_us
    return None


def reference_build(view: DeskView) -> str | None:
    """The build every router should run: the registry's, else the one most routers run."""
    if view.expected_build:
        return view.expected_build
    ranked = Counter(view.builds.values()).most_common(2)
    if not ranked or (len(ranked) == 2 and ranked[0][1] == ranked[1][1]):
        return None
    return ranked[0][0]


def suspect_routers(view: DeskView) -> list[str]:
    """Routers the last verification says run the wrong build (or did not answer), still enabled."""
    if not view.builds:
        return []
    expected = reference_build(view)
    if expected is None:
        return []
    routers = view.routers or sorted(view.builds)
    return [
        r
        for r in routers
        if r not in view.disabled_routers and view.builds.get(r, "unreachable") != expected
    ]


def received_us(mail: Mapping[str, Any]) -> int:
    when = mail.get("received", mail.get("ts", 0))
    return int(when) if isinstance(when, int | float) else 0


def is_warning(mail: Mapping[str, Any]) -> bool:
    text = str(mail.get("text", "")).lower()
    return str(mail.get("kind", "")) in WARNING_KINDS or any(w in text for w in _WARNING_WORDS)


def warnings_read(view: DeskView, read_at_us: int | None, after_us: int) -> list[dict[str, Any]]:
    """Warning e-mails received after ``after_us`` that were in the inbox when it was last read."""
    if read_at_us is None or not view.inbox_opened:
        return []
    return [
        mail
        for mail in view.inbox
        if is_warning(mail) and after_us < received_us(mail) <= read_at_us
    ]
