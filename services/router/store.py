"""The builds installed on one router, and which of them is active.

``--build-dir`` holds one artifact directory per installed version and a file
``ACTIVE`` naming the active version. ``ACTIVE`` survives a restart: a router
restarted after a deploy runs what was deployed, not its ``--initial-build``
(that option only applies to a build directory that has never had an active
build).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from services.router.artifacts import read_dir, write_dir
from services.router.builds import (
    KNOWN_BUILDS,
    Artifact,
    BuildError,
    Manifest,
    generate_build,
)

ACTIVE_FILE: Final = "ACTIVE"


class BuildStore:
    """Installed builds of one router (a directory)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def _dir(self, version: str) -> Path:
        # Manifest validation already restricts versions to plain words; this
        # guards callers that pass a version straight from a command line.
        Manifest.model_validate({"version": version, "sha256": "0" * 64})
        return self.root / version

    def installed(self) -> list[str]:
        return sorted(
            p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")
        )

    def has(self, version: str) -> bool:
        try:
            return (self._dir(version) / "manifest.json").is_file()
        except ValueError:
            return False

    def install(self, artifact: Artifact) -> Manifest:
        """Store a verified build; an upload of an installed version replaces it."""
        artifact.verify()
        write_dir(artifact, self._dir(artifact.version))
        return artifact.manifest

    def load(self, version: str) -> Artifact:
        """The installed build, its checksum verified again (a disk can change)."""
        try:
            path = self._dir(version)
        except ValueError:
            raise BuildError(f"invalid version {version!r}") from None
        if not path.is_dir():
            have = ", ".join(self.installed()) or "none"
            raise BuildError(f"build {version} is not installed (installed: {have})")
        artifact = read_dir(path)
        if artifact.version != version:
            raise BuildError(
                f"{path}: manifest says version {artifact.version}, directory says {version}"
            )
        return artifact

    def active_version(self) -> str | None:
        try:
            text = (self.root / ACTIVE_FILE).read_text().strip()
        except FileNotFoundError:
            return None
        return text or None

    def set_active(self, version: str) -> None:
        tmp = self.root / f".{ACTIVE_FILE}.{os.getpid()}.tmp"
        tmp.write_text(version + "\n")
        os.replace(tmp, self.root / ACTIVE_FILE)

    def ensure_generated(self, version: str) -> None:
        """Install a generated known build (2003.1, 2012.07) if it is missing."""
        if not self.has(version) and version in KNOWN_BUILDS:
            self.install(generate_build(version))

    def startup_build(self, initial: str) -> Artifact:
        """The build to run at start: the recorded active one, else ``initial``."""
        version = self.active_version() or initial
        self.ensure_generated(version)
        artifact = self.load(version)
        self.set_active(version)
        return artifact
