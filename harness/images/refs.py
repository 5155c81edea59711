"""The names of gameday's images, and the labels that say what an image was built from.

``gameday/base:bookworm`` is the bootstrapped base (Debian bookworm's python3,
made without a registry); ``gameday/services:<version>`` (and ``:latest``) runs
every service. ``--registry PREFIX`` puts both under a user's registry
(``registry.example.com/trading/gameday/services:0.1.0``), and
``GAMEDAY_IMAGE`` names the services image to run instead of the default.
"""

from __future__ import annotations

import os
import re
from importlib.metadata import PackageNotFoundError, version

from harness.errors import UsageError

BASE_REPOSITORY = "gameday/base"
BASE_TAG = "bookworm"
BASE_REF = f"{BASE_REPOSITORY}:{BASE_TAG}"
FALLBACK_BASE = "python:3.11-slim"
"""The stock base, used when present in the engine and no bootstrapped base is."""
SERVICES_REPOSITORY = "gameday/services"
IMAGE_ENV = "GAMEDAY_IMAGE"

KIND_LABEL = "gameday.image"
"""``base`` or ``services``: what ``gameday images list`` shows."""
HASH_LABEL = "gameday.source-hash"
"""sha256 of the project's sources and the pinned dependency set (``fingerprint``)."""
BASE_ID_LABEL = "gameday.base-id"
"""Also ``gameday.base`` (the base's name) and ``gameday.version``; compose/Dockerfile
sets them all from the build arguments."""

# A registry host (optionally :port) and path, as docker spells a repository prefix.
_PREFIX = re.compile(
    r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]+)?(/[a-z0-9]+([._-]+[a-z0-9]+)*)*$"
)
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")


def gameday_version() -> str:
    try:
        return version("gameday")
    except PackageNotFoundError:  # sources on sys.path without an install
        return "0.0.0"


def check_registry(prefix: str) -> str:
    """``--registry`` without a trailing slash, or a usage error naming the expected form."""
    cleaned = prefix.strip().rstrip("/")
    if "://" in cleaned or not _PREFIX.match(cleaned):
        raise UsageError(
            f"--registry: {prefix!r} is not a registry prefix; expected a host and path "
            "such as registry.example.com/trading (no scheme, no tag)"
        )
    return cleaned


def check_tag(tag: str) -> str:
    if not _TAG.match(tag):
        raise UsageError(
            f"--tag: {tag!r} is not an image tag (letters, digits, '_', '.', '-'; at most 128)"
        )
    return tag


def repository(name: str, registry: str | None = None) -> str:
    """``gameday/services``, or under a registry prefix."""
    return f"{check_registry(registry)}/{name}" if registry else name


def services_image_ref(registry: str | None = None, tag: str | None = None) -> str:
    """The services image to run: ``$GAMEDAY_IMAGE``, else ``gameday/services:<version>``.

    With ``registry`` or ``tag`` the name is built (``GAMEDAY_IMAGE`` is not consulted):
    that is the name ``gameday images build`` gives the image.
    """
    if registry is None and tag is None:
        named = os.environ.get(IMAGE_ENV, "").strip()
        if named:
            return named
    return f"{repository(SERVICES_REPOSITORY, registry)}:{tag or gameday_version()}"
