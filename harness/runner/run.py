"""One drill, start to finish.

Bring the topology up, start the journal and the flow, fire the timeline, let
the responder act, watch the abort conditions, and in ``finally`` (also on
Ctrl-C, SIGTERM and errors) revert every fault, grade the runbook, end the
journal and tear the topology down. The report is then computed from the
journal alone, as ``gameday report`` would.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType

from harness.actions import ActionRequest, ActionResult
from harness.bus import Bus
from harness.drill.models import Drill
from harness.drill.script import ScriptedStep
from harness.drill.timing import MARKET_OPEN_S, DrillEvent
from harness.errors import UsageError
from harness.events import (
    Aborted,
    AlertRaised,
    Event,
    ExpectationSpec,
    FlowStarted,
    KillSwitchThrown,
    MarketSnapshot,
    PageAcked,
    PageSent,
    ResponderAction,
    RunbookGraded,
    RunEnded,
    RunStarted,
    ScenarioAction,
    TopologyUp,
)
from harness.journal import JournalWriter
from harness.operations import perform
from harness.responders.base import Responder
from harness.runbook.grader import grade_runbook
from harness.runner.control_api import ControlAPI
from harness.runner.desk import DeskViews
from harness.runner.facilitator import Facilitator
from harness.runner.faults import FaultBook
from harness.runner.local_target import LocalSystem
from harness.runner.observer import Observer
from harness.runner.steps import DrillTimeline
from harness.runner.system import SystemUnderTest
from harness.sim.system import SimSystem
from harness.topology import TopologySettings
from services.clock import US


@dataclass
class RunOptions:
    """What ``gameday run`` was asked for; ``None`` means the drill's own value."""

    drill: Drill
    responder: Responder
    backend: str = "local"
    controls: str | None = None
    seed: int | None = None
    speed: float | None = None
    scale: float | None = None
    report_root: Path = Path("reports")
    report_dir: Path | None = None
    tick_s: float = 0.2
    extra_responders: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)
    """Names of the people acting through the control API (each gets a token)."""
    fast_forward: tuple[int, int] | None = None
    """A quiet stretch of drill time (µs from, to) to run at ``fast_forward_speed``."""
    fast_forward_speed: float = 600.0


@dataclass(frozen=True)
class Tick:
    """The drill at one poll, for a live view."""

    now_us: int
    end_us: int
    executions: int
    shares: int
    loss_usd: float
    kill_switch: bool


class _Stop(Exception):
    """SIGTERM, turned into an interruption of the main loop."""


