"""The containers of a Docker topology, planned from the one topology (``harness.topology``).

Every service of ``plan_topology`` becomes one container on a private bridge
network, reachable there by its service name (a network alias: ``exchange``,
``router-3``) on fixed ports, so two runs never collide inside their networks
and the addresses in a container's command line are the same in every run.
Links go through one more container, the Toxiproxy-compatible server
(``python -m services.toxiproxy``), whose proxies are created from a JSON file
at start, exactly where the local backend puts a proxy: a client dials
``toxiproxy:100NN`` and the proxy dials the server side, so the network
faults act on the same links by the same names.

The plan is pure data: the ``docker`` backend runs it through the Docker SDK
and ``compose_file`` writes it as ``compose/knight.yml``; a ``Layout`` says
where each puts the run's files (bind mounts of the run directory, or named
volumes), which is all that differs between them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from harness.topology import (
    CLOCK_FILE,
    LinkPlan,
    ServicePlan,
    TopologySettings,
    outside_links,
    plan_links,
    plan_topology,
    resolve_args,
)

RUN_LABEL = "gameday.run"
SERVICE_LABEL = "gameday.service"
PROXY = "toxiproxy"
"""The proxy server's container (its network alias and ``gameday.service`` label)."""
PROXY_API_PORT = 8474
FIRST_LINK_PORT = 10001
PORTS = {"admin": 8080, "orders": 9001, "dropcopy": 9002, "marketdata": 9003, "ssh": 2222}
"""The port each service listens on for each port name, inside its own container."""
FILES = "/gameday"
"""Where a container finds the run's files (the clock, the keys, a router's builds)."""
PROXIES_FILE = "proxies.json"


@dataclass(frozen=True)
class Mount:
    """A host path (``bind``) or a named volume (``volume``) seen at ``target``."""

    kind: Literal["bind", "volume"]
    source: str
    target: str
    read_only: bool = False


@dataclass(frozen=True)
class LinkRoute:
    """Where one link's client connects inside the network, and what the proxy dials."""

    link: LinkPlan
    listen: str
    """``toxiproxy:100NN`` through the proxy, the server's own address when direct."""
    upstream: str
    proxy: str | None = None
    """The proxy's name on the server; None when the link is direct."""
    port: int | None = None
    """The proxy's port inside the proxy container."""


@dataclass(frozen=True)
class ContainerPlan:
    """One container of the topology: a service, or the proxy server."""

    service: str
    tier: int
    command: tuple[str, ...]
    ports: dict[str, int]
    """Port name to port inside the container; each is published on 127.0.0.1."""
    health: tuple[str, str]
    """The port name and HTTP path that answer once the container is ready."""
    mounts: tuple[Mount, ...] = ()


@dataclass(frozen=True)
class Layout:
    """Where containers find the run's files, and which drill-clock options they get.

    A ``{dir:KEY}`` of the topology is ``/gameday/KEY`` in every container;
    ``directory`` names the mount that holds it (one mount may hold several).
    """

    clock: tuple[str, ...]
    directory: Callable[[str], Mount]
    proxies: Mount
    clock_file: Mount | None = None


def run_layout(run_dir: Path, clock: list[str]) -> Layout:
    """A harness run: the run directory's files bind-mounted, the shared clock read-only.

    ``clock`` is ``clock_args(settings, epoch, f"{FILES}/clock")``: the path is the
    one inside the container.
    """

    def directory(key: str) -> Mount:
        return Mount("bind", str(run_dir / key), f"{FILES}/{key}")

    return Layout(
        clock=tuple(clock),
        directory=directory,
        proxies=Mount("bind", str(run_dir / PROXIES_FILE), f"{FILES}/{PROXIES_FILE}", True),
        clock_file=Mount("bind", str(run_dir / CLOCK_FILE), f"{FILES}/{CLOCK_FILE}", True),
    )


