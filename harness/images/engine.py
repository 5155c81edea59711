"""The Docker Engine as the image commands use it: a client, a ping, and image look-ups.

Every engine failure reaches the user as one line: ``EngineUnavailable`` when
nothing answers, ``ImageError`` when the engine refuses something.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import docker
from docker.errors import APIError, DockerException, ImageNotFound
from requests.exceptions import RequestException

from harness.errors import EngineUnavailable, ImageError

# The SDK is untyped; the name says what a value is where the type cannot.
Client = Any

ENGINE_ERRORS = (DockerException, RequestException, OSError)
PING_TIMEOUT_S = 3.0
# The socket's own complaint, from inside the SDK's and urllib3's wrapping of it.
_OS_REASON = re.compile(r"\[Errno \d+\] ([^'\")]+)|Error\(\d+, '([^']+)'\)")


def engine_address() -> str:
    """Where the engine is looked for: ``$DOCKER_HOST``, else the local socket."""
    return os.environ.get("DOCKER_HOST") or "unix:///var/run/docker.sock"


def one_line(exc: BaseException) -> str:
    """The SDK's message without its HTTP noise, on one line."""
    if isinstance(exc, APIError) and exc.explanation:
        text = str(exc.explanation)
    else:
        text = str(exc) or type(exc).__name__
    return " ".join(text.split())


def unreachable(exc: BaseException) -> str:
    """Why the engine did not answer, shortly: ``Connection refused``, not three wrappers."""
    text = one_line(exc)
    found = _OS_REASON.search(text)
    if found:
        return (found.group(1) or found.group(2)).strip()
    return text.removeprefix("Error while fetching server API version: ")


def connect(timeout: float = 600.0, ping_timeout: float = PING_TIMEOUT_S) -> Client:
    """A client of the engine, checked with a ping that gives up after ``ping_timeout``.

    ``timeout`` bounds every later call (an image build streams, so it is long).
    """
    try:
        client = docker.from_env(timeout=max(1, round(ping_timeout)))
        client.ping()
    except ENGINE_ERRORS as exc:
        raise EngineUnavailable(
            f"no Docker engine answers at {engine_address()} ({unreachable(exc)}); "
            "start one, or point DOCKER_HOST at one"
        ) from None
    client.api.timeout = round(timeout)  # the SDK's per-request timeout, read on each call
    return client


@contextmanager
def engine_errors(what: str) -> Iterator[None]:
    """An engine refusal in ``what`` as one line (``ImageError``), not the SDK's traceback."""
    try:
        yield
    except ENGINE_ERRORS as exc:
        raise ImageError(f"{what}: the Docker engine refused ({one_line(exc)})") from None


def engine_available() -> tuple[bool, str]:
    """Whether an engine answers a ping within a few seconds, and a sentence saying so.

    The sentence is the reason a test skips with: ``no Docker engine answers at ...``.
    """
    try:
        client = connect(timeout=PING_TIMEOUT_S)
    except EngineUnavailable as exc:
        return False, str(exc)
    try:
        server = client.version().get("Version", "?")
    except ENGINE_ERRORS as exc:
        return False, f"no Docker engine answers at {engine_address()} ({unreachable(exc)})"
    finally:
        client.close()
    return True, f"Docker Engine {server} at {engine_address()}"


def image_attrs(client: Client, ref: str) -> dict[str, Any] | None:
    """The engine's inspect document of an image, or None if it has no such image."""
    try:
        attrs: dict[str, Any] = client.images.get(ref).attrs
    except ImageNotFound:
        return None
    return attrs


def image_labels(attrs: dict[str, Any]) -> dict[str, str]:
    labels = (attrs.get("Config") or {}).get("Labels") or {}
    return {str(k): str(v) for k, v in labels.items()}


def image_id(client: Client, ref: str) -> str | None:
    attrs = image_attrs(client, ref)
    return str(attrs["Id"]) if attrs else None
