"""What a runbook asks of a responder, in a form the grader can check.

The front matter of ``runbooks/*.md`` lists **steps** (each satisfied by a
responder action, maybe by a deadline, maybe only after other steps) and
**forbidden** actions (each with the condition that makes it wrong). The
prose below the front matter is for the person on the desk.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_serializer,
    model_validator,
)

from harness.drill.problems import did_you_mean
from harness.drill.timing import DrillEvent, format_duration, parse_duration


class ResponderAction(StrEnum):
    """What a responder can do through the control API (``gameday act RUN ACTION``)."""

    ACK_PAGE = "ack_page"
    OPEN_INBOX = "open_inbox"
    KILL_SWITCH = "kill_switch"
    VERIFY_BUILDS = "verify_builds"
    DISABLE_ROUTER = "disable_router"
    ROLLBACK = "rollback"
    DEPLOY = "deploy"
    CANCEL_ALL = "cancel_all"
    ESCALATE = "escalate"


ACTION_MEANINGS: Final[dict[ResponderAction, str]] = {
    ResponderAction.ACK_PAGE: "acknowledge a page",
    ResponderAction.OPEN_INBOX: "read the alert e-mail inbox",
    ResponderAction.KILL_SWITCH: "throw the kill switch at the risk gate",
    ResponderAction.VERIFY_BUILDS: "ask every router which build it runs and compare",
    ResponderAction.DISABLE_ROUTER: "stop one router (args: router)",
    ResponderAction.ROLLBACK: "ship the registry's previous build (args: mode)",
    ResponderAction.DEPLOY: "ship a build (args: build, mode)",
    ResponderAction.CANCEL_ALL: "cancel every working order at the exchange",
    ResponderAction.ESCALATE: "call in the next level (args: to)",
}

StepId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,47}$")]
ArgValue = str | int | float | bool
_DEADLINE = re.compile(r"^(?:(?P<within>\S+)\s+after|(?P<before>before))\s+(?P<event>\w+)$")


class Deadline(BaseModel):
    """``"60s after detection"`` or ``"before market_open"`` (that is, ``0s after``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    within_s: float = Field(ge=0)
    after: DrillEvent

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: Any) -> Any:
        if isinstance(value, dict):
            if "within" in value:
                rest = {k: v for k, v in value.items() if k != "within"}
                return {**rest, "within_s": parse_duration(value["within"])}
            return value
        match = _DEADLINE.match(value.strip()) if isinstance(value, str) else None
        if match is None:
            raise ValueError(
                f"expected 'DURATION after EVENT' or 'before EVENT' "
                f"(e.g. '60s after detection'), got {value!r}"
            )
        event = match["event"]
        if event not in set(DrillEvent):
            hint = did_you_mean(event, list(DrillEvent))
            raise ValueError(f"unknown event {event!r}{hint} (see docs/drills.md)")
        within = 0.0 if match["before"] else parse_duration(match["within"])
        return {"within_s": within, "after": event}

    @model_serializer
    def _as_text(self) -> str:
        return str(self)

    def __str__(self) -> str:
        if self.within_s == 0:
            return f"before {self.after.value}"
        return f"{format_duration(self.within_s)} after {self.after.value}"


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class Step(BaseModel):
    """A step of the runbook and the responder action(s) that satisfy it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: StepId = Field(description="a short id, e.g. verify-builds")
    title: str = Field(min_length=1, description="what the responder does, in words")
    action: tuple[ResponderAction, ...] = Field(
        min_length=1, description="the action, or a list of actions any of which satisfies it"
    )
    args: dict[str, ArgValue] = Field(
        default_factory=dict, description="only an action with these args satisfies the step"
    )
    deadline: Deadline | None = Field(None, description="e.g. '2m after detection'")
    requires: tuple[StepId, ...] = Field((), description="steps that must be done first")
    required: bool = Field(True, description="false: graded when done, not counted when skipped")

    _listify = field_validator("action", "requires", mode="before")(_one_or_many)


class Forbidden(BaseModel):
    """An action that is wrong in some circumstances, and what it costs the grade."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: StepId = Field(description="a short id, e.g. rollback-unverified")
    action: ResponderAction = Field(description="the forbidden action")
    args: dict[str, ArgValue] = Field(
        default_factory=dict, description="forbidden only with these args (e.g. mode: legacy)"
    )
    during: Literal["always", "incident"] = Field(
        "always", description="incident: only from onset or detection until mitigation"
    )
    unless: tuple[StepId, ...] = Field((), description="allowed once these steps are done")
    penalty: float = Field(0.25, ge=0, le=1, description="subtracted from adherence, once")
    reason: str = Field(min_length=1, description="why it is wrong, for the report")

    _listify = field_validator("unless", mode="before")(_one_or_many)


class Runbook(BaseModel):
    """A runbook (``runbooks/*.md``): front matter and the prose below it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="the file name without .md; set by the loader")
    title: str = Field(min_length=1, description="the runbook's title")
    summary: str = Field(min_length=1, description="one line: when to use it")
    steps: list[Step] = Field(min_length=1, description="the steps, in the intended order")
    forbidden: list[Forbidden] = Field(default_factory=list)
    body: str = Field("", exclude=True, description="the Markdown below the front matter")

    @model_validator(mode="after")
    def _references(self) -> Runbook:
        ids = [s.id for s in self.steps]
        for i, step in enumerate(self.steps):
            if step.id in ids[:i]:
                raise ValueError(f"steps[{i}].id: duplicate step id {step.id!r}")
            for need in step.requires:
                if need == step.id:
                    raise ValueError(f"steps[{i}].requires: a step cannot require itself")
                if need not in ids:
                    hint = did_you_mean(need, ids)
                    raise ValueError(f"steps[{i}].requires: unknown step {need!r}{hint}")
        for i, rule in enumerate(self.forbidden):
            if rule.id in [r.id for r in self.forbidden[:i]]:
                raise ValueError(f"forbidden[{i}].id: duplicate id {rule.id!r}")
            for need in rule.unless:
                if need not in ids:
                    hint = did_you_mean(need, ids)
                    raise ValueError(f"forbidden[{i}].unless: unknown step {need!r}{hint}")
        cycle = _cycle({s.id: s.requires for s in self.steps})
        if cycle:
            raise ValueError(f"steps: prerequisites form a cycle: {' -> '.join(cycle)}")
        return self

    def step(self, step_id: str) -> Step:
        return next(s for s in self.steps if s.id == step_id)


def _cycle(graph: dict[str, tuple[str, ...]]) -> list[str]:
    """A cycle in the prerequisite graph as a path, or ``[]``."""
    state: dict[str, int] = {}
    trail: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        trail.append(node)
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                return [*trail[trail.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = 2
        trail.pop()
        return []

    for node in graph:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return []