@dataclass(frozen=True)
class DockerPlan:
    """Every container in start order, every link's route, and the proxy server's file."""

    containers: list[ContainerPlan]
    routes: list[LinkRoute]
    proxies: list[dict[str, object]] = field(default_factory=list)

    def tiers(self) -> list[list[ContainerPlan]]:
        numbers = sorted({c.tier for c in self.containers})
        return [[c for c in self.containers if c.tier == n] for n in numbers]

    def container(self, service: str) -> ContainerPlan:
        return next(c for c in self.containers if c.service == service)


def proxy_name(link: str) -> str:
    """A link's proxy name: ``->`` and ``:`` spelled ``~`` and ``.`` (as on local, but
    without the run id: every run has a proxy server of its own)."""
    return link.replace("->", "~").replace(":", ".")


def route_links(settings: TopologySettings) -> list[LinkRoute]:
    """Every link's route; ports are numbered over every link the topology can have (the
    flow's too), so a link's port is the same with or without the flow."""
    wanted = {link.name for link in plan_links(settings)}
    every = plan_links(settings.model_copy(update={"flow": True}))
    routes = []
    for number, link in enumerate(every):
        if link.name not in wanted:
            continue
        upstream = f"{link.server}:{PORTS[link.port]}"
        if settings.netproxy == "off":
            routes.append(LinkRoute(link, listen=upstream, upstream=upstream))
            continue
        port = FIRST_LINK_PORT + number
        routes.append(
            LinkRoute(link, f"{PROXY}:{port}", upstream, proxy=proxy_name(link.name), port=port)
        )
    return routes


def _service_container(
    plan: ServicePlan, layout: Layout, address: dict[str, str], links: dict[str, str]
) -> ContainerPlan:
    mounts: list[Mount] = [layout.clock_file] if layout.clock_file else []
    directories: dict[str, str] = {}
    for kind, key in plan.placeholders():
        if kind == "dir":
            directories[key] = f"{FILES}/{key}"
            mount = layout.directory(key)
            if mount is not None and mount not in mounts:
                mounts.append(mount)
    listen = {name: PORTS[name] for name in plan.ports}
    args = resolve_args(plan, list(layout.clock), listen, address, directories, links)
    # Listening on every interface of the container: its only one is the run's network.
    command = ("python", "-m", f"services.{plan.module}", *args, "--host", "0.0.0.0")
    return ContainerPlan(plan.name, plan.tier, command, listen, ("admin", "/health"),
                         tuple(mounts))  # fmt: skip


def plan_containers(settings: TopologySettings, layout: Layout, seed: int) -> DockerPlan:
    """The containers of ``settings``' topology in start order, the proxy server first."""
    routes = route_links(settings)
    links = {r.link.name: r.listen for r in routes}
    containers: list[ContainerPlan] = []
    proxies: list[dict[str, object]] = []
    if settings.netproxy != "off":
        proxies = [
            {"name": r.proxy, "listen": f"0.0.0.0:{r.port}", "upstream": r.upstream,
             "enabled": True}
            for r in routes
        ]  # fmt: skip
        outside = {link.name for link in outside_links(settings)}
        ports = {"api": PROXY_API_PORT}
        # Only the links dialled from the host (the deploy tool's SSH) are published.
        ports |= {r.link.name: r.port for r in routes if r.link.name in outside and r.port}
        command = (
            "python", "-m", "services.toxiproxy", "--host", "0.0.0.0",
            "--port", str(PROXY_API_PORT), "--seed", str(seed),
            "--config", layout.proxies.target,
        )  # fmt: skip
        containers.append(ContainerPlan(PROXY, 0, command, ports, ("api", "/proxies"),
                                        (layout.proxies,)))  # fmt: skip
    plans = plan_topology(settings)
    # Inside the network a service is its name, on the fixed port of each port name.
    address = {f"{p.name}.{port}": f"{p.name}:{PORTS[port]}" for p in plans for port in p.ports}
    for plan in plans:
        containers.append(_service_container(plan, layout, address, links))
    return DockerPlan(containers, routes, proxies)
