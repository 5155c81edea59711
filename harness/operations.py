"""Carrying out a responder's action on the running system.

The same function serves the control API (a person's ``gameday act``) and the
scripted responders, so a scripted responder can do nothing a person could not.
"""

from __future__ import annotations

from typing import Any

from harness.actions import Action, ActionRequest, ActionResult
from harness.runner.system import SystemUnderTest
from services.deploy.report import DeployMode
from services.net.admin_client import AdminCallError
from services.router.builds import BuildError


class OperationError(Exception):
    """The action's arguments are wrong (bad router name, missing page id)."""


def _router_list(sut: SystemUnderTest, args: dict[str, Any], key: str = "routers") -> list[str]:
    value = args.get(key)
    if value is None:
        return list(sut.routers)
    names = [value] if isinstance(value, str) else list(value)
    unknown = [n for n in names if n not in sut.routers]
    if unknown:
        raise OperationError(f"{key}: unknown router {unknown[0]!r} (routers: {sut.routers})")
    return names


def _mode(args: dict[str, Any], default: str) -> DeployMode:
    mode = args.get("mode", default)
    if mode == "legacy":
        return "legacy"
    if mode == "verified":
        return "verified"
    raise OperationError(f"mode: expected legacy or verified, got {mode!r}")


def _verify(sut: SystemUnderTest) -> dict[str, Any]:
    report = sut.fleet_status()
    expected = sut.registry.state.current
    builds = {h.name: (h.version or "unreachable") for h in report.hosts}
    return {
        "expected": expected,
        "builds": builds,
        "mismatched": sorted(n for n, v in builds.items() if v != expected),
    }


def _do(sut: SystemUnderTest, req: ActionRequest, now_us: int) -> dict[str, Any]:
    a, args, who = req.action, req.args, req.responder
    if a is Action.ACK_PAGE:
        if "id" not in args:
            raise OperationError("id: the page to acknowledge (see the pager)")
        return sut.admin("alerts", "POST", "/ack", {"id": int(args["id"]), "by": who})
    if a is Action.OPEN_INBOX:
        return sut.admin("alerts", "POST", "/open-inbox", {"by": who})
    if a is Action.KILL_SWITCH:
        reason = str(args.get("reason", "thrown by a responder"))
        return sut.admin("gate", "POST", "/kill", {"reason": reason, "by": who})
    if a is Action.VERIFY_BUILDS:
        return _verify(sut)
    if a is Action.DISABLE_ROUTER:
        names = _router_list(sut, args, "router")
        return {n: sut.admin(n, "POST", "/disable", {"by": who}) for n in names}
    if a is Action.ROLLBACK:
        report = sut.rollback(_router_list(sut, args), _mode(args, "legacy"))
        return {"ok": report.ok, "message": report.message}
    if a is Action.DEPLOY:
        version = str(args.get("version", sut.registry.state.current))
        report = sut.deploy(version, _mode(args, "verified"), _router_list(sut, args))
        return {"ok": report.ok, "message": report.message}
    if a is Action.CANCEL_ALL:
        # Disabling every router cancels each one's working children upstream.
        return {n: sut.admin(n, "POST", "/disable", {"by": who}) for n in sut.routers}
    if a is Action.ESCALATE:
        text = str(args.get("text", f"{who} escalates the incident"))
        body = {"source": who, "kind": "escalation", "severity": "critical", "text": text}
        return sut.admin("alerts", "POST", "/alerts", {**body, "ts": now_us})
    raise OperationError(f"action: {a} is not handled")


def perform(sut: SystemUnderTest, req: ActionRequest, now_us: int) -> ActionResult:
    """Carry out ``req``; failures are reported in the result, never raised."""
    try:
        detail = _do(sut, req, now_us)
        ok = bool(detail.get("ok", True)) if isinstance(detail, dict) else True
    except (OperationError, AdminCallError, BuildError, ValueError, OSError) as exc:
        # A responder's action that fails is part of the drill, never the end of it.
        detail, ok = {"error": f"{type(exc).__name__}: {exc}"}, False
    return ActionResult(
        action=req.action, responder=req.responder, ok=ok, detail=detail, at_us=now_us
    )
