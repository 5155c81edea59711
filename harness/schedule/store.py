"""``ScheduleStore``: schedules in APScheduler's SQLAlchemy job store, on SQLite.

Each schedule is one APScheduler job in ``state_home()/schedules.sqlite``
(table ``apscheduler_jobs``): its trigger is a ``GameDayTrigger``, its kwargs
hold the ``ScheduleSpec`` as JSON, a paused schedule has no next run time. The
job store is the only copy, so the CLI edits it directly whether or not a
scheduler runs; a running scheduler re-reads it every poll (``service.py``).

Every call opens the store through a ``StoreEditor``: an APScheduler scheduler
with no loop, which writes jobs at once and never runs or advances one.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from apscheduler.jobstores.base import ConflictingIdError, JobLookupError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.base import BaseScheduler
from pydantic import ValidationError
from sqlalchemy import create_engine, event

from harness.drill.problems import did_you_mean
from harness.errors import UsageError
from harness.paths import state_home
from harness.schedule.models import ScheduleSpec
from harness.schedule.trigger import GameDayTrigger

SCHEDULES_NAME: Final = "schedules.sqlite"
JOB_FUNCTION: Final = "harness.schedule.service:fire"
BUSY_TIMEOUT_S: Final = 30


def schedules_path() -> Path:
    """Where schedules live: ``$GAMEDAY_HOME/schedules.sqlite``."""
    return state_home() / SCHEDULES_NAME


class ScheduleJobStore(SQLAlchemyJobStore):  # type: ignore[misc]  # APScheduler 3 ships no types
    """The SQLAlchemy job store, tolerant of a schedule removed while it was due.

    The scheduler updates a due job after submitting it; if ``gameday schedule
    remove`` deleted the row in between, the stock store raises and stops the
    scheduler's thread. The removal wins instead.
    """

    def update_job(self, job: Any) -> None:
        try:
            super().update_job(job)
        except JobLookupError:
            self._logger.info("schedule %s was removed while it was due", job.id)


class StoreEditor(BaseScheduler):  # type: ignore[misc]  # APScheduler 3 ships no types
    """A scheduler that edits the job store and never processes it.

    A started ``BackgroundScheduler`` would do for editing, but APScheduler 3
    processes due jobs once more as it shuts down: a due start would then be
    advanced in the store by the CLI and lost to the scheduler.
    """

    def shutdown(self, wait: bool = True) -> None:  # abstract in BaseScheduler
        super().shutdown(wait)

    def wakeup(self) -> None:
        """Nothing to wake: no jobs run here."""


def job_store(path: Path) -> ScheduleJobStore:
    """The job store on ``path``, in WAL mode with a busy timeout (several processes share it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT_S})

    @event.listens_for(engine, "connect")
    def _pragmas(conn: sqlite3.Connection, _record: object) -> None:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_S * 1000}")

    return ScheduleJobStore(engine=engine)


def spec_of(job: Any) -> ScheduleSpec:
    """The schedule a job stands for."""
    try:
        return ScheduleSpec.model_validate(job.kwargs["spec"])
    except (KeyError, ValidationError) as exc:
        raise UsageError(
            f"schedule {job.id!r} in the job store is not a gameday schedule this version "
            f"reads ({type(exc).__name__}); remove it with `gameday schedule remove {job.id}`"
        ) from None


class ScheduleStore:
    """Add, list, pause, resume and remove schedules; safe while a scheduler runs."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or schedules_path()

    @contextmanager
    def _jobs(self) -> Iterator[Any]:
        scheduler = StoreEditor(jobstores={"default": job_store(self.path)}, timezone=UTC)
        scheduler.start(paused=True)
        try:
            yield scheduler
        finally:
            scheduler.shutdown(wait=False)

    def new_id(self, drill_name: str) -> str:
        taken = {s.id for s, _ in self.all()}
        while True:
            candidate = f"{drill_name}-{secrets.token_hex(2)}"
            if candidate not in taken:
                return candidate

    def add(self, spec: ScheduleSpec, now: datetime | None = None) -> datetime | None:
        """Store ``spec``; returns its first start after ``now`` (default: the wall clock)."""
        trigger = GameDayTrigger.of(spec)
        first = trigger.get_next_fire_time(None, now or datetime.now(UTC))
        with self._jobs() as scheduler:
            try:
                scheduler.add_job(
                    JOB_FUNCTION,
                    trigger=trigger,
                    id=spec.id,
                    name=f"{spec.drill_name} for {spec.team}",
                    kwargs={"spec": spec.model_dump(mode="json")},
                    misfire_grace_time=spec.misfire_grace_s,
                    # Every start past the grace time is reported on its own (service.py).
                    coalesce=False,
                    max_instances=1,
                    next_run_time=first,
                )
            except ConflictingIdError:
                raise UsageError(f"a schedule {spec.id!r} exists already") from None
        return first

    def all(self) -> list[tuple[ScheduleSpec, datetime | None]]:
        """Every schedule with its next start (``None``: paused), soonest first."""
        with self._jobs() as scheduler:
            return [(spec_of(job), job.next_run_time) for job in scheduler.get_jobs()]

    def get(self, schedule_id: str) -> tuple[ScheduleSpec, datetime | None]:
        for spec, next_run in self.all():
            if spec.id == schedule_id:
                return spec, next_run
        raise self._unknown(schedule_id)

    def remove(self, schedule_id: str) -> None:
        with self._jobs() as scheduler:
            try:
                scheduler.remove_job(schedule_id)
            except JobLookupError:
                raise self._unknown(schedule_id) from None

    def pause(self, schedule_id: str) -> None:
        """No starts until resumed; starts while paused are neither run nor reported."""
        with self._jobs() as scheduler:
            try:
                scheduler.pause_job(schedule_id)
            except JobLookupError:
                raise self._unknown(schedule_id) from None

    def resume(self, schedule_id: str, now: datetime | None = None) -> datetime | None:
        """Resume from the next start after ``now``; returns it."""
        with self._jobs() as scheduler:
            job = scheduler.get_job(schedule_id)
            if job is None:
                raise self._unknown(schedule_id)
            first = job.trigger.get_next_fire_time(None, now or datetime.now(UTC))
            scheduler.modify_job(schedule_id, next_run_time=first)
            return first  # type: ignore[no-any-return]

    def _unknown(self, schedule_id: str) -> UsageError:
        known = [s.id for s, _ in self.all()]
        hint = did_you_mean(schedule_id, known)
        listed = ", ".join(known) if known else "none"
        return UsageError(f"unknown schedule id {schedule_id!r}{hint} (schedules: {listed})")
