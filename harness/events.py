"""The drill's lifecycle as typed events.

Everything that happens in a drill is one of these events, published on the
``Bus`` (``harness.bus``) and written to the journal (``harness.journal``);
scores and reports are computed from a list of them and nothing else, so a
crashed run can still be scored from what its journal holds.

Every event carries two times:

- ``at_us``: drill time in integer microseconds since midnight of the trading
  day (``services.clock``), the clock scores are measured on;
- ``wall``: the wall clock, Unix seconds, for people reading the journal. It
  never enters a score or the report digest.

On disk an event is its JSON form (``to_dict``) with a ``type`` tag;
``event_from_dict`` turns it back into the typed event, validating it.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, JsonValue, TypeAdapter

from services.clock import US

Json = dict[str, JsonValue]


class Event(BaseModel):
    """Base of every event: drill time (µs since midnight) and wall time (Unix s)."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    at_us: int = Field(ge=0)
    wall: float

    @property
    def tag(self) -> str:
        """The ``type`` tag, e.g. ``"fault_injected"``."""
        return str(type(self).model_fields["type"].default)

    @property
    def at_s(self) -> float:
        """Drill seconds since midnight."""
        return self.at_us / US

    def to_dict(self) -> Json:
        """The JSON form written to the journal (includes the ``type`` tag)."""
        return self.model_dump(mode="json")


class ExpectationSpec(BaseModel):
    """One expectation of a drill: ``metric op value``, e.g. ``time_to_detect_s <= 60``."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    metric: str
    op: str
    value: float | str | None
    name: str = ""


class RunStarted(Event):
    """A drill run began; carries everything needed to score and report it later."""

    type: Literal["run_started"] = "run_started"
    run_id: str
    drill: str
    backend: str
    seed: int
    speed: float = Field(gt=0)
    # The drill's order-flow volume multiplier; the grade judges loss against
    # Knight's $460 million times this, unless loss_reference_usd says otherwise.
    scale: float = Field(default=1.0, gt=0)
    loss_reference_usd: float | None = Field(default=None, gt=0)
    controls: str
    responder: str
    # The people of a human drill, each acting under their own name and token.
    people: tuple[str, ...] = ()
    settings: Json = Field(default_factory=dict)
    expectations: tuple[ExpectationSpec, ...] = ()
    # "knight-2012" adds the simulated-vs-SEC block to the report.
    reference: str | None = None


class TopologyUp(Event):
    """Every service of the system under test answered."""

    type: Literal["topology_up"] = "topology_up"
    services: tuple[str, ...] = ()


class FlowStarted(Event):
    """Order flow (strategies and RLP retail orders) began."""

    type: Literal["flow_started"] = "flow_started"
    parents: int = Field(default=0, ge=0)
    detail: str = ""


class FaultInjected(Event):
    """A fault was injected; ``fault_id`` pairs it with its revert."""

    type: Literal["fault_injected"] = "fault_injected"
    fault_id: str
    name: str
    params: Json = Field(default_factory=dict)
    target: str = ""


class FaultReverted(Event):
    """A fault was undone (or undoing it failed: ``ok`` false, ``error`` says why)."""

    type: Literal["fault_reverted"] = "fault_reverted"
    fault_id: str
    name: str
    ok: bool = True
    error: str = ""


class ScenarioAction(Event):
    """A scripted step of the scenario itself, e.g. the deploy or a rollback, with its report."""

    type: Literal["scenario_action"] = "scenario_action"
    action: str
    by: str = ""
    ok: bool = True
    report: Json = Field(default_factory=dict)


class AlertRaised(Event):
    """An alert was delivered to a channel of the alert bus.

    ``related`` is false for alerts a drill injects as noise: they do not
    count towards detection.
    """

    type: Literal["alert_raised"] = "alert_raised"
    alert_id: str = ""
    channel: str
    kind: str
    source: str
    text: str = ""
    severity: str = "info"
    related: bool = True


class PageSent(Event):
    """A page that needs an acknowledgement went out."""

    type: Literal["page_sent"] = "page_sent"
    page_id: str
    source: str
    kind: str
    text: str = ""
    related: bool = True


class PageAcked(Event):
    """Someone acknowledged a page."""

    type: Literal["page_acked"] = "page_acked"
    page_id: str
    by: str


class InboxOpened(Event):
    """Someone opened the e-mail inbox and so saw whatever sat in it."""

    type: Literal["inbox_opened"] = "inbox_opened"
    by: str


class ResponderAction(Event):
    """A responder acted through the control API, with the result it got."""

    type: Literal["responder_action"] = "responder_action"
    responder: str
    action: str
    args: Json = Field(default_factory=dict)
    result: JsonValue = None
    ok: bool = True


class ClockPaused(Event):
    """The facilitator stopped drill time for every process of the run."""

    type: Literal["clock_paused"] = "clock_paused"
    by: str = "facilitator"


class ClockResumed(Event):
    """Drill time runs again; ``paused_wall_s`` is how long it stood still."""

    type: Literal["clock_resumed"] = "clock_resumed"
    by: str = "facilitator"
    paused_wall_s: float = Field(ge=0)


class ClockSpeedChanged(Event):
    """Drill time now runs at ``speed`` drill seconds per wall second (a fast-forward)."""

    type: Literal["clock_speed_changed"] = "clock_speed_changed"
    by: str = "facilitator"
    speed: float = Field(gt=0)


class HintGiven(Event):
    """The facilitator told a responder (or everyone, ``to`` empty) something."""

    type: Literal["hint_given"] = "hint_given"
    by: str = "facilitator"
    to: str = ""
    text: str


class ControlTripped(Event):
    """An automated risk control fired (``layer``: gate, monitor, router, exchange)."""

    type: Literal["control_tripped"] = "control_tripped"
    control: str
    layer: str
    detail: str = ""
    key: str = ""
    action: str = ""


class KillSwitchThrown(Event):
    """The kill switch was thrown, by a control (``automatic``) or by a person."""

    type: Literal["kill_switch_thrown"] = "kill_switch_thrown"
    by: str
    reason: str = ""
    automatic: bool = False


class SymbolPosition(BaseModel):
    """Unintended trading in one symbol: ``net_usd`` is signed (long > 0), marked to market."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    symbol: str
    executions: int = Field(default=0, ge=0)
    shares: int = Field(default=0, ge=0)
    net_shares: int = 0
    net_usd: float = 0.0


