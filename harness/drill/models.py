"""The drill: what to bring up, what to break and when, and what a good response looks like.

A drill is validated in two passes. The models here check each field on its
own; ``harness.drill.checks`` then checks what needs the whole drill or the
world outside it (the fault registry, the runbook, the drill's time window).
``harness.drill.loader.load_drill`` does both; use it rather than
``Drill.model_validate`` on user input.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    PrivateAttr,
    StringConstraints,
    field_validator,
    model_validator,
)

from harness.drill.expectations import Expectation
from harness.drill.problems import did_you_mean
from harness.drill.script import ScriptedStep
from harness.drill.timing import Duration, TimeOfDay, When, format_time_of_day
from harness.topology import Profile, TopologySettings
from services.router.builds import KNOWN_BUILDS

if TYPE_CHECKING:
    from harness.runbook.models import Runbook

Name = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TopologySpec(_Strict):
    """The system under test: how many routers, and what they run at the start."""

    routers: int = Field(8, ge=1, le=32, description="number of SMARS routers")
    initial_build: str = Field("2003.1", description="build every router runs at the start")
    symbols: int = Field(154, ge=1, le=2000, description="symbols listed on the exchange")

    @field_validator("initial_build")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in KNOWN_BUILDS:
            hint = did_you_mean(value, KNOWN_BUILDS)
            raise ValueError(f"unknown build {value!r}{hint} (known: {', '.join(KNOWN_BUILDS)})")
        return value


class ClockSpec(_Strict):
    """The drill clock: the trading morning it covers and how fast it runs."""

    start: TimeOfDay = Field(8 * 3600, description='drill time at the start, e.g. "08:00"')
    end: TimeOfDay = Field(description='drill time at which the drill ends, e.g. "10:15"')
    speed: float = Field(1.0, gt=0, le=10_000, description="drill seconds per wall second")

    @model_validator(mode="after")
    def _ends_after_start(self) -> ClockSpec:
        if self.end <= self.start:
            raise ValueError(
                f"end {format_time_of_day(self.end)} is not after start "
                f"{format_time_of_day(self.start)}"
            )
        return self


class AbortSpec(_Strict):
    """When the runner stops a drill early, reverts every fault and reports it aborted."""

    max_loss_usd: float | None = Field(None, gt=0, description="loss at which to stop, in USD")
    max_duration: Duration | None = Field(
        None, description="drill time after the start at which to stop, e.g. 45m"
    )


class FaultInjection(_Strict):
    """One fault of the timeline: which, with what parameters, when, and until when."""

    fault: str = Field(min_length=1, description="a fault name from `gameday faults`")
    at: When = Field(description='when to inject: "09:30:00", "+90s" or an event')
    params: dict[str, JsonValue] = Field(default_factory=dict, description="the fault's params")
    duration: Duration | None = Field(None, description="revert this long after injecting")
    until: When | None = Field(None, description="revert at this time or event")
    note: str = Field("", description="why this fault is in the drill")

    @model_validator(mode="after")
    def _one_revert_time(self) -> FaultInjection:
        if self.duration is not None and self.until is not None:
            raise ValueError("give duration or until, not both")
        return self


class Drill(_Strict):
    """A drill file (``drills/*.yaml``); see ``docs/drills.md``."""

    name: Name = Field(description="the drill's name, e.g. knight-2012")
    description: str = Field(min_length=1, description="what the drill is; first line is a summary")
    controls: Profile = Field("knight-2012", description="risk controls profile")
    topology: TopologySpec = Field(default_factory=TopologySpec)
    clock: ClockSpec = Field(description="start, end and speed of the drill clock")
    seed: int = Field(1, ge=0, description="seed of every random choice")
    scale: float = Field(1.0, gt=0, le=100, description="order-flow volume multiplier")
    runbook: str = Field(min_length=1, description="runbook graded against, e.g. runaway-orders")
    timeline: list[FaultInjection] = Field(default_factory=list)
    script: list[ScriptedStep] = Field(default_factory=list)
    abort: AbortSpec = Field(default_factory=AbortSpec)
    expectations: list[Expectation] = Field(default_factory=list)

    _source: Path | None = PrivateAttr(None)
    _runbook: Runbook | None = PrivateAttr(None)

    @property
    def summary(self) -> str:
        return self.description.strip().splitlines()[0]

    @property
    def source(self) -> Path | None:
        """The file the drill was loaded from (``None`` when built in code)."""
        return self._source

    @property
    def graded_against(self) -> Runbook:
        """The runbook named by ``runbook``, resolved and validated by the loader."""
        if self._runbook is None:
            raise RuntimeError(f"drill {self.name}: load it with load_drill to resolve its runbook")
        return self._runbook

    def attach(self, source: Path, runbook: Runbook) -> None:
        """Record where the drill came from and its runbook (done by the loader)."""
        self._source = source
        self._runbook = runbook

    def fault_names(self) -> list[str]:
        return sorted({step.fault for step in self.timeline})

    def resolve(self, when: When) -> float | None:
        """Drill seconds since midnight of ``when``, or ``None`` if it waits for an event."""
        return when.resolve(self.clock.start)

    def topology_settings(
        self,
        *,
        controls: Profile | None = None,
        seed: int | None = None,
        speed: float | None = None,
        scale: float | None = None,
        flow: bool = True,
    ) -> TopologySettings:
        """What to bring up for this drill, with the command line's overrides."""
        return TopologySettings(
            routers=self.topology.routers,
            profile=controls or self.controls,
            drill_start=format_time_of_day(self.clock.start),
            speed=self.clock.speed if speed is None else speed,
            seed=self.seed if seed is None else seed,
            symbols=self.topology.symbols,
            scale=self.scale if scale is None else scale,
            initial_build=self.topology.initial_build,
            flow=flow,
        )
