"""``ensure_services_image``: the one call a backend makes before it starts containers.

Cached, it costs a hash of the sources and one inspect (well under a second);
otherwise it bootstraps the base if the engine has none, and builds. One
build at a time per user (a file lock in ``cache_home()``): two runs starting together
build once, the second finds the image the first made.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from harness.errors import UsageError
from harness.images.bootstrap import bootstrap_base
from harness.images.build import build_services_image, default_base, wanted
from harness.images.engine import (
    ENGINE_ERRORS,
    Client,
    connect,
    engine_errors,
    image_attrs,
    image_labels,
    one_line,
)
from harness.images.refs import (
    BASE_REF,
    FALLBACK_BASE,
    HASH_LABEL,
    IMAGE_ENV,
    gameday_version,
    services_image_ref,
)
from harness.paths import cache_home

Log = Callable[[str], None]


def _quiet(_line: str) -> None:
    return None


@contextmanager
def build_lock() -> Iterator[None]:
    """Held while an image is bootstrapped or built."""
    directory = cache_home() / "images"
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / "build.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _up_to_date(client: Client, ref: str, source_hash: str) -> bool:
    attrs = image_attrs(client, ref)
    return attrs is not None and image_labels(attrs).get(HASH_LABEL) == source_hash


def _named(client: Client, ref: str, log: Log) -> str:
    """An image the user named: used as it is, pulled if the engine lacks it, never built."""
    if image_attrs(client, ref) is not None:
        return ref
    log(f"pulling {ref}")
    try:
        client.images.pull(ref)
    except ENGINE_ERRORS as exc:
        raise UsageError(
            f"image {ref} (--image or ${IMAGE_ENV}) is not in the engine and pulling it failed "
            f"({one_line(exc)}); push it to your registry, or unset {IMAGE_ENV} to build one"
        ) from None
    return ref


def ensure_services_image(image: str | None = None, *, log: Log = _quiet) -> str:
    """The services image reference to run, built first if missing or stale.

    ``image`` (a backend's ``--image``), else ``$GAMEDAY_IMAGE``, names an image to use
    as it is (pulled if absent). Otherwise ``gameday/services:<version>`` is checked
    against the sources' hash and rebuilt when it differs; with no base image in the
    engine the base is bootstrapped first (root and debootstrap needed: the error
    says so). Raises ``EngineUnavailable``, ``UsageError`` or ``ImageError``.
    """
    named = image or os.environ.get(IMAGE_ENV, "").strip()
    client = connect()
    try:
        with engine_errors("the services image"):
            if named:
                return _named(client, named, log)
            ref = services_image_ref(tag=gameday_version())
            source_hash = wanted().source_hash
            if _up_to_date(client, ref, source_hash):
                return ref
            with build_lock():
                if _up_to_date(client, ref, wanted().source_hash):
                    return ref
                if default_base(client) is None:
                    if os.geteuid() != 0:
                        raise UsageError(
                            f"the engine has no base for {ref} ({BASE_REF} or {FALLBACK_BASE}): "
                            "run sudo gameday images bootstrap once (no registry needed), or "
                            "gameday images build --base IMAGE"
                        )
                    bootstrap_base(client, log=log)
                build_services_image(client, log=log)
            return ref
    finally:
        client.close()
