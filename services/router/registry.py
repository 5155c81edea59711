"""The build registry the deploy tool ships from.

A directory with one artifact directory per version and ``registry.json``::

    {"current": "2012.07", "previous": "2003.1"}

``current`` is what the last deploy shipped, ``previous`` what ran before it;
``rollback`` ships ``previous`` and swaps the two. Knight's responders rolled
back to exactly that "previous" build, which still had Power Peg reachable.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from pydantic import BaseModel, ConfigDict

from services.router.artifacts import read_dir, write_dir
from services.router.builds import KNOWN_BUILDS, Artifact, BuildError, Manifest, generate_build

REGISTRY_FILE: Final = "registry.json"


class RegistryState(BaseModel):
    """Contents of ``registry.json``."""

    model_config = ConfigDict(extra="forbid")

    current: str | None = None
    previous: str | None = None


class BuildRegistry:
    """Artifacts by version plus the current/previous pointers."""

    def __init__(self, root: Path) -> None:
        self.root = root
        if not (root / REGISTRY_FILE).is_file():
            raise BuildError(f"{root}: not a build registry ({REGISTRY_FILE} is missing)")

    @classmethod
    def create(
        cls,
        root: Path,
        versions: tuple[str, ...] = tuple(KNOWN_BUILDS),
        current: str | None = "2003.1",
    ) -> BuildRegistry:
        """A registry holding generated builds; an existing one is kept as it is."""
        root.mkdir(parents=True, exist_ok=True)
        for version in versions:
            if not (root / version / "manifest.json").is_file():
                write_dir(generate_build(version), root / version)
        if not (root / REGISTRY_FILE).is_file():
            if current is not None and current not in versions:
                raise BuildError(f"current build {current} is not among {versions}")
            _write_state(root, RegistryState(current=current))
        return cls(root)

    @property
    def state(self) -> RegistryState:
        path = self.root / REGISTRY_FILE
        try:
            return RegistryState.model_validate_json(path.read_bytes())
        except (OSError, ValueError) as exc:
            raise BuildError(f"{path}: {str(exc).splitlines()[0]}") from None

    def versions(self) -> list[str]:
        return sorted(
            p.name
            for p in self.root.iterdir()
            if p.is_dir() and not p.name.startswith(".") and (p / "manifest.json").is_file()
        )

    def artifact(self, version: str) -> Artifact:
        if version not in self.versions():
            have = ", ".join(self.versions()) or "none"
            raise BuildError(f"registry {self.root} has no build {version} (has: {have})")
        artifact = read_dir(self.root / version)
        if artifact.version != version:
            raise BuildError(f"{self.root / version}: manifest says {artifact.version}")
        return artifact

    def manifest(self, version: str) -> Manifest:
        return self.artifact(version).manifest

    def add(self, artifact: Artifact) -> None:
        write_dir(artifact, self.root / artifact.version)

    def record_deployed(self, version: str) -> RegistryState:
        """``version`` is now current; what was current becomes previous."""
        state = self.state
        if state.current != version:
            state = RegistryState(current=version, previous=state.current)
            _write_state(self.root, state)
        return state

    def set_previous(self, version: str | None) -> RegistryState:
        """Point ``previous`` (what a rollback ships) at ``version``; ``None`` clears it.

        ``current`` is left alone. Used to set up a bad rollback (Knight's
        "previous" was the build with Power Peg still reachable) and to undo it.
        """
        if version is not None and version not in self.versions():
            have = ", ".join(self.versions()) or "none"
            raise BuildError(f"registry {self.root} has no build {version} (has: {have})")
        state = RegistryState(current=self.state.current, previous=version)
        _write_state(self.root, state)
        return state

    def rollback_target(self) -> str:
        previous = self.state.previous
        if previous is None:
            raise BuildError(f"registry {self.root}: no previous build to roll back to")
        return previous


def _write_state(root: Path, state: RegistryState) -> None:
    tmp = root / f".{REGISTRY_FILE}.{os.getpid()}.tmp"
    tmp.write_text(state.model_dump_json(indent=2) + "\n")
    os.replace(tmp, root / REGISTRY_FILE)
