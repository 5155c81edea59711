"""A full Knight morning in the simulated world alone: prints one JSON object.

The morning of the knight-2012 drill, scripted here without the runner:
eight routers on 2003.1; at 08:00:30 a legacy deploy of 2012.07 that leaves
router-8 out; from then on RLP parents carry the reused flag bit (212 of them
before the open at scale 1); router-8 runs Power Peg from 09:30; at 09:50 the
responders roll every router back to 2003.1, which spreads Power Peg to all
eight; the kill switch is thrown at 10:15. Controls: knight-2012 (nothing
automatic). The world runs to 10:20.

Figures: wall and CPU seconds, drill seconds, the exchange's executions and
shares, the unintended (33 account) executions and shares, events processed
and events per wall second, and ``sec``: the runaway in the SEC's columns as
the report computes them (the runner's ``Observer``: executions, shares,
stocks, net long and short dollars and stocks, loss, duration), each with its
ratio to the SEC figure at the bench's scale (``docs/calibration.md``).

Run: ``python bench/sim.py [--scale 1] [--seed 1] [--profile knight-2012] [--end 10:20]``.
Figures are recorded in ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.bus import Bus
from harness.runner.observer import Observer
from harness.scoring.grade import SEC_FIGURES
from harness.sim import SimWorld
from harness.topology import TopologySettings
from services.clock import parse_hhmm


def morning(world: SimWorld) -> None:
    """Queue the morning's script on the world's clock."""
    good = [r for r in world.routers if r != "router-8"]

    def deploy() -> None:
        world.deploy("2012.07", "legacy", good)
        world.admin("flow", "POST", "/rlp-flag", {"on": True})

    def rollback() -> None:
        world.rollback(None, "legacy")

    def kill() -> None:
        world.admin("gate", "POST", "/kill", {"reason": "SMARS shut down", "by": "desk"})

    world.schedule(parse_hhmm("08:00:30"), deploy)
    world.schedule(parse_hhmm("09:50"), rollback)
    world.schedule(parse_hhmm("10:15"), kill)


def unintended(world: SimWorld) -> tuple[int, int]:
    positions = world.admin("monitor", "GET", "/positions")["positions"]
    rows = [row for row in positions if row["account"] == "33"]
    executions = sum(int(row["executions"]) for row in rows)
    shares = sum(int(row["bought"]) + int(row["sold"]) for row in rows)
    return executions, shares


def sec_figures(world: SimWorld, scale: float) -> dict[str, dict[str, float | None]]:
    """The runaway in the SEC's columns, each ``{"simulated", "ratio"}`` at ``scale``."""
    measured = Observer(world, Bus(), set()).measure()
    if measured is None:
        return {}
    positions = [p for p in measured.positions if p.executions or p.shares or p.net_shares]
    longs = [p.net_usd for p in positions if p.net_usd > 0]
    shorts = [-p.net_usd for p in positions if p.net_usd < 0]
    span = None
    if measured.first_us is not None and measured.last_us is not None:
        span = (measured.last_us - measured.first_us) / 1e6
    simulated: dict[str, float | None] = {
        "executions": measured.executions,
        "shares": measured.shares,
        "symbols": len(positions),
        "net_long_usd": round(sum(longs), 2),
        "net_long_symbols": len(longs),
        "net_short_usd": round(sum(shorts), 2),
        "net_short_symbols": len(shorts),
        "loss_usd": measured.loss_usd,
        "duration_s": span,
    }
    out: dict[str, dict[str, float | None]] = {}
    for fig in SEC_FIGURES:
        value = simulated[fig.key]
        reference = fig.value * scale if fig.extensive else fig.value
        ratio = None if value is None else round(value / reference, 3)
        out[fig.key] = {"simulated": value, "ratio": ratio}
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--profile", choices=("knight-2012", "modern"), default="knight-2012")
    p.add_argument("--end", default="10:20", help="drill time to run to (HH:MM)")
    args = p.parse_args()
    settings = TopologySettings(
        routers=8,
        profile=args.profile,
        drill_start="08:00",
        seed=args.seed,
        scale=args.scale,
        flow=True,
        rlp_flag=False,
        netproxy="off",
    )
    with tempfile.TemporaryDirectory(prefix="gameday-bench-sim-") as tmp:
        gc.collect()
        started = time.perf_counter()
        cpu_started = time.process_time()
        world = SimWorld(settings, Path(tmp) / "run")
        morning(world)
        world.run_until(parse_hhmm(args.end))
        wall = time.perf_counter() - started
        # CPU seconds as well: on a shared machine wall time also counts others' load.
        cpu = time.process_time() - cpu_started
        exchange = world.admin("exchange", "GET", "/stats")
        executions, shares = unintended(world)
        sec = sec_figures(world, args.scale)
        drill_s = (world.now() - parse_hhmm(settings.drill_start)) / 1e6
        result: dict[str, Any] = {
            "benchmark": "sim",
            "scale": args.scale,
            "seed": args.seed,
            "profile": args.profile,
            "wall_s": round(wall, 2),
            "cpu_s": round(cpu, 2),
            "drill_s": drill_s,
            "executions": exchange["executions"],
            "shares": exchange["shares"],
            "unintended_executions": executions,
            "unintended_shares": shares,
            "events": world.events,
            "events_per_s": round(world.events / wall),
            "executions_per_s": round(exchange["executions"] / wall),
            "sec": sec,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        }
        world.close()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
