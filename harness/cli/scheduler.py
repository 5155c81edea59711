"""``gameday scheduler``: the long-running process that runs scheduled game days.

It runs until SIGINT or SIGTERM, then stops the drills still running (each
gets one SIGTERM and ``--stop-grace`` to revert its faults) and exits 0.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from types import FrameType

import click
from rich.markup import escape

from harness.cli.console import err
from harness.cli.schedule import duration_option
from harness.schedule.launcher import STOP_GRACE_S, DrillLauncher
from harness.schedule.notify import DEFAULT_TIMEOUT_S


def _say(line: str) -> None:
    err.print(f"{datetime.now():%Y-%m-%d %H:%M:%S} {escape(line)}", soft_wrap=True)


@click.command()
@click.option("--poll", default="2s", show_default=True, help="Re-read the schedules this often.")
@click.option("--parallel", type=click.IntRange(min=1), default=2, show_default=True)
@click.option(
    "--report-root", type=click.Path(path_type=Path), help="Default: $GAMEDAY_HOME/reports."
)
@click.option("--webhook-timeout", default=f"{DEFAULT_TIMEOUT_S:g}s", show_default=True)
@click.option(
    "--stop-grace",
    default=f"{STOP_GRACE_S:g}s",
    show_default=True,
    help="On stop, how long a running drill gets to revert its faults before it is killed.",
)
def scheduler(
    poll: str, parallel: int, report_root: Path | None, webhook_timeout: str, stop_grace: str
) -> None:
    """Run scheduled game days as they come due, until SIGINT or SIGTERM."""
    from harness.schedule.service import SchedulerService

    service = SchedulerService(
        report_root=report_root.resolve() if report_root else None,
        poll_s=duration_option("--poll", poll, 0.1),
        parallel=parallel,
        webhook_timeout_s=duration_option("--webhook-timeout", webhook_timeout, 0.1),
        launcher=DrillLauncher(duration_option("--stop-grace", stop_grace, 0)),
        log=_say,
    )
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with _apscheduler_warnings():
            service.run(stop)
    finally:
        for s, before in previous.items():
            signal.signal(s, before)


@contextmanager
def _apscheduler_warnings() -> Iterator[None]:
    """APScheduler's own warnings (a job store it cannot read, ...) on stderr.

    Its executors' warnings about missed starts are left out: the scheduler
    reports those itself, in the schedule's words.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s apscheduler: %(message)s", "%Y-%m-%d %H:%M:%S")
    )
    aps, executors = logging.getLogger("apscheduler"), logging.getLogger("apscheduler.executors")
    before = (aps.level, aps.propagate, executors.level)
    aps.addHandler(handler)
    aps.setLevel(logging.WARNING)
    aps.propagate = False
    executors.setLevel(logging.ERROR)
    try:
        yield
    finally:
        aps.removeHandler(handler)
        aps.setLevel(before[0])
        aps.propagate = before[1]
        executors.setLevel(before[2])
