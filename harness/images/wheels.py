"""The wheels an image build installs: one per pinned dependency, and gameday's own.

They are made on the host, so the image build itself needs no network. The
dependency wheels are kept in ``~/.cache/gameday/images/wheelhouse``: the first
build fills it through pip (PyPI, or whatever index pip is configured with, and
pip's cache), every later one finds them there and asks no index at all. An
air-gapped desk copies wheels into that directory instead. Each wheel is
checked against the image's interpreter (CPython 3.11 on glibc 2.36, Debian
bookworm) before the build, so a wheel that cannot install fails here, by name.
"""

from __future__ import annotations

import base64
import hashlib
import platform
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Callable, Iterable
from importlib.metadata import distribution
from pathlib import Path

from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import Version

from harness.errors import ImageError
from harness.images.pins import PROJECT, Pin
from harness.images.source import ProjectSource
from harness.paths import cache_home

Log = Callable[[str], None]

IMAGE_PYTHON = (3, 11)
IMAGE_GLIBC_MINOR = 36
"""bookworm's glibc is 2.36; python:3.11-slim's is the same or newer."""


def wheelhouse() -> Path:
    return cache_home() / "images" / "wheelhouse"


def image_tags(machine: str | None = None) -> set[Tag]:
    """Every wheel tag the image's CPython 3.11 on glibc 2.36 installs."""
    arch = machine or platform.machine()
    platforms = [f"manylinux_2_{minor}_{arch}" for minor in range(IMAGE_GLIBC_MINOR, 4, -1)]
    platforms += [f"manylinux2014_{arch}", f"manylinux2010_{arch}", f"manylinux1_{arch}"]
    platforms += [f"linux_{arch}"]
    return set(cpython_tags(IMAGE_PYTHON, ["cp311"], platforms)) | set(
        compatible_tags(IMAGE_PYTHON, "cp311", platforms)
    )


def _pip(args: list[str], what: str, hint: str) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line.strip() for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        errors = [line for line in lines if "ERROR" in line] or lines[-1:]
        last = errors[-1] if errors else ""
        raise ImageError(f"{what}: pip failed ({last or f'exit {done.returncode}'}); {hint}")


def _find(pin: Pin, directory: Path, fits: set[Tag]) -> Path | None:
    for path in sorted(directory.glob("*.whl")):
        try:
            name, version, _build, tags = parse_wheel_filename(path.name)
        except InvalidWheelFilename:
            continue
        if name == pin.name and version == Version(pin.version) and tags & fits:
            return path
    return None


def dependency_wheels(pins: Iterable[Pin], log: Log) -> list[Path]:
    """A wheel for every pin that installs in the image, fetching the missing ones once."""
    house = wheelhouse()
    house.mkdir(parents=True, exist_ok=True)
    fits = image_tags()
    pins = list(pins)
    missing = [pin for pin in pins if _find(pin, house, fits) is None]
    if missing:
        log(f"fetching {len(missing)} wheels into {house} (once; later builds are offline)")
        _pip(
            ["wheel", "--no-deps", "--wheel-dir", str(house), "--find-links", str(house)]
            + [pin.requirement() for pin in missing],
            "the dependency wheels",
            f"the first build needs PyPI (or your pip index) once, or copy the wheels into {house}",
        )
    found: list[Path] = []
    for pin in pins:
        wheel = _find(pin, house, fits)
        if wheel is None:
            others = [p.name for p in house.glob(f"{pin.name.replace('-', '_')}-*.whl")]
            raise ImageError(
                f"no wheel of {pin.requirement()} installs on the image's CPython 3.11 "
                f"(bookworm, glibc 2.36, {platform.machine()}): found {others or 'none'}; "
                "build images from a CPython 3.11 environment on Linux"
            )
        found.append(wheel)
    return found


def project_wheel(source: ProjectSource, out: Path, log: Log) -> Path:
    """gameday's wheel in ``out``: built by the build backend from a checkout, or put back
    together from the installed packages."""
    out.mkdir(parents=True, exist_ok=True)
    if not source.checkout:
        return installed_wheel(source, out)
    tools = wheelhouse() / "build"
    requires = tomllib.loads((source.root / "pyproject.toml").read_text())["build-system"][
        "requires"
    ]
    if not any(tools.glob("*.whl")):
        log(f"fetching the build backend ({', '.join(requires)}) into {tools} (once)")
        _pip(
            ["wheel", "--wheel-dir", str(tools), *requires],
            "the build backend",
            f"the first build needs PyPI (or your pip index) once, or put its wheels in {tools}",
        )
    # Build isolation installs the backend from ``tools`` alone: no index is asked.
    _pip(
        ["wheel", "--no-deps", "--no-index", "--find-links", str(tools), "--wheel-dir", str(out),
         str(source.root)],
        "gameday's wheel",
        f"delete {tools} to fetch the build backend again",
    )  # fmt: skip
    return next(out.glob("gameday-*.whl"))


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return f"sha256={digest.decode()}"


def installed_wheel(source: ProjectSource, out: Path) -> Path:
    """A pure-Python wheel of the installed gameday: its packages and its metadata."""
    dist = distribution(PROJECT)
    version = dist.version
    info = f"{canonicalize_name(PROJECT)}-{version}.dist-info"
    entries: list[tuple[str, bytes]] = [
        (name, (source.root / name).read_bytes()) for name in source.files()
    ]
    for meta in ("METADATA", "entry_points.txt"):
        text = dist.read_text(meta)
        if text is not None:
            entries.append((f"{info}/{meta}", text.encode()))
    wheel_meta = "Wheel-Version: 1.0\nGenerator: gameday-images\nRoot-Is-Purelib: true\n"
    entries.append((f"{info}/WHEEL", (wheel_meta + "Tag: py3-none-any\n").encode()))
    record = [f"{name},{_record_hash(data)},{len(data)}" for name, data in entries]
    entries.append((f"{info}/RECORD", ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()))
    path = out / f"{PROJECT}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
        for name, data in entries:
            wheel.writestr(name, data)
    return path