class MarketSnapshot(Event):
    """A sample of the unintended trading so far (cumulative), taken by the runner.

    Every figure concerns unintended orders only (what no parent order asked
    for). ``onset_us`` is when the exchange accepted the first of them and
    ``last_us`` when the latest of them executed, where the sampler knows;
    ``positions`` may be left out (``None``) of all but some snapshots, and
    must be in the last one for the impact figures.
    """

    type: Literal["market_snapshot"] = "market_snapshot"
    executions: int = Field(ge=0)
    shares: int = Field(default=0, ge=0)
    loss_usd: float = 0.0
    onset_us: int | None = Field(default=None, ge=0)
    last_us: int | None = Field(default=None, ge=0)
    positions: tuple[SymbolPosition, ...] | None = None


class RunbookGraded(Event):
    """The runbook grader's verdict: ``adherence`` from 0 (nothing right) to 1."""

    type: Literal["runbook_graded"] = "runbook_graded"
    runbook: str
    adherence: float = Field(ge=0.0, le=1.0)
    detail: Json = Field(default_factory=dict)


class Aborted(Event):
    """An abort condition (max loss, max duration, Ctrl-C) stopped the drill."""

    type: Literal["aborted"] = "aborted"
    reason: str


RunEndOutcome = Literal["completed", "interrupted", "error"]


class RunEnded(Event):
    """The run is over; the report's passed/failed comes from the expectations."""

    type: Literal["run_ended"] = "run_ended"
    outcome: RunEndOutcome = "completed"
    detail: str = ""


AnyEvent = Annotated[
    RunStarted
    | TopologyUp
    | FlowStarted
    | FaultInjected
    | FaultReverted
    | ScenarioAction
    | AlertRaised
    | PageSent
    | PageAcked
    | InboxOpened
    | ResponderAction
    | ClockPaused
    | ClockResumed
    | ClockSpeedChanged
    | HintGiven
    | ControlTripped
    | KillSwitchThrown
    | MarketSnapshot
    | RunbookGraded
    | Aborted
    | RunEnded,
    Field(discriminator="type"),
]

_ADAPTER: Final[TypeAdapter[Event]] = TypeAdapter(AnyEvent)

# Every event class by its ``type`` tag, read off the union so the two never disagree.
EVENT_TYPES: Final[dict[str, type[Event]]] = {
    cls.model_fields["type"].default: cls for cls in get_args(get_args(AnyEvent)[0])
}


def event_from_dict(data: Any) -> Event:
    """The typed event for its JSON form; raises ``pydantic.ValidationError`` if it is not one."""
    return _ADAPTER.validate_python(data)
