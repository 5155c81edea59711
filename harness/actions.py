"""What a responder can do to the system under test, by name.

The control API, the scripted responders and the runbooks all speak this
vocabulary; each action is carried out by ``harness.operations`` against the
running topology and journalled as a responder action.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Action(StrEnum):
    """Responder actions (``gameday act RUN_ID ACTION``)."""

    ACK_PAGE = "ack_page"
    OPEN_INBOX = "open_inbox"
    KILL_SWITCH = "kill_switch"
    VERIFY_BUILDS = "verify_builds"
    DISABLE_ROUTER = "disable_router"
    ROLLBACK = "rollback"
    DEPLOY = "deploy"
    CANCEL_ALL = "cancel_all"
    ESCALATE = "escalate"


class ActionRequest(BaseModel):
    """One action asked for by a responder, with its arguments."""

    model_config = ConfigDict(extra="forbid")

    action: Action
    responder: str = Field(min_length=1, max_length=64)
    args: dict[str, Any] = Field(default_factory=dict)


class ActionResult(BaseModel):
    """What happened: ``ok`` and a detail for the journal and the responder."""

    action: Action
    responder: str
    ok: bool
    detail: dict[str, Any] = Field(default_factory=dict)
    at_us: int
