"""``SchedulerService``: the long-running ``gameday scheduler`` process.

An APScheduler ``BackgroundScheduler`` on the schedules' job store runs each
start in a worker thread, which runs the drill in a ``gameday run`` subprocess
(``launcher.py``), records the game day in history and POSTs it to the team's
webhook. The main thread wakes the scheduler every ``poll_s`` so that
schedules added, paused or removed by the CLI in another process are seen
within one poll (APScheduler only re-reads a store when it wakes up).

Misfires: every job has ``coalesce=False`` and the schedule's
``misfire_grace_time``. A start found more than the grace time late (the
scheduler was down, or every worker was busy) is not run: APScheduler emits
``EVENT_JOB_MISSED`` for each such start, and ``_on_missed`` records it as
``missed`` in history and tells the webhook; the schedule goes on to its next
start. A start inside a blackout when it comes due is recorded as ``skipped``.
A start due while the schedule's previous game day still runs is ``skipped``
too (``max_instances=1``, ``EVENT_JOB_MAX_INSTANCES``).

Only one scheduler runs per state home: it holds ``scheduler.lock``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED

from harness.drill.timing import format_duration
from harness.errors import GamedayError
from harness.history import GameDayOutcome, GameDayRow, HistoryStore
from harness.paths import state_home
from harness.report import read_report
from harness.schedule.launcher import DrillLauncher, LauncherStopped, run_command
from harness.schedule.lock import SchedulerLock
from harness.schedule.models import ScheduleSpec
from harness.schedule.notify import DEFAULT_TIMEOUT_S, GameDayNotice, post
from harness.schedule.store import ScheduleStore, job_store, spec_of
from harness.schedule.trigger import GameDayTrigger
from harness.scoring import Grade

LOCK_NAME: Final = "scheduler.lock"
_active: SchedulerService | None = None


def fire(spec: dict[str, Any]) -> None:
    """The job function of every schedule (a textual reference in the job store)."""
    if _active is None:
        raise RuntimeError("no gameday scheduler runs in this process")
    _active.run_game_day(ScheduleSpec.model_validate(spec))


def stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


class _Scheduler(BackgroundScheduler):  # type: ignore[misc]  # APScheduler 3 ships no types
    """A ``BackgroundScheduler`` that does not process jobs once it has been shut down.

    APScheduler 3's loop wakes on shutdown and processes due jobs once more,
    after the executors have stopped: a due start would be advanced in the
    store without running or being reported.
    """

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        wait: float | None = super()._process_jobs()
        return wait


class SchedulerService:
    """Runs due game days until ``run``'s stop event is set."""

    def __init__(
        self,
        store: ScheduleStore | None = None,
        *,
        history: HistoryStore | None = None,
        report_root: Path | None = None,
        poll_s: float = 2.0,
        parallel: int = 2,
        webhook_timeout_s: float = DEFAULT_TIMEOUT_S,
        launcher: DrillLauncher | None = None,
        log: Callable[[str], None] = print,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.store = store or ScheduleStore()
        self.history = history or HistoryStore()
        self.report_root = report_root or state_home() / "reports"
        self.poll_s = poll_s
        self.parallel = parallel
        self.webhook_timeout_s = webhook_timeout_s
        self.launcher = launcher or DrillLauncher()
        self.log = log
        self.clock = clock
        self._scheduler: Any = None

    # the process --------------------------------------------------------------------
    def run(self, stop: threading.Event, ready: Callable[[], None] | None = None) -> None:
        """Serve until ``stop`` is set; then stop running drills and return."""
        global _active
        with SchedulerLock(self.store.path.parent / LOCK_NAME):
            scheduler = _Scheduler(
                jobstores={"default": job_store(self.store.path)},
                executors={"default": ThreadPoolExecutor(self.parallel)},
                timezone=UTC,
            )
            scheduler.add_listener(self._on_missed, EVENT_JOB_MISSED)
            scheduler.add_listener(self._on_busy, EVENT_JOB_MAX_INSTANCES)
            scheduler.add_listener(self._on_error, EVENT_JOB_ERROR)
            self._scheduler, _active = scheduler, self
            scheduler.start()
            try:
                self._say_ready(scheduler)
                if ready is not None:
                    ready()
                while not stop.wait(self.poll_s):
                    scheduler.wakeup()  # see changes made by the CLI
            finally:
                self.log("stopping: no new game days; stopping the running ones")
                scheduler.pause()
                self.launcher.stop_all()
                scheduler.shutdown(wait=True)
                self._scheduler, _active = None, None
                self.log("stopped")

    def _say_ready(self, scheduler: Any) -> None:
        jobs = scheduler.get_jobs()
        waiting = [j for j in jobs if j.next_run_time is not None]
        line = f"scheduler ready: {len(jobs)} schedule(s), {len(waiting)} active"
        if waiting:
            first = min(waiting, key=lambda j: j.next_run_time)
            line += f"; next {first.id} at {stamp(first.next_run_time)}"
        self.log(line + f"; polling the store every {format_duration(self.poll_s)}")

    # a start that comes due -----------------------------------------------------------
    def run_game_day(self, spec: ScheduleSpec) -> None:
        now = self.clock()
        due = GameDayTrigger.of(spec).due_at(now, spec.misfire_grace_s)
        why = spec.rule().reason(now)
        if why is not None:
            local = now.astimezone(spec.rule().zone)
            self._record(spec, due, "skipped", f"would start at {local:%H:%M} inside {why}")
            return
        directory = self.report_root / f"{spec.id}-{now:%Y%m%dT%H%M%SZ}"
        self.log(f"{spec.id}: starting {spec.drill_name} for {spec.team} -> {directory}")
        try:
            code = self.launcher.run(run_command(spec, directory), directory / "scheduled.log")
        except LauncherStopped:
            self._record(spec, due, "skipped", "the scheduler was stopping")
            return
        except OSError as exc:
            self._record(spec, due, "error", f"could not start the drill: {exc}")
            return
        try:
            report = read_report(directory)
        except GamedayError:
            detail = f"gameday run exited {code} without a report; see {directory}/scheduled.log"
            self._record(spec, due, "error", detail)
            return
        scores = report.scores.model_dump(mode="json")
        self._record(
            spec,
            due,
            report.outcome,
            report.outcome_detail,
            run_id=report.run_id,
            grade=report.scores.grade,
            points=report.scores.points,
            scores=scores,
            report_path=str(directory.resolve()),
        )

    # APScheduler events ----------------------------------------------------------------
    def _spec(self, job_id: str) -> ScheduleSpec | None:
        job = self._scheduler.get_job(job_id) if self._scheduler is not None else None
        return spec_of(job) if job is not None else None

    def _on_missed(self, event: Any) -> None:
        spec = self._spec(event.job_id)
        if spec is None:
            self.log(f"{event.job_id}: a start was missed, but the schedule is gone")
            return
        due: datetime = event.scheduled_run_time
        why = spec.rule().reason(due)
        if why is not None:  # it would not have run anyway
            self._record(spec, due, "skipped", f"due inside {why} (and missed)")
            return
        late = (self.clock() - due).total_seconds()
        self._record(
            spec,
            due,
            "missed",
            f"the scheduler was not running (or was busy) at the start; found "
            f"{format_duration(round(late))} late, past the misfire grace time of "
            f"{format_duration(spec.misfire_grace_s)}",
        )

    def _on_busy(self, event: Any) -> None:
        spec = self._spec(event.job_id)
        if spec is None:
            return
        for due in event.scheduled_run_times:
            self._record(spec, due, "skipped", "the previous game day was still running")

    def _on_error(self, event: Any) -> None:
        spec = self._spec(event.job_id)
        self.log(f"{event.job_id}: the game day failed: {event.exception!r}")
        if spec is not None:
            self._record(spec, event.scheduled_run_time, "error", repr(event.exception))

    # records and notices ---------------------------------------------------------------
    def _record(
        self,
        spec: ScheduleSpec,
        due: datetime,
        outcome: GameDayOutcome,
        detail: str,
        *,
        run_id: str | None = None,
        grade: Grade | None = None,
        points: float | None = None,
        scores: dict[str, object] | None = None,
        report_path: str | None = None,
    ) -> None:
        due_at = stamp(due.astimezone(spec.rule().zone))
        self.log(f"{spec.id}: {outcome} (due {due_at})" + (f": {detail}" if detail else ""))
        webhook = ""
        if spec.webhook:
            notice = GameDayNotice(
                schedule_id=spec.id,
                drill=spec.drill_name,
                team=spec.team,
                outcome=outcome,
                due_at=due_at,
                run_id=run_id,
                grade=grade,
                points=points,
                scores=scores,
                report_path=report_path,
                detail=detail,
            )
            webhook = post(spec.webhook, notice, self.webhook_timeout_s)
            self.log(f"{spec.id}: webhook {spec.webhook}: {webhook}")
        row = GameDayRow(
            schedule_id=spec.id,
            drill=spec.drill_name,
            team=spec.team,
            due_at=due_at,
            recorded_at=stamp(self.clock()),
            outcome=outcome,
            run_id=run_id,
            grade=grade,
            report_path=report_path,
            detail=detail,
            webhook=webhook,
        )
        try:
            self.history.add_game_day(row)
        except GamedayError as exc:  # the game day happened; only its record is lost
            self.log(f"{spec.id}: not recorded in history: {exc}")
