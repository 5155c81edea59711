"""What a fault may touch: the running system, seen through small interfaces.

Each backend provides a ``FaultContext``. Faults never reach for sockets,
processes or proxies themselves, so one fault class works on every backend:
the local backend implements ``NetworkControl`` with a Toxiproxy-compatible
proxy, a simulation with in-memory links.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

Stream = Literal["upstream", "downstream"]


class NetworkControl(Protocol):
    """The topology's named links (``router-8:ssh``, ``exchange->monitor:dropcopy``, ...)."""

    def links(self) -> list[str]:
        """Every link that can be faulted."""
        ...

    def add_toxic(
        self,
        link: str,
        toxic_type: str,
        stream: Stream,
        toxicity: float,
        attributes: Mapping[str, int],
    ) -> str:
        """Add a toxic; returns its name (for ``remove_toxic``)."""
        ...

    def remove_toxic(self, link: str, name: str) -> None: ...

    def set_enabled(self, link: str, enabled: bool) -> None:
        """Disabled: the link refuses new connections and drops live ones."""
        ...


class ProcessControl(Protocol):
    """The topology's service processes (or containers) by name."""

    def services(self) -> list[str]: ...

    def kill(self, service: str) -> None: ...

    def pause(self, service: str) -> None: ...

    def resume(self, service: str) -> None: ...

    def restart(self, service: str) -> None: ...


@runtime_checkable
class ServiceIsolation(Protocol):
    """A ``ProcessControl`` that can cut one service off the network as a whole.

    The ``docker`` backend's does: it disconnects the service's container from the
    run's network, so every connection to and from it goes, links or not. Without
    it a partition of a service cuts the links it dials and is dialled on.
    """

    def isolate(self, service: str) -> None: ...

    def rejoin(self, service: str) -> None: ...


class ScenarioControl(Protocol):
    """The morning's scripted operations that the Knight faults bend.

    ``deploy_exclusions`` are routers the scenario's deploy leaves out (a
    technician who forgot a server); ``registry_dir`` is the build registry
    whose ``previous`` a rollback uses; ``flow`` is the service name of the
    order flow, whose admin endpoint sets which flag bit RLP orders carry.
    """

    deploy_exclusions: set[str]
    registry_dir: Path
    flow: str


class FaultContext(Protocol):
    """Everything a fault may act on during one run."""

    run_id: str
    network: NetworkControl
    processes: ProcessControl
    scenario: ScenarioControl

    def admin(
        self, service: str, method: str, path: str, body: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """Call a service's admin endpoint; raises ``FaultError`` on failure."""
        ...
