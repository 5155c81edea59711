"""``gameday/services:<version>``: the image every container of a docker topology runs.

The build context is a scratch directory holding ``compose/Dockerfile``, the
dependency wheels with a ``requirements.txt`` pinning them, and gameday's own
wheel; the engine builds it ``FROM`` a base it already has (never pulling).
The image is labelled with the content hash of the sources and the dependency
set (``gameday.source-hash``) and the base's id: a build whose labels match is
skipped, so asking again costs a hash and an inspect.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import ImageError, UsageError
from harness.images.engine import ENGINE_ERRORS, Client, image_attrs, image_labels, one_line
from harness.images.pins import Pin, runtime_pins
from harness.images.refs import (
    BASE_ID_LABEL,
    BASE_REF,
    FALLBACK_BASE,
    HASH_LABEL,
    KIND_LABEL,
    gameday_version,
    services_image_ref,
)
from harness.images.source import ProjectSource, fingerprint, project_source
from harness.images.wheels import dependency_wheels, project_wheel

Log = Callable[[str], None]


@dataclass(frozen=True)
class Wanted:
    """What an up-to-date services image is built from."""

    source: ProjectSource
    pins: list[Pin]
    source_hash: str


@dataclass(frozen=True)
class Built:
    """The outcome of ``build_services_image``."""

    ref: str
    tags: list[str]
    image_id: str
    size: int
    seconds: float
    rebuilt: bool


def wanted() -> Wanted:
    source = project_source()
    pins = runtime_pins()
    return Wanted(source, pins, fingerprint(source, pins))


def default_base(client: Client) -> str | None:
    """The bootstrapped base if the engine has it, else ``python:3.11-slim`` if it has that."""
    for ref in (BASE_REF, FALLBACK_BASE):
        if image_attrs(client, ref) is not None:
            return ref
    return None


def resolve_base(client: Client, base: str | None) -> tuple[str, str]:
    """The base to build from and its image id; a usage error if there is none."""
    if base is None:
        found = default_base(client)
        if found is None:
            raise UsageError(
                f"no base image: neither {BASE_REF} nor {FALLBACK_BASE} is in the engine; "
                "run gameday images bootstrap (no registry needed), or pass --base IMAGE"
            )
        base = found
    attrs = image_attrs(client, base)
    if attrs is None:
        try:  # a user with a registry names a base to pull; this desk may have none
            client.images.pull(base)
        except ENGINE_ERRORS as exc:
            raise UsageError(
                f"--base {base}: no such image in the engine, and pulling it failed "
                f"({one_line(exc)}); run gameday images bootstrap, or name an image "
                "docker images lists"
            ) from None
        attrs = image_attrs(client, base)
        if attrs is None:
            raise UsageError(f"--base {base}: pulled, yet the engine has no such image")
    return base, str(attrs["Id"])


def _context(want: Wanted, directory: Path, log: Log) -> None:
    deps = directory / "wheels" / "deps"
    deps.mkdir(parents=True)
    for wheel in dependency_wheels(want.pins, log):
        shutil.copy2(wheel, deps / wheel.name)
    (deps / "requirements.txt").write_text("".join(f"{p.requirement()}\n" for p in want.pins))
    project_wheel(want.source, directory / "wheels" / "project", log)
    shutil.copy2(want.source.dockerfile, directory / "Dockerfile")


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_FAILED_STEP = re.compile(r"The command '/bin/sh -c (.*)' returned a non-zero code: (\d+)", re.S)


def _failure(detail: str, said: str) -> str:
    """``RUN python3 -m venv ... exited 1: ImportError: ...``, not the whole shell line."""
    detail = " ".join(_ANSI.sub("", detail).split())
    failed = _FAILED_STEP.search(detail)
    if failed:
        command = failed.group(1)
        command = command if len(command) <= 60 else command[:59] + "…"
        detail = f"RUN {command} exited {failed.group(2)}"
    return f"{detail}: {said}" if said else detail


def _stream(chunks: Iterator[dict[str, Any]], log: Log) -> str | None:
    """Follow the engine's build output; the built image's id (None if it said none)."""
    built: str | None = None
    said = ""  # the last line a step's command printed that looks like its complaint
    for chunk in chunks:
        if "error" in chunk:
            detail = str(chunk.get("errorDetail", {}).get("message") or chunk["error"])
            raise ImageError(f"the services image build failed: {_failure(detail, said)}")
        if "aux" in chunk and isinstance(chunk["aux"], dict):
            built = chunk["aux"].get("ID", built)
        text = str(chunk.get("stream", "")).rstrip()
        for line in text.splitlines():
            line = _ANSI.sub("", line)
            if any(word in line for word in ("ERROR", "Error", "error:", "not found")):
                said = " ".join(line.split())[:300]
        if text.startswith("Step "):
            step = " ".join(text.split())
            log(step if len(step) <= 100 else step[:99] + "…")
        if text.startswith("Successfully built "):
            built = built or text.split()[-1]
    return built


def build_services_image(
    client: Client,
    *,
    base: str | None = None,
    registry: str | None = None,
    extra_tags: tuple[str, ...] = (),
    force: bool = False,
    log: Log = lambda _line: None,
) -> Built:
    """Build (or find up to date) the services image; tag it ``<version>``, ``latest`` and
    every extra tag, under ``registry`` if given."""
    started = time.monotonic()
    want = wanted()
    base_ref, base_id = resolve_base(client, base)
    ref = services_image_ref(registry, gameday_version())
    tags = [ref] + [services_image_ref(registry, t) for t in ("latest", *extra_tags)]
    old = image_attrs(client, ref)
    # Naming an up-to-date local image for a registry is a tag, not a build.
    candidates = [old, image_attrs(client, services_image_ref(None, gameday_version()))]
    current = next((a for a in candidates if a and _matches(a, want.source_hash, base_id)), None)
    if current is not None and not force:
        _retag(client, str(current["Id"]), tags, old)
        log(f"{ref} is up to date (source hash {want.source_hash[:12]}, base {base_ref})")
        return Built(
            ref,
            tags,
            str(current["Id"]),
            int(current.get("Size", 0)),
            time.monotonic() - started,
            rebuilt=False,
        )
    log(f"building {ref} from {base_ref} (source hash {want.source_hash[:12]})")
    with tempfile.TemporaryDirectory(prefix="gameday-image-") as tmp:
        _context(want, Path(tmp), log)
        try:
            # The Dockerfile turns these into its labels, in one step: the API's own
            # ``labels`` would add a step for each, seconds apiece on fuse-overlayfs.
            args = {"BASE_IMAGE": base_ref, "SOURCE_HASH": want.source_hash,
                    "BASE_ID": base_id, "GAMEDAY_VERSION": gameday_version()}  # fmt: skip
            chunks = client.api.build(
                path=tmp, tag=ref, buildargs=args, pull=False, rm=True, forcerm=True, decode=True
            )
            built = _stream(chunks, log)
        except ENGINE_ERRORS as exc:
            raise ImageError(f"the services image build failed: {one_line(exc)}") from None
    attrs = image_attrs(client, ref)
    short = (built or "").removeprefix("sha256:")
    if attrs is None or not str(attrs["Id"]).removeprefix("sha256:").startswith(short):
        raise ImageError(f"the engine built no image {ref}")
    _retag(client, str(attrs["Id"]), tags, old)
    return Built(
        ref,
        tags,
        str(attrs["Id"]),
        int(attrs.get("Size", 0)),
        time.monotonic() - started,
        rebuilt=True,
    )


def _matches(attrs: dict[str, Any], source_hash: str, base_id: str) -> bool:
    labels = image_labels(attrs)
    return labels.get(HASH_LABEL) == source_hash and labels.get(BASE_ID_LABEL) == base_id


def _retag(client: Client, image_id: str, refs: list[str], old: dict[str, Any] | None) -> None:
    """Point every ref at the image; drop the image ``refs[0]`` named before, if now unnamed."""
    image = client.images.get(image_id)
    for ref in refs:
        repository, tag = ref.rsplit(":", 1)
        image.tag(repository, tag)
    if old is not None and old["Id"] != image_id:
        _drop_if_untagged(client, str(old["Id"]))


def _drop_if_untagged(client: Client, image_id: str) -> None:
    """The image a rebuild replaced, unless something still names or runs it."""
    attrs = image_attrs(client, image_id)
    if attrs is None or attrs.get("RepoTags"):
        return
    try:
        client.images.remove(image_id, noprune=False)
    except ENGINE_ERRORS:
        return  # a container still uses it: cleanup of that run will free it


def prune(client: Client) -> tuple[int, int]:
    """Remove gameday's untagged images (replaced builds, the build's cached dependency
    stage): how many, and the bytes the engine says it reclaimed."""
    try:
        done = client.images.prune(filters={"dangling": True, "label": KIND_LABEL})
    except ENGINE_ERRORS as exc:
        raise ImageError(f"pruning gameday's images failed: {one_line(exc)}") from None
    return len(done.get("ImagesDeleted") or []), int(done.get("SpaceReclaimed") or 0)
