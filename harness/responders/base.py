"""Responders: who answers the pages, by script or by hand.

The runner calls ``decide`` every drill second or so with what a responder on
the desk can see (``DeskView``) and carries out the actions it returns, exactly
as if they had come through the control API. Scripted responders never see
the fault plan.
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, Field

from harness.actions import ActionRequest
from harness.runbook.models import Runbook


class Page(BaseModel):
    """A page on the pager channel."""

    id: int
    kind: str
    source: str
    severity: str
    text: str
    at_us: int
    acked: bool
    control: str = ""
    """The risk control that raised it, if a control did."""


class Hint(BaseModel):
    """Something the facilitator told a responder (``to``) or the whole desk (``to`` empty)."""

    at_us: int
    to: str = ""
    text: str


class DeskView(BaseModel):
    """What a person on the desk sees at one drill instant.

    ``inbox`` is empty until somebody opens it (the e-mails are there all the
    same, unread). ``positions`` is the risk monitor's screen as the controls
    profile shows it: under ``knight-2012`` it lags and shows no limits.
    ``builds`` holds the last ``verify_builds`` answer, if any.
    """

    now_us: int
    market_open_us: int
    pages: list[Page] = Field(default_factory=list)
    inbox_opened: bool = False
    inbox: list[dict[str, Any]] = Field(default_factory=list)
    inbox_count: int = 0
    positions: dict[str, Any] = Field(default_factory=dict)
    pnl_usd: float = 0.0
    kill_switch_thrown: bool = False
    routers: list[str] = Field(default_factory=list)
    disabled_routers: list[str] = Field(default_factory=list)
    builds: dict[str, str] = Field(default_factory=dict)
    expected_build: str = ""
    actions_taken: list[str] = Field(default_factory=list)
    hints: list[Hint] = Field(default_factory=list)
    clock_paused: bool = False


class Responder(Protocol):
    """A responder: a name, and what it does given what it sees."""

    name: str

    def decide(self, view: DeskView) -> list[ActionRequest]:
        """Actions to take now (often none)."""
        ...


class ResponderFactory(Protocol):
    def __call__(self, name: str, runbook: Runbook | None) -> Responder: ...
