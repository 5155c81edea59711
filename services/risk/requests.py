"""Validating admin request bodies: pydantic models, and 400s that name the field.

Used by the gate, the monitor and the alert bus alike. ``parse`` turns a JSON
body into a model or raises ``AdminError(400)`` whose message names the field
and the problem; ``BadRequestCounter`` counts those refusals for ``/stats``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from services.net.admin import JSON, AdminError
from services.risk.profiles import SettingsError, describe

M = TypeVar("M", bound=BaseModel)


class BadRequestCounter:
    """Counts the admin requests a service refused, by endpoint."""

    def __init__(self) -> None:
        self.total = 0
        self.by_path: dict[str, int] = {}
        self.last = ""

    def count(self, path: str, message: str) -> None:
        self.total += 1
        self.by_path[path] = self.by_path.get(path, 0) + 1
        self.last = f"{path}: {message}"

    def as_dict(self) -> dict[str, Any]:
        return {"bad_requests": self.total, "by_path": dict(self.by_path), "last": self.last}

    def guard(self, path: str, handler: Callable[[JSON], JSON]) -> Callable[[JSON], JSON]:
        """``handler`` with every refusal (``AdminError``, bad settings, bad types) counted."""

        def wrapped(body: JSON) -> JSON:
            try:
                return handler(body)
            except SettingsError as exc:
                self.count(path, str(exc))
                raise AdminError(400, str(exc)) from None
            except AdminError as exc:
                if exc.status == 400:
                    self.count(path, exc.message)
                raise
            except (KeyError, ValueError, TypeError) as exc:
                self.count(path, str(exc))
                raise AdminError(400, f"bad request: {exc}") from None

        return wrapped


def parse(model: type[M], body: JSON) -> M:
    """``body`` as ``model``; a 400 naming the field when it does not fit."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise AdminError(400, describe(exc)) from None
