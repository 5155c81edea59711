"""Build artifacts on disk and on the wire: a directory or a tar of two files.

Layout (directory or tar members, optionally under one top-level folder)::

    manifest.json   {"version", "sha256", "features"}
    payload.bin     the bytes the sha256 is taken over

Every read verifies the checksum. Reading a tar accepts only those two
regular files, with bounded sizes, and never extracts anything to disk by
name, so an uploaded archive cannot write outside the build directory.
"""

from __future__ import annotations

import io
import os
import shutil
import tarfile
from pathlib import Path
from typing import Final

from services.router.builds import Artifact, BuildError, Manifest

MANIFEST_NAME: Final = "manifest.json"
PAYLOAD_NAME: Final = "payload.bin"
MAX_MANIFEST: Final = 64 * 1024
MAX_PAYLOAD: Final = 64 * 1024 * 1024
MAX_ARCHIVE: Final = MAX_PAYLOAD + 1024 * 1024
_LIMITS: Final = {MANIFEST_NAME: MAX_MANIFEST, PAYLOAD_NAME: MAX_PAYLOAD}


def to_tar(artifact: Artifact) -> bytes:
    """An uncompressed tar with fixed metadata, so equal builds give equal bytes."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in (
            (MANIFEST_NAME, artifact.manifest.dump()),
            (PAYLOAD_NAME, artifact.payload),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _member_name(raw: str) -> str | None:
    parts = [p for p in raw.split("/") if p not in ("", ".")]
    if len(parts) == 2:
        # One top-level folder (``2012.07/manifest.json``) is allowed and dropped.
        parts = parts[1:]
    if len(parts) == 1 and parts[0] in _LIMITS:
        return parts[0]
    return None


def from_tar(data: bytes) -> Artifact:
    """Parse and verify an uploaded archive (plain, gzip, bz2 or xz)."""
    if len(data) > MAX_ARCHIVE:
        raise BuildError(f"archive of {len(data)} bytes is over the {MAX_ARCHIVE} byte limit")
    files: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            for member in tar:
                if member.isdir():
                    continue
                name = _member_name(member.name)
                if name is None or not member.isfile():
                    raise BuildError(
                        f"archive member {member.name!r}: only {MANIFEST_NAME} and "
                        f"{PAYLOAD_NAME} are allowed"
                    )
                if name in files:
                    raise BuildError(f"archive holds {name} twice")
                if member.size > _LIMITS[name]:
                    raise BuildError(f"{name}: {member.size} bytes is over the limit")
                handle = tar.extractfile(member)
                if handle is None:
                    raise BuildError(f"archive member {member.name!r} cannot be read")
                files[name] = handle.read()
    except (tarfile.TarError, EOFError, OSError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise BuildError(f"not a readable tar archive: {first_line}") from None
    return _assemble(files, "archive")


def _assemble(files: dict[str, bytes], where: str) -> Artifact:
    for name in _LIMITS:
        if name not in files:
            raise BuildError(f"{where}: {name} is missing")
    artifact = Artifact(Manifest.parse(files[MANIFEST_NAME], where), files[PAYLOAD_NAME])
    artifact.verify()
    return artifact


def read_dir(path: Path) -> Artifact:
    """Read and verify the artifact stored in ``path``."""
    files: dict[str, bytes] = {}
    for name, limit in _LIMITS.items():
        file = path / name
        try:
            size = file.stat().st_size
            if size > limit:
                raise BuildError(f"{file}: {size} bytes is over the limit")
            files[name] = file.read_bytes()
        except FileNotFoundError:
            raise BuildError(f"{path}: {name} is missing") from None
        except OSError as exc:
            raise BuildError(f"{file}: {exc}") from None
    return _assemble(files, str(path))


def write_dir(artifact: Artifact, path: Path) -> None:
    """Store ``artifact`` at ``path``, replacing what was there in one rename.

    The files are written under a temporary name beside ``path`` first, so a
    reader sees either the old build or the new one, never a mixture.
    """
    artifact.verify()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.new")
    old = path.with_name(f".{path.name}.{os.getpid()}.old")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    (tmp / MANIFEST_NAME).write_bytes(artifact.manifest.dump())
    (tmp / PAYLOAD_NAME).write_bytes(artifact.payload)
    if path.exists():
        os.replace(path, old)
    os.replace(tmp, path)
    shutil.rmtree(old, ignore_errors=True)
