"""Backends by name."""

from __future__ import annotations

from collections.abc import Callable

from harness.backends.base import Backend
from harness.errors import UsageError


def _local() -> Backend:
    from harness.backends.local import LocalBackend

    return LocalBackend()


def _docker() -> Backend:
    # Imported on demand: the Docker SDK costs every other command a third of a second.
    from harness.backends.docker import DockerBackend

    return DockerBackend()


_BACKENDS: dict[str, Callable[[], Backend]] = {"local": _local, "docker": _docker}


def backend_named(name: str) -> Backend:
    try:
        make = _BACKENDS[name]
    except KeyError:
        known = ", ".join(sorted(_BACKENDS))
        raise UsageError(f"--backend: unknown backend {name!r} (known: {known})") from None
    return make()
