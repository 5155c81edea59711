"""The system under test, described once for every backend.

A topology is a list of ``ServicePlan``s: which ``services.<module>`` to run,
in which start tier, with which arguments. Arguments may hold placeholders
that a backend resolves when it starts the service:

- ``{listen:NAME}`` the port this service listens on for NAME (0 locally: any),
- ``{addr:SERVICE.NAME}`` the address HOST:PORT of another service's port,
- ``{link:LINK}`` the address to dial for a named link (see below),
- ``{dir:SUB}`` a directory of this run's state (keys, builds),
- ``{clock}`` is expanded to the shared drill-clock options.

The local backend resolves addresses to 127.0.0.1 ports read from ready lines;
the Docker backend resolves them to container names and fixed ports. Both work
from the same plans, so the topologies cannot drift apart.

Links are the connections a network fault may cut or slow down. Each has a
name (``router-3->gate``, ``exchange->monitor:dropcopy``, ``router-3:ssh``),
a server side (a service's port) and a client (the service that dials it, or
``deploy`` for the SSH deploy tool, which runs outside the topology). A
backend resolves ``{link:LINK}`` either to the server's address or to a proxy
listening in between; without a table of proxies, to the server's address.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.clock import parse_hhmm
from services.router.builds import KNOWN_BUILDS

Profile = Literal["knight-2012", "modern"]
NetProxyMode = Literal["embedded", "external", "auto", "off"]
_PLACEHOLDER = re.compile(r"\{(listen|addr|dir|link):([A-Za-z0-9_./:>\-]+)\}")
DEPLOY = "deploy"
"""The client of the ``router-N:ssh`` links: the deploy tool, outside the topology."""


class TopologySettings(BaseModel):
    """What to bring up. Field names are the CLI's option names."""

    model_config = ConfigDict(extra="forbid")

    routers: int = Field(8, ge=1, le=32, description="number of SMARS routers")
    profile: Profile = Field("knight-2012", description="risk controls profile")
    drill_start: str = Field("08:00", description="drill time of day at start (HH:MM)")
    speed: float = Field(1.0, gt=0, le=10_000, description="drill seconds per wall second")
    seed: int = Field(1, ge=0, description="seed of every random choice")
    symbols: int = Field(154, ge=1, le=2000, description="symbols listed on the exchange")
    scale: float = Field(1.0, gt=0, le=100, description="order-flow volume multiplier")
    initial_build: str = Field("2003.1", description="build every router runs at start")
    flow: bool = Field(True, description="start the order flow with the topology")
    power_peg_interval_ms: int = Field(
        70,
        ge=1,
        le=600_000,
        description="drill time between Power Peg's child orders (docs/calibration.md)",
    )
    rlp_flag: bool = Field(
        True, description="RLP orders carry flag bit 3 from the start (drills switch it on)"
    )
    netproxy: NetProxyMode = Field(
        "auto",
        description="proxy on every link: embedded, external (toxiproxy-server, else"
        " noxious-server), auto (toxiproxy-server if installed, else embedded), off (direct)",
    )

    @field_validator("initial_build")
    @classmethod
    def _known_build(cls, value: str) -> str:
        if value not in KNOWN_BUILDS:
            raise ValueError(f"expected one of {', '.join(KNOWN_BUILDS)}")
        return value

    @field_validator("drill_start")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        parse_hhmm(value)
        return value


@dataclass(frozen=True)
class LinkPlan:
    """A connection a network fault can act on: ``client`` dials ``server``'s ``port``."""

    name: str
    client: str
    server: str
    port: str

    @property
    def target(self) -> str:
        """The ``SERVICE.PORT`` key of the server side, as in ``{addr:...}``."""
        return f"{self.server}.{self.port}"


@dataclass(frozen=True)
class ServicePlan:
    """One process of the topology, and the links it dials."""

    name: str
    module: str
    tier: int
    args: tuple[str, ...]
    ports: tuple[str, ...]
    links: tuple[LinkPlan, ...] = ()

    def placeholders(self) -> list[tuple[str, str]]:
        return [(m.group(1), m.group(2)) for a in self.args for m in _PLACEHOLDER.finditer(a)]


def router_names(settings: TopologySettings) -> list[str]:
    return [f"router-{i}" for i in range(1, settings.routers + 1)]


