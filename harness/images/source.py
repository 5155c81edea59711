"""What the services image is built from, and the content hash that says when to rebuild.

The sources are a checkout (``pyproject.toml`` beside ``harness/``: the wheel is
built from it by its build backend) or, after ``pip install gameday``, the
installed packages themselves (the wheel is put back together from them). The
hash covers every source file the image carries and the pinned dependency
set; an image whose ``gameday.source-hash`` label matches is up to date,
whatever else changed around it (reports, caches, ``compose/knight.yml``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from harness.images.pins import Pin

_PACKAGE_DIR = Path(__file__).resolve().parent.parent
PACKAGES = ("harness", "faults", "services")
CHECKOUT_DATA = ("drills", "runbooks")
CHECKOUT_FILES = ("pyproject.toml", "compose/Dockerfile")
INSTALLED_DOCKERFILE = "harness/_bundled/compose/Dockerfile"


@dataclass(frozen=True)
class ProjectSource:
    """The tree the image's gameday comes from."""

    root: Path
    checkout: bool

    @property
    def dockerfile(self) -> Path:
        return self.root / ("compose/Dockerfile" if self.checkout else INSTALLED_DOCKERFILE)

    def files(self) -> list[str]:
        """Every file the image carries, relative to ``root``, sorted (``/`` separated)."""
        tops = PACKAGES + CHECKOUT_DATA if self.checkout else PACKAGES
        found = [path for top in tops for path in _walk(self.root / top)]
        if self.checkout:
            found += [self.root / name for name in CHECKOUT_FILES]
        return sorted(path.relative_to(self.root).as_posix() for path in found)


def project_source() -> ProjectSource:
    root = _PACKAGE_DIR.parent
    if (root / "pyproject.toml").is_file() and (root / "compose").is_dir():
        return ProjectSource(root, checkout=True)
    return ProjectSource(root, checkout=False)


def _walk(top: Path) -> Iterator[Path]:
    if not top.is_dir():
        return
    for path in top.rglob("*"):
        parts = path.relative_to(top).parts
        # Byte code, editor and tool droppings are not sources.
        if any(part == "__pycache__" or part.startswith(".") for part in parts):
            continue
        if path.is_file() and path.suffix not in (".pyc", ".pyo"):
            yield path


def fingerprint(source: ProjectSource, pins: list[Pin]) -> str:
    """sha256 over every source file (name and bytes) and every ``name==version`` pin."""
    digest = hashlib.sha256()
    for name in source.files():
        data = (source.root / name).read_bytes()
        digest.update(f"file {name} {len(data)}\n".encode())
        digest.update(data)
    for pin in pins:
        digest.update(f"pin {pin.requirement()}\n".encode())
    return digest.hexdigest()