class DrillRun:
    """Runs one drill; ``execute`` returns the report directory."""

    def __init__(
        self,
        options: RunOptions,
        log: Callable[[str], None] | None = None,
        on_tick: Callable[[Tick], None] | None = None,
    ) -> None:
        self.o = options
        self.on_tick = on_tick
        self.drill = options.drill
        self.log = log
        self.outcome = "completed"
        self.detail = ""
        self._lock = threading.Lock()
        self._actions: list[ResponderAction] = []
        self._happened: dict[DrillEvent, float] = {}

    def _say(self, text: str) -> None:
        if self.log is not None:
            self.log(text)

    def settings(self) -> TopologySettings:
        settings = self.drill.topology_settings(
            controls=self.o.controls,  # type: ignore[arg-type]
            seed=self.o.seed,
            speed=self.o.speed,
            scale=self.o.scale,
            flow=False,
        )
        # In a drill the reused bit is a fault (repurposed_flag), off until injected.
        update: dict[str, object] = {"rlp_flag": False}
        if self.o.backend in ("local", "docker"):
            update["power_peg_interval_ms"] = power_peg_interval_ms(settings.speed)
        return settings.model_copy(update=update)

    def execute(self) -> Path:
        settings = self.settings()
        self._say(f"bringing up {settings.routers} routers ({settings.profile} controls)")
        # SIGTERM is ours from before the bring-up: one arriving while services start
        # unwinds through the backend's own teardown instead of killing us mid-way.
        previous_term = signal.signal(signal.SIGTERM, self._on_sigterm)
        # Ctrl-C stops a drill even when its parent started it with SIGINT ignored (a
        # background job of a shell): the faults must be reverted either way.
        previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
        try:
            sut = bring_up(self.o.backend, settings, self.o.report_root)
        except _Stop:
            _restore(previous_term, previous_int)
            raise KeyboardInterrupt from None
        except BaseException:
            _restore(previous_term, previous_int)
            raise
        try:
            report_dir = self.o.report_dir or self.o.report_root / f"{self.drill.name}-{sut.run_id}"
            report_dir.mkdir(parents=True, exist_ok=True)
            self.report_dir = report_dir
            if isinstance(sut, LocalSystem) and self.o.backend == "docker":
                sut.logs_to = report_dir / "logs"  # the containers' logs go with them
            bus = Bus(clock=_SystemClock(sut))
            journal = JournalWriter(report_dir)
            bus.subscribe_all(journal.append, name="journal")
        except BaseException as exc:
            _restore(previous_term, previous_int)
            sut.close()
            if isinstance(exc, _Stop):
                raise KeyboardInterrupt from None
            raise
        timeline: DrillTimeline | None = None
        api: ControlAPI | None = None
        faults: FaultBook | None = None
        try:
            people = self.o.people or [self.o.responder.name]
            responders = {self.o.responder.name, *self.o.extra_responders, *people}
            observer = Observer(sut, bus, responders)
            self._start_events(bus, sut.run_id, settings, sut)
            timeline = DrillTimeline(self.drill.clock.start, sut.at)
            self._watch_milestones(bus, timeline)
            faults = FaultBook(sut, bus, timeline)
            desk = DeskViews(sut, observer)
            if isinstance(sut, LocalSystem):
                desk.facilitator = Facilitator(sut, bus, people)
                api = ControlAPI(
                    view=lambda who: desk.view(who, sut.now()),
                    act=lambda req: self._act(sut, bus, desk, req, sut.now()),
                    plan=lambda: faults.plan(self.drill) if faults else {},
                    people=people,
                    facilitator=desk.facilitator,
                )
                api.start(sut.run_dir, report_dir)
                self._say(
                    f"run {sut.run_id}: `gameday act {sut.run_id} ACTION` to act as "
                    f"{', '.join(people)}; `gameday watch {sut.run_id} --facilitator` to run it"
                )
            sut.start_flow()
            bus.emit(FlowStarted, detail="order flow started (RLP flag bit off)")
            self._schedule(sut, bus, timeline, faults)
            self._fast_forward(sut, desk.facilitator)
            sut.start_clock()
            self._loop(sut, bus, observer, desk)
        except (KeyboardInterrupt, _Stop):
            self.outcome, self.detail = "interrupted", "stopped by a signal"
            self._say("interrupted: reverting every fault")
        except Exception as exc:
            self.outcome, self.detail = "error", f"{type(exc).__name__}: {exc}"
            self._say(f"error: {self.detail}")
        finally:
            _restore(previous_term, previous_int)
            self._finish(sut, bus, faults, api)
            journal.close()
            sut.close()
        return report_dir

    def _on_sigterm(self, signum: int, frame: FrameType | None) -> None:
        raise _Stop

    # start ------------------------------------------------------------------------
    def _start_events(
        self, bus: Bus, run_id: str, settings: TopologySettings, sut: SystemUnderTest
    ) -> None:
        start_us = int(self.drill.clock.start * US)
        bus.emit(
            RunStarted,
            at_us=start_us,
            run_id=run_id,
            drill=self.drill.name,
            backend=self.o.backend,
            seed=settings.seed,
            speed=settings.speed,
            scale=settings.scale,
            controls=settings.profile,
            responder=self.o.responder.name,
            people=tuple(self.o.people),
            settings=settings.model_dump(mode="json"),
            expectations=tuple(
                ExpectationSpec(metric=e.metric, op=e.op, value=e.value, name=e.name)
                for e in self.drill.expectations
            ),
            reference="knight-2012" if self.drill.name.startswith("knight") else None,
        )
        bus.emit(TopologyUp, at_us=max(start_us, sut.now()))

    def _watch_milestones(self, bus: Bus, timeline: DrillTimeline) -> None:
        self._happened = timeline.happened

        def seen(event: Event) -> None:
            at = event.at_us / US
            if isinstance(event, AlertRaised):
                timeline.happen(DrillEvent.FIRST_ALERT, at)
                if event.channel == "email":
                    timeline.happen(DrillEvent.FIRST_EMAIL, at)
            elif isinstance(event, PageSent):
                timeline.happen(DrillEvent.FIRST_PAGE, at)
            elif isinstance(event, KillSwitchThrown):
                timeline.happen(DrillEvent.KILL_SWITCH, at)
                timeline.happen(DrillEvent.DETECTION, at)
            elif isinstance(event, PageAcked) and DrillEvent.ONSET in timeline.happened:
                timeline.happen(DrillEvent.DETECTION, at)
            elif isinstance(event, MarketSnapshot) and event.onset_us is not None:
                timeline.happen(DrillEvent.ONSET, event.onset_us / US)

        bus.subscribe_all(seen, name="milestones")

    def _schedule(
        self, sut: SystemUnderTest, bus: Bus, timeline: DrillTimeline, faults: FaultBook
    ) -> None:
        for step in self.drill.script:
            timeline.at(step.at, self._scripted_job(sut, bus, timeline, step))
        for injection in self.drill.timeline:
            faults.schedule(injection)

    def _fast_forward(self, sut: SystemUnderTest, facilitator: Facilitator | None) -> None:
        window = self.o.fast_forward
        if window is None:
            return
        if facilitator is None:
            self._say("--fast-forward: the sim backend has no wall clock to hurry; ignored")
            return
        normal, fast = sut.settings.speed, self.o.fast_forward_speed
        sut.at(window[0], lambda: facilitator.set_speed(fast, by="fast-forward"))
        sut.at(window[1], lambda: facilitator.set_speed(normal, by="fast-forward"))

    def _scripted_job(
        self, sut: SystemUnderTest, bus: Bus, timeline: DrillTimeline, step: ScriptedStep
    ) -> Callable[[], None]:
        return lambda: self._scripted(sut, bus, timeline, step)

    def _alert_job(self, sut: SystemUnderTest, body: dict[str, str]) -> Callable[[], None]:
        def post() -> None:
            sut.admin("alerts", "POST", "/alerts", {**body, "ts": sut.now()})

        return post

    def _scripted(
        self, sut: SystemUnderTest, bus: Bus, timeline: DrillTimeline, step: ScriptedStep
    ) -> None:
        now_s = bus.now()[0] / US
        if step.deploy is not None:
            routers = [r for r in sut.routers if r not in sut.context.scenario.deploy_exclusions]
            report = sut.deploy(step.deploy.build, step.deploy.mode, routers, step.deploy.canary)
            detail = {"message": report.message, "hosts": [h.name for h in report.hosts]}
            bus.emit(ScenarioAction, action="deploy", by="scenario", ok=report.ok, report=detail)
            self._say(f"{_hms(now_s)} deploy {step.deploy.build}: {report.message}")
            timeline.happen(DrillEvent.DEPLOY_FINISHED, bus.now()[0] / US)
        elif step.rollback is not None:
            report = sut.rollback(None, step.rollback.mode)
            bus.emit(
                ScenarioAction,
                action="rollback",
                by="scenario",
                ok=report.ok,
                report={"message": report.message},
            )
            timeline.happen(DrillEvent.ROLLBACK_FINISHED, bus.now()[0] / US)
        elif step.alert is not None:
            a = step.alert
            body = {"source": a.source, "kind": a.kind, "severity": a.severity, "text": a.text}
            start = sut.now()
            for i in range(a.count):
                # Each copy at its own drill time, on whichever clock the backend keeps.
                sut.at(start + round(i * a.every * US), self._alert_job(sut, body))
        else:
            bus.emit(ScenarioAction, action="note", by="scenario", report={"text": step.note})

    # the drill ------------------------------------------------------------------------
    def _loop(
        self,
        sut: SystemUnderTest,
        bus: Bus,
        observer: Observer,
        desk: DeskViews,
    ) -> None:
        end_us = int(self.drill.clock.end * US)
        start_us = int(self.drill.clock.start * US)
        abort = self.drill.abort
        next_report = start_us
        # Real processes are polled every tick_s of wall time; a simulation, whose
        # time is free, every SIM_TICK_US of drill time.
        if self.o.backend == "sim":
            tick_us = SIM_TICK_US
        else:
            tick_us = round(self.o.tick_s * US * sut.settings.speed)
        while True:
            now = sut.now()
            if now >= end_us:
                break
            observer.poll(now)
            responder = self.o.responder
            for request in responder.decide(desk.view(responder.name, sut.now())):
                self._act(sut, bus, desk, request, sut.now())
            loss = observer.latest.loss_usd
            if abort.max_loss_usd is not None and loss > abort.max_loss_usd:
                self._abort(bus, f"loss ${loss:,.0f} passed the limit ${abort.max_loss_usd:,.0f}")
                break
            if abort.max_duration is not None and now - start_us > abort.max_duration * US:
                self._abort(bus, f"drill ran past its maximum of {abort.max_duration:.0f} s")
                break
            if self.on_tick is not None:
                u = observer.latest
                self.on_tick(
                    Tick(
                        now,
                        end_us,
                        u.executions,
                        u.shares,
                        u.loss_usd,
                        observer.kill_switch_thrown,
                    )
                )
            elif now >= next_report:
                u = observer.latest
                self._say(
                    f"{_hms(now / US)}  unintended executions {u.executions:,}  "
                    f"loss ${u.loss_usd:,.0f}  kill switch "
                    f"{'thrown' if observer.kill_switch_thrown else 'not thrown'}"
                )
                next_report = now + 600 * US
            if isinstance(sut, LocalSystem):  # a fast-forward changes the speed
                tick_us = round(self.o.tick_s * US * sut.speed)
            sut.wait_until(now + tick_us)

    def _abort(self, bus: Bus, reason: str) -> None:
        bus.emit(Aborted, reason=reason)
        self._say(f"aborted: {reason}")

    def _act(
        self,
        sut: SystemUnderTest,
        bus: Bus,
        desk: DeskViews,
        request: ActionRequest,
        now_us: int,
    ) -> ActionResult:
        with self._lock:
            result = perform(sut, request, now_us)
            desk.record(request, result)
            event = bus.emit(
                ResponderAction,
                at_us=now_us,
                responder=request.responder,
                action=str(request.action),
                args=request.args,
                result=result.detail,
                ok=result.ok,
            )
            self._actions.append(event)
        self._say(f"{_hms(now_us / US)} {request.responder}: {request.action} ({result.ok})")
        return result

    # the end ---------------------------------------------------------------------------
    def _finish(
        self,
        sut: SystemUnderTest,
        bus: Bus,
        faults: FaultBook | None,
        api: ControlAPI | None,
    ) -> None:
        sut.stop_clock()
        if faults is not None:
            faults.revert_all()
        if api is not None:
            api.stop()
        try:
            observer = Observer(sut, Bus(clock=_SystemClock(sut)), set())
            measured = observer.measure()
            if measured is not None:
                bus.emit(
                    MarketSnapshot,
                    executions=measured.executions,
                    shares=measured.shares,
                    loss_usd=measured.loss_usd,
                    onset_us=measured.first_us,
                    last_us=measured.last_us,
                    positions=tuple(measured.positions),
                )
        except Exception as exc:  # the report is still written without it
            self._say(f"final snapshot failed: {exc}")
        self._grade(bus)
        bus.emit(RunEnded, outcome=self.outcome, detail=self.detail)

    def _grade(self, bus: Bus) -> None:
        runbook = self.drill.graded_against
        if runbook is None:
            return
        actions = [(e.at_us / US, e.responder, e.action, dict(e.args)) for e in self._actions]
        happened = {str(k): v for k, v in self._happened.items()}
        happened.setdefault(str(DrillEvent.MARKET_OPEN), MARKET_OPEN_S)
        grade = grade_runbook(runbook, actions, happened)
        bus.emit(
            RunbookGraded,
            runbook=runbook.name,
            adherence=grade.adherence,
            detail=grade.model_dump(mode="json"),
        )


