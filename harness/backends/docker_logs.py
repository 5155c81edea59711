"""Each container's output, copied into the run's ``logs/<service>.log`` as it comes.

The process that brings a run up follows every container's log stream in a
daemon thread while the run lives. A run outlives that process (``gameday up``
returns), so whoever takes a run down writes the engine's whole log of a
container that nobody followed: either way the file ends complete.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path

from harness.backends.docker_engine import ENGINE_ERRORS, Container


class LogFollower:
    """The log streams this process follows, one thread per container."""

    def __init__(self) -> None:
        self._threads: dict[str, threading.Thread] = {}

    def follow(self, service: str, container: Container, path: Path, since: float = 0) -> None:
        """Append the container's output to ``path`` from ``since`` (Unix s; 0: its start)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        thread = threading.Thread(
            target=_copy,
            args=(container, path, since),
            name=f"logs-{service}",
            daemon=True,
        )
        self._threads[service] = thread
        thread.start()

    def following(self, service: str) -> bool:
        return service in self._threads

    def finish(self, service: str, timeout: float = 2.0) -> None:
        """Wait for a stream to end (its container has stopped or gone)."""
        thread = self._threads.pop(service, None)
        if thread is not None:
            thread.join(timeout)


def _copy(container: Container, path: Path, since: float) -> None:
    # A stream ends when the container stops, and breaks when it is removed: both are
    # the normal end of a run, not errors.
    with contextlib.suppress(*ENGINE_ERRORS, OSError), path.open("ab") as out:
        options = {"since": since} if since else {}
        for chunk in container.logs(stream=True, follow=True, **options):
            out.write(chunk)
            out.flush()


def write_whole_log(container: Container, path: Path) -> None:
    """The engine's whole log of the container (for a run nobody followed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(*ENGINE_ERRORS, OSError):
        path.write_bytes(container.logs(stdout=True, stderr=True))
