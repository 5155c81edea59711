"""The dependency set an image installs: gameday's runtime requirements, pinned.

The pins are the versions installed beside the running harness, found by
walking the requirements of the ``gameday`` distribution (with their extras and
environment markers) through ``importlib.metadata``: the image runs exactly
what was tested here, and the set is known without asking any index.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, distribution

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

from harness.errors import UsageError

PROJECT = "gameday"


@dataclass(frozen=True, order=True)
class Pin:
    """One dependency at the version installed here."""

    name: NormalizedName
    version: str

    def requirement(self) -> str:
        return f"{self.name}=={self.version}"


def _applies(requirement: Requirement, extras: frozenset[str]) -> bool:
    if requirement.marker is None:
        return True
    environment: dict[str, str] = {k: str(v) for k, v in default_environment().items()}
    return any(
        requirement.marker.evaluate({**environment, "extra": extra}) for extra in extras or {""}
    )


def runtime_pins(project: str = PROJECT) -> list[Pin]:
    """Every distribution ``project`` needs at run time (not itself), pinned and sorted.

    A requirement that is not installed here is a usage error: the image can only
    carry what this environment has (``pip install -e .`` first).
    """
    pins: dict[NormalizedName, Pin] = {}
    seen: set[tuple[NormalizedName, frozenset[str]]] = set()
    todo: list[tuple[str, frozenset[str]]] = [(project, frozenset())]
    root = canonicalize_name(project)
    while todo:
        name, extras = todo.pop()
        key = canonicalize_name(name)
        if (key, extras) in seen:
            continue
        seen.add((key, extras))
        try:
            dist = distribution(name)
        except PackageNotFoundError:
            raise UsageError(
                f"{name} (needed by {project}) is not installed in this environment; "
                "reinstall gameday (make .venv/.installed, or pip install -e .) and build again"
            ) from None
        if key != root:
            pins[key] = Pin(key, dist.version)
        for raw in dist.requires or []:
            requirement = Requirement(raw)
            if _applies(requirement, extras):
                todo.append((requirement.name, frozenset(requirement.extras)))
    return sorted(pins.values())
