"""Knight faults in what the system says: the reused flag bit, and alerts nobody reads.

Both act through a service's admin endpoint (``ctx.admin``):

- ``repurposed_flag`` switches the order flow's RLP flag on
  (``POST /rlp-flag``): retail parents carry bit 3 from then on, which a
  router on a build without ``rlp`` reads as Power Peg;
- ``ignored_alerts`` rewrites the alert bus's routing (``POST /rules``) so
  that what should page somebody lands in the unwatched e-mail inbox, or is
  swallowed by a muted pager. The rules it replaced are read first
  (``GET /rules``) and put back on revert.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from faults.base import Fault, FaultError, FaultHandle, FaultParams
from faults.context import FaultContext
from faults.links import undo_quietly

ALERTS = "alerts"
"""The alert bus's service name in every topology."""

_RULE_FIELDS = ("rules", "default", "muted")


class RepurposedFlagParams(FaultParams):
    """No parameters: the bit is bit 3, the flow is the scenario's."""


class RepurposedFlag(Fault[RepurposedFlagParams]):
    """Knight, 1 Aug 2012: the new RLP code reused the flag that once switched Power Peg on.

    Routers on the new build read the bit as RLP; a router still on the old
    build reads it as Power Peg and, before the open, answers each order with
    a "Power Peg disabled" e-mail. Reverting puts the flow's switch back as
    it was before (off, in a drill whose flow starts without the bit).
    """

    name = "repurposed_flag"
    summary = "Retail (RLP) orders start carrying flag bit 3, which old builds read as Power Peg."
    Params = RepurposedFlagParams

    def inject(self, ctx: FaultContext) -> FaultHandle:
        flow = ctx.scenario.flow
        answer = ctx.admin(flow, "POST", "/rlp-flag", {"on": True})
        # The flag is on now whatever the answer says: a handle must come back so it is undone.
        was = answer.get("was") is True
        return FaultHandle(self.name, flow, {"service": flow, "was": was})

    def revert(self, ctx: FaultContext, handle: FaultHandle) -> None:
        detail = handle.detail
        if detail.get("reverted"):
            return
        service, was = str(detail["service"]), bool(detail["was"])

        def switch_back() -> None:
            ctx.admin(service, "POST", "/rlp-flag", {"on": was})
            detail["reverted"] = True

        undo_quietly(handle, switch_back)


class IgnoredAlertsParams(FaultParams):
    """Where the alerts that matter go instead of somebody's pager."""

    mode: Literal["inbox", "mute_pager"] = Field(
        "inbox",
        description="inbox: what would page somebody (control trips, kill switch, critical"
        " alerts) goes to the unwatched e-mail inbox instead; mute_pager: the pager"
        " swallows what is routed to it",
    )


def _pager_to_inbox(channels: Any) -> list[str]:
    if not isinstance(channels, list):
        raise TypeError(f"channels: expected a list, got {channels!r}")
    moved = ["email" if c == "pager" else str(c) for c in channels]
    return list(dict.fromkeys(moved))


def rules_patch(saved: dict[str, Any], mode: str) -> dict[str, Any]:
    """The ``POST /rules`` body that makes ``saved`` ignore alerts the ``mode`` way."""
    if mode == "mute_pager":
        muted = [str(c) for c in saved["muted"]]
        return {"muted": muted if "pager" in muted else [*muted, "pager"]}
    rules = [{**rule, "channels": _pager_to_inbox(rule["channels"])} for rule in saved["rules"]]
    return {"rules": rules, "default": _pager_to_inbox(saved["default"])}


class IgnoredAlerts(Fault[IgnoredAlertsParams]):
    """Knight, 1 Aug 2012: 97 e-mails from 8:01 warned of the fault and nobody read them.

    ``inbox`` keeps every rule but sends to the e-mail inbox what it sent to
    the pager, so nothing waits for an acknowledgement; ``mute_pager`` keeps
    the routing and mutes the pager (the bus records what it swallowed).
    Reverting restores the routing table read at inject, whole.
    """

    name = "ignored_alerts"
    summary = "Alerts that should page somebody go to the unwatched inbox, or the pager is muted."
    Params = IgnoredAlertsParams

    def inject(self, ctx: FaultContext) -> FaultHandle:
        answer = ctx.admin(ALERTS, "GET", "/rules")
        try:
            saved = {key: answer[key] for key in _RULE_FIELDS}
            patch = rules_patch(saved, self.params.mode)
        except (KeyError, TypeError) as exc:
            raise FaultError(
                f"{self.name}: {ALERTS} GET /rules: unexpected answer ({exc})"
            ) from None
        ctx.admin(ALERTS, "POST", "/rules", patch)
        return FaultHandle(
            self.name, ALERTS, {"service": ALERTS, "mode": self.params.mode, "saved": saved}
        )

    def revert(self, ctx: FaultContext, handle: FaultHandle) -> None:
        detail = handle.detail
        if detail.get("reverted"):
            return
        service, saved = str(detail["service"]), dict(detail["saved"])

        def restore() -> None:
            ctx.admin(service, "POST", "/rules", saved)
            detail["reverted"] = True

        undo_quietly(handle, restore)
