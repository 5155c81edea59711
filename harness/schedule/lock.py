"""``SchedulerLock``: one ``gameday scheduler`` per state home.

Two schedulers on one job store would both run every due game day. The lock
is an exclusive ``flock`` on ``$GAMEDAY_HOME/scheduler.lock``, held for as long
as the scheduler runs and released by the kernel if it dies; the file holds
the holder's pid for the error message.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

from harness.errors import UsageError


class SchedulerLock:
    """An exclusive ``flock`` on ``path`` for as long as the scheduler runs."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[str] | None = None

    def __enter__(self) -> None:
        if sys.platform == "win32":  # no flock there: one scheduler per home is up to you
            return
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = self.path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            handle.close()
            raise UsageError(
                f"another gameday scheduler is running (pid {holder}, lock {self.path})"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.truncate(0)
            self._file.close()
            self._file = None
