"""The scenario's own actions: what happens on the desk that is not a fault.

Knight's morning begins with a deploy that nobody thinks of as a fault: the
2012.07 build pushed with the legacy script before the open. A drill scripts
such actions beside its faults; each entry names exactly one action::

    script:
      - at: "08:00:30"
        deploy: {build: "2012.07", mode: legacy}
      - at: "09:25"
        note: The desk is ready for the open.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from harness.drill.problems import did_you_mean
from harness.drill.timing import Duration, When
from services.router.builds import KNOWN_BUILDS

DeployMode = Literal["legacy", "verified"]
Severity = Literal["info", "warning", "critical"]
ScriptKind = Literal["deploy", "rollback", "alert", "note"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DeployArgs(_Strict):
    """Push a build from the registry to every router and activate it."""

    build: str = Field(description="a build in the registry, e.g. 2012.07")
    mode: DeployMode = Field("verified", description="legacy: Knight's script; verified: checked")
    canary: int = Field(0, ge=0, le=32, description="hosts deployed and verified first (verified)")

    @field_validator("build")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in KNOWN_BUILDS:
            hint = did_you_mean(value, KNOWN_BUILDS)
            raise ValueError(f"unknown build {value!r}{hint} (known: {', '.join(KNOWN_BUILDS)})")
        return value

    @model_validator(mode="after")
    def _canary_needs_verification(self) -> DeployArgs:
        if self.canary and self.mode != "verified":
            raise ValueError("canary: a canary needs mode: verified (legacy checks nothing)")
        return self


class RollbackArgs(_Strict):
    """Ship the registry's ``previous`` build to every router."""

    mode: DeployMode = Field("verified", description="legacy or verified, as for deploy")


class AlertArgs(_Strict):
    """Post alerts to the alert bus, e.g. the noise that makes a desk stop reading."""

    kind: str = Field(min_length=1, description="alert kind, e.g. bnet_reject")
    text: str = Field(min_length=1, description="what the alert says")
    source: str = Field("drill", min_length=1, description="who raised it, e.g. router-3")
    severity: Severity = "info"
    count: int = Field(1, ge=1, le=10_000, description="how many copies")
    every: Duration = Field(0.0, description="drill time between copies")


class ScriptedStep(_Strict):
    """One scripted action (``deploy``, ``rollback``, ``alert`` or ``note``) and when it happens."""

    at: When = Field(description='when it happens: "08:00:30", "+90s" or an event')
    deploy: DeployArgs | None = None
    rollback: RollbackArgs | None = None
    alert: AlertArgs | None = None
    note: str | None = Field(None, description="a line shown to everyone in the journal")

    @model_validator(mode="after")
    def _exactly_one(self) -> ScriptedStep:
        named = [k for k in ("deploy", "rollback", "alert", "note") if getattr(self, k) is not None]
        if len(named) != 1:
            got = f"got {' and '.join(named)}" if named else "got none"
            raise ValueError(f"expected exactly one of deploy, rollback, alert or note; {got}")
        return self

    @property
    def kind(self) -> ScriptKind:
        if self.deploy is not None:
            return "deploy"
        if self.rollback is not None:
            return "rollback"
        if self.alert is not None:
            return "alert"
        return "note"

    def describe(self) -> str:
        """One line for tables and logs."""
        if self.deploy is not None:
            canary = f", canary {self.deploy.canary}" if self.deploy.canary else ""
            return f"deploy {self.deploy.build} ({self.deploy.mode}{canary})"
        if self.rollback is not None:
            return f"rollback to the registry's previous build ({self.rollback.mode})"
        if self.alert is not None:
            many = f"{self.alert.count} x " if self.alert.count > 1 else ""
            return f"alert {many}{self.alert.source}/{self.alert.kind} ({self.alert.severity})"
        return f"note: {self.note}"
