"""``gameday up``: bring the topology up, detached, and say where everything is."""

from __future__ import annotations

import json
import signal
import time
from types import FrameType

import click
from pydantic import ValidationError
from rich.table import Table

from harness.backends.registry import backend_named
from harness.cli.console import err, out
from harness.errors import UsageError
from harness.runstate import RunState
from harness.topology import TopologySettings


def _settings(**values: object) -> TopologySettings:
    try:
        return TopologySettings.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise UsageError(f"--{field.replace('_', '-')}: {first['msg']}") from None


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def services_table(state: RunState, alive: dict[str, bool] | None = None) -> Table:
    table = Table(title=f"{state.run_id} ({state.backend})", title_justify="left")
    for col in ("service", "pid", "ports", "state"):
        table.add_column(col)
    for name, rec in state.services.items():
        ports = " ".join(f"{k}={v}" for k, v in rec.ports.items())
        up = alive.get(name, True) if alive is not None else True
        table.add_row(name, str(rec.pid), ports, "[green]up[/]" if up else "[red]down[/]")
    return table


def links_table(state: RunState) -> Table:
    server = state.netproxy
    where = f"{server.kind} proxy on {server.host}:{server.port}" if server else "direct, no proxy"
    table = Table(title=f"links ({where})", title_justify="left")
    for col in ("link", "dial", "reaches"):
        table.add_column(col)
    for name, rec in state.links.items():
        table.add_row(name, rec.listen, f"{rec.server} {rec.upstream}")
    return table


@click.command()
@click.option(
    "--backend",
    default="local",
    show_default=True,
    help="Where to run: local (processes) or docker (containers).",
)
@click.option("--routers", default=8, show_default=True, help="Number of SMARS routers.")
@click.option(
    "--profile",
    type=click.Choice(["knight-2012", "modern"]),
    default="knight-2012",
    show_default=True,
    help="Risk controls profile.",
)
@click.option("--speed", default=1.0, show_default=True, help="Drill seconds per wall second.")
@click.option("--drill-start", default="08:00", show_default=True, help="Drill time at start.")
@click.option("--seed", default=1, show_default=True, help="Seed of every random choice.")
@click.option("--flow/--no-flow", default=True, show_default=True, help="Start the order flow.")
@click.option(
    "--netproxy",
    type=click.Choice(["auto", "embedded", "external", "off"]),
    default="auto",
    show_default=True,
    help="Proxy on every link (for network faults): auto is toxiproxy-server if installed,"
    " else the embedded one; external also takes noxious-server; off connects directly.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the topology and its links as JSON.")
def up(
    backend: str,
    routers: int,
    profile: str,
    speed: float,
    drill_start: str,
    seed: int,
    flow: bool,
    netproxy: str,
    as_json: bool,
) -> None:
    """Start the whole topology detached and wait until every service is healthy."""
    settings = _settings(
        routers=routers,
        profile=profile,
        speed=speed,
        drill_start=drill_start,
        seed=seed,
        flow=flow,
        netproxy=netproxy,
    )
    chosen = backend_named(backend)
    started = time.monotonic()
    # SIGTERM as Ctrl-C while bringing up: the backend takes down what it made so far.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        state = chosen.up(settings)
    finally:
        signal.signal(signal.SIGTERM, previous)
    took = time.monotonic() - started
    if as_json:
        out.print_json(json.dumps(state.summary()))
        return
    out.print(services_table(state))
    out.print(links_table(state))
    err.print(f"healthy in {took:.1f} s; stop it with: gameday down {state.run_id}")