# Power Peg's cadence at Knight, as calibrated (docs/calibration.md): a child every 70 ms
# of market time per parent.
# Processes on one machine cannot keep that up at 60x: past WALL_CHILDREN_PER_S
# per parent the cadence is coarsened (in drill time) so every service still
# answers its admin endpoint and the responders' actions land on time.
KNIGHT_INTERVAL_MS = 70
SIM_TICK_US = 2_000_000
WALL_CHILDREN_PER_S = 50


def power_peg_interval_ms(speed: float) -> int:
    """Drill ms between Power Peg children on the local backend at ``speed``."""
    return max(KNIGHT_INTERVAL_MS, round(1000 * speed / WALL_CHILDREN_PER_S))


class _SystemClock:
    """The system under test's drill time as a ``services.clock.Clock`` for the bus."""

    def __init__(self, sut: SystemUnderTest) -> None:
        self.sut = sut

    def now(self) -> int:
        return self.sut.now()

    def wall_delay(self, drill_us: int) -> float:
        return drill_us / US / self.sut.settings.speed


def bring_up(backend: str, settings: TopologySettings, root: Path) -> SystemUnderTest:
    """The system under test on ``backend``."""
    if backend == "local":
        return LocalSystem.up(settings)
    if backend == "docker":
        from harness.backends.docker import DockerBackend  # the SDK only when asked for

        return LocalSystem.up(settings, DockerBackend())
    if backend == "sim":
        return SimSystem.up(settings)
    raise UsageError(f"--backend: unknown backend {backend!r} (known: docker, local, sim)")


def _hms(drill_s: float) -> str:
    s = int(drill_s)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _restore(term: signal._HANDLER, interrupt: signal._HANDLER) -> None:
    signal.signal(signal.SIGTERM, term)
    signal.signal(signal.SIGINT, interrupt)
