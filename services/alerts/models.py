"""What the alert bus takes in and how it routes: pydantic models for alerts and rules.

Routing is an ordered list of rules; the first rule that matches an alert's
source, kind and severity decides its channels, and ``default`` applies when
none does. ``muted`` channels swallow what is routed to them (the alert is
recorded as muted, so a drill can show what a muted pager would have said).
A fault that routes critical alerts to the unwatched inbox or mutes the pager
does it through ``POST /rules``; the rules it replaced come back from
``GET /rules``.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

Severity = Literal["info", "warning", "critical"]
ChannelName = Literal["pager", "email", "dashboard"]
CHANNELS: Final[tuple[ChannelName, ...]] = ("pager", "email", "dashboard")
SEVERITY_RANK: Final[dict[str, int]] = {"info": 0, "warning": 1, "critical": 2}


class AlertIn(BaseModel):
    """``POST /alerts``: one alert from a service. ``ts`` is when it was raised (drill µs)."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1, max_length=64)
    kind: str = Field(min_length=1, max_length=64)
    severity: Severity = "info"
    text: str = Field(max_length=2000)
    ts: int | None = Field(default=None, ge=0)
    control: str = Field(default="", max_length=64)


class Rule(BaseModel):
    """Alerts matching ``source`` and ``kind`` (shell-style globs) at ``min_severity`` or above."""

    model_config = ConfigDict(extra="forbid")

    name: str = ""
    source: str = "*"
    kind: str = "*"
    min_severity: Severity = "info"
    channels: list[ChannelName]

    def matches(self, alert: AlertIn) -> bool:
        return (
            SEVERITY_RANK[alert.severity] >= SEVERITY_RANK[self.min_severity]
            and fnmatchcase(alert.source, self.source)
            and fnmatchcase(alert.kind, self.kind)
        )


def _email_only() -> list[ChannelName]:
    return ["email"]


class RoutingRules(BaseModel):
    """The whole routing table."""

    model_config = ConfigDict(extra="forbid")

    rules: list[Rule] = Field(default_factory=lambda: list(DEFAULT_RULES))
    default: list[ChannelName] = Field(default_factory=_email_only)
    muted: list[ChannelName] = Field(default_factory=list)

    def route(self, alert: AlertIn) -> tuple[list[ChannelName], list[ChannelName], str]:
        """``(delivered, muted, rule name)`` for an alert."""
        channels, name = self.default, "default"
        for rule in self.rules:
            if rule.matches(alert):
                channels, name = rule.channels, rule.name or "unnamed"
                break
        delivered = [c for c in channels if c not in self.muted]
        muted = [c for c in channels if c in self.muted]
        return delivered, muted, name


DEFAULT_RULES: Final[tuple[Rule, ...]] = (
    # Knight's 97 "Power Peg disabled" messages were e-mails to a group.
    Rule(name="router-emails", source="router-*", kind="power_peg_disabled", channels=["email"]),
    Rule(name="gate-trips", source="gate", channels=["pager", "dashboard"]),
    Rule(name="monitor-trips", source="monitor", channels=["pager", "dashboard"]),
    Rule(name="critical", min_severity="critical", channels=["pager", "dashboard"]),
)


class AckRequest(BaseModel):
    """``POST /ack``: a person acknowledges a page."""

    model_config = ConfigDict(extra="forbid")

    id: int = Field(ge=1)
    by: str = Field(min_length=1, max_length=80)


class OpenInboxRequest(BaseModel):
    """``POST /open-inbox``: a person finally looks at the e-mail."""

    model_config = ConfigDict(extra="forbid")

    by: str = Field(min_length=1, max_length=80)
