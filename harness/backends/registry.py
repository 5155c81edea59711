"""Backends by name."""

from __future__ import annotations

from harness.backends.base import Backend
from harness.backends.local import LocalBackend
from harness.errors import UsageError

_BACKENDS = {"local": LocalBackend}


def backend_named(name: str) -> Backend:
    try:
        return _BACKENDS[name]()
    except KeyError:
        known = ", ".join(sorted(_BACKENDS))
        raise UsageError(f"--backend: unknown backend {name!r} (known: {known})") from None