def plan_topology(settings: TopologySettings) -> list[ServicePlan]:
    """Every service of the topology in start order (tier by tier)."""
    common = ("{clock}", "--seed", str(settings.seed), "--admin-port", "{listen:admin}")
    plans = [
        ServicePlan(
            "exchange",
            "exchange",
            0,
            (
                *common,
                "--orders-port", "{listen:orders}",
                "--dropcopy-port", "{listen:dropcopy}",
                "--marketdata-port", "{listen:marketdata}",
                "--symbols", str(settings.symbols),
            ),
            ("orders", "dropcopy", "marketdata", "admin"),
        ),
        ServicePlan("alerts", "alerts", 0, common, ("admin",)),
        ServicePlan(
            "gate",
            "gate",
            1,
            (
                *common,
                "--orders-port", "{listen:orders}",
                "--exchange", "{link:gate->exchange}",
                "--marketdata", "{link:exchange->gate:marketdata}",
                "--alerts", "{addr:alerts.admin}",
                "--profile", settings.profile,
            ),
            ("orders", "admin"),
            (
                LinkPlan("gate->exchange", "gate", "exchange", "orders"),
                LinkPlan("exchange->gate:marketdata", "gate", "exchange", "marketdata"),
            ),
        ),
        ServicePlan(
            "monitor",
            "monitor",
            2,
            (
                *common,
                "--dropcopy", "{link:exchange->monitor:dropcopy}",
                "--marketdata", "{link:exchange->monitor:marketdata}",
                "--gate-admin", "{link:monitor->gate:admin}",
                "--alerts", "{addr:alerts.admin}",
                "--profile", settings.profile,
            ),
            ("admin",),
            (
                LinkPlan("exchange->monitor:dropcopy", "monitor", "exchange", "dropcopy"),
                LinkPlan("exchange->monitor:marketdata", "monitor", "exchange", "marketdata"),
                LinkPlan("monitor->gate:admin", "monitor", "gate", "admin"),
            ),
        ),
    ]  # fmt: skip
    for name in router_names(settings):
        plans.append(
            ServicePlan(
                name,
                "router",
                2,
                (
                    *common,
                    "--name", name,
                    "--orders-port", "{listen:orders}",
                    "--ssh-port", "{listen:ssh}",
                    "--gate", "{link:" + name + "->gate}",
                    "--alerts", "{addr:alerts.admin}",
                    "--keys", "{dir:keys}",
                    "--build-dir", "{dir:builds/" + name + "}",
                    "--initial-build", settings.initial_build,
                    "--power-peg-interval-ms", str(settings.power_peg_interval_ms),
                ),
                ("orders", "ssh", "admin"),
                (LinkPlan(f"{name}->gate", name, "gate", "orders"),),
            )
        )  # fmt: skip
    if settings.flow:
        routers = ",".join("{link:flow->" + n + "}" for n in router_names(settings))
        plans.append(
            ServicePlan(
                "flow",
                "flow",
                3,
                (
                    *common,
                    "--routers", routers,
                    "--exchange-admin", "{addr:exchange.admin}",
                    "--scale", str(settings.scale),
                    "--rlp-flag", "on" if settings.rlp_flag else "off",
                ),
                ("admin",),
                tuple(LinkPlan(f"flow->{n}", "flow", n, "orders") for n in router_names(settings)),
            )
        )  # fmt: skip
    return plans


def outside_links(settings: TopologySettings) -> list[LinkPlan]:
    """Links dialled from outside the topology: the deploy tool's SSH to each router."""
    return [LinkPlan(f"{n}:ssh", DEPLOY, n, "ssh") for n in router_names(settings)]


def plan_links(settings: TopologySettings) -> list[LinkPlan]:
    """Every link of the topology: those its services dial, then the deploy tool's."""
    dialled = [link for plan in plan_topology(settings) for link in plan.links]
    return dialled + outside_links(settings)


CLOCK_FILE = "clock"


def clock_args(
    settings: TopologySettings, epoch: float, clock_file: str | None = None
) -> list[str]:
    """The drill-clock options every service of one run shares.

    With ``clock_file`` the services read drill time from the run's shared clock
    (which the harness can pause); the epoch stays on the command line all the same,
    because it is how a run's processes are told apart from any other's.
    """
    args = [
        "--drill-start", settings.drill_start,
        "--speed", repr(settings.speed),
        "--epoch", repr(epoch),
    ]  # fmt: skip
    if clock_file is not None:
        args += ["--clock-file", clock_file]
    return args


def resolve_args(
    plan: ServicePlan,
    clock: list[str],
    listen: Mapping[str, int],
    address: Mapping[str, str],
    directory: Mapping[str, str],
    links: Mapping[str, str] | None = None,
) -> list[str]:
    """Expand placeholders; a reference to an unknown port is a programming error.

    ``links`` maps link names to the address to dial (a proxy's); a link it
    does not list is dialled directly, at its server's address.
    """
    direct = {link.name: address[link.target] for link in plan.links if link.target in address}
    link_table = {**direct, **(links or {})}

    def sub(match: re.Match[str]) -> str:
        kind, key = match.group(1), match.group(2)
        tables: dict[str, Mapping[str, int] | Mapping[str, str]] = {
            "listen": listen,
            "addr": address,
            "dir": directory,
            "link": link_table,
        }
        table = tables[kind]
        if key not in table:
            raise KeyError(f"{plan.name}: no value for {{{kind}:{key}}}")
        return str(table[key])

    out: list[str] = []
    for arg in plan.args:
        if arg == "{clock}":
            out += clock
        else:
            out.append(_PLACEHOLDER.sub(sub, arg))
    return out
