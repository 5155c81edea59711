"""The Docker Engine as the ``docker`` backend uses it: one client, labels, and the sweep.

Every container, network and volume a run makes carries the label
``gameday.run=<run id>`` (and containers ``gameday.service=<name>``), so what
a run made is always found from the engine alone: ``down`` and ``gameday
cleanup`` remove by label, also after the harness was SIGKILLed before it
could write a word to its run state.

Engine failures reach the user as one line (``EngineUnavailable`` when no
engine answers, from ``harness.images.engine``; ``TopologyError`` when it
refuses something), never as the SDK's traceback.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from docker.errors import APIError, NotFound

from harness.backends.docker_plan import RUN_LABEL, SERVICE_LABEL
from harness.errors import EngineUnavailable, TopologyError
from harness.images.engine import ENGINE_ERRORS, connect, one_line

__all__ = ["ENGINE_ERRORS", "connect", "one_line"]

T = TypeVar("T")
# The SDK is untyped; these names say what a value is where the type cannot.
Client = Any
Container = Any


def labels(run_id: str, service: str | None = None) -> dict[str, str]:
    found = {RUN_LABEL: run_id}
    if service is not None:
        found[SERVICE_LABEL] = service
    return found


def run_filter(run_id: str | None) -> dict[str, str]:
    """The engine's filter for one run's objects, or (None) every run's."""
    return {"label": RUN_LABEL if run_id is None else f"{RUN_LABEL}={run_id}"}


def in_parallel(action: Callable[[T], object], items: Iterable[T]) -> None:
    """Run ``action`` on every item at once (engine calls wait on the daemon, not on us);
    the first exception is raised once all have finished."""
    items = list(items)
    if not items:
        return
    with ThreadPoolExecutor(max_workers=min(16, len(items))) as pool:
        futures = [pool.submit(action, item) for item in items]
    for future in futures:
        future.result()


def quietly(action: Callable[[], object]) -> None:
    """An engine call whose target may already be gone (removed, stopped): not an error."""
    try:
        action()
    except NotFound:
        return
    except APIError as exc:
        if exc.status_code in (304, 404, 409):  # already stopped, gone, or being removed
            return
        raise


@dataclass
class Swept:
    """What a sweep removed."""

    containers: list[str]
    networks: list[str]
    volumes: list[str]

    def __bool__(self) -> bool:
        return bool(self.containers or self.networks or self.volumes)


def sweep(client: Client, run_id: str | None = None) -> Swept:
    """Remove the run's (or every run's) containers, then networks, then volumes.

    Containers go first and together (a network with a container attached cannot
    go); ``force`` kills a running or paused one on the way.
    """
    found = run_filter(run_id)
    containers = client.containers.list(all=True, filters=found)
    in_parallel(lambda c: quietly(partial(c.remove, force=True, v=True)), containers)
    networks = client.networks.list(filters=found)
    for network in networks:
        _remove_network(network)
    volumes = client.volumes.list(filters=found)
    for volume in volumes:
        quietly(partial(volume.remove, force=True))
    return Swept(
        [c.name for c in containers], [n.name for n in networks], [v.name for v in volumes]
    )


def _remove_network(network: Any) -> None:
    # A container removed a moment ago may still be detaching from the network.
    for _attempt in range(20):
        try:
            network.remove()
            return
        except NotFound:
            return
        except APIError as exc:
            if "active endpoints" not in one_line(exc):
                raise
            time.sleep(0.1)
    raise TopologyError(f"network {network.name}: still has containers attached")


def sweep_engine(run_id: str | None = None) -> Swept | None:
    """``sweep`` on the engine, if one answers; None where none does (a machine
    without Docker has nothing to sweep)."""
    try:
        client = connect(timeout=60.0)
    except EngineUnavailable:
        return None
    try:
        return sweep(client, run_id)
    except ENGINE_ERRORS as exc:
        raise TopologyError(f"docker cleanup: {one_line(exc)}") from None
    finally:
        client.close()


@contextmanager
def engine_errors(what: str) -> Iterator[None]:
    """The engine's refusals and a connection lost midway, as one ``TopologyError`` line."""
    try:
        yield
    except ENGINE_ERRORS as exc:
        raise TopologyError(f"{what}: {one_line(exc)}") from None
