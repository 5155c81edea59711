"""Faults by name, discovered through the ``gameday.faults`` entry-point group.

Built-in faults are registered in ``pyproject.toml`` exactly as a third party
registers its own, so ``gameday faults`` and the JSON Schema list both alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib.metadata import entry_points
from typing import Any

from pydantic import ValidationError

from faults.base import Fault, FaultParams

GROUP = "gameday.faults"


class UnknownFault(KeyError):
    """No fault of that name is registered."""

    def __str__(self) -> str:
        return str(self.args[0])


class BadFaultParams(ValueError):
    """A fault's parameters failed validation; the message names the field."""


@cache
def registry() -> dict[str, type[Fault[Any]]]:
    """Every registered fault class by name (loaded once)."""
    found: dict[str, type[Fault[Any]]] = {}
    for ep in entry_points(group=GROUP):
        cls = ep.load()
        if not (isinstance(cls, type) and issubclass(cls, Fault)):
            raise TypeError(f"entry point {ep.name} = {ep.value} is not a Fault class")
        if ep.name != cls.name:
            raise TypeError(f"entry point {ep.name} names a fault called {cls.name!r}")
        found[cls.name] = cls
    return dict(sorted(found.items()))


def fault_class(name: str) -> type[Fault[Any]]:
    faults = registry()
    if name not in faults:
        close = [n for n in faults if n.startswith(name[:3])]
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise UnknownFault(f"unknown fault {name!r}{hint} (see `gameday faults`)")
    return faults[name]


def build(name: str, params: Mapping[str, Any] | None = None) -> Fault[Any]:
    """A fault instance with validated parameters."""
    cls = fault_class(name)
    try:
        validated: FaultParams = cls.Params.model_validate(dict(params or {}))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "params"
        raise BadFaultParams(f"fault {name}: {where}: {first['msg']}") from None
    return cls(validated)


def catalogue() -> list[dict[str, Any]]:
    """Name, summary and JSON Schema of every fault's parameters."""
    return [
        {"name": name, "summary": cls.summary, "params": cls.Params.model_json_schema()}
        for name, cls in registry().items()
    ]
