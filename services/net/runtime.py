"""How a service process starts, announces itself and stops.

Every ``python -m services.<name>`` shares these options: where to listen,
the drill clock (``--drill-start``, ``--speed``, ``--epoch``; every process of
a topology gets the same epoch so they agree on drill time, or ``--clock-file``,
a clock the harness can pause), a seed, and
``--admin-port``. Once listening, a service prints one JSON line on stdout,
``{"service": ..., "ready": true, "pid": ..., "ports": {...}}``, which is how
a launcher that asked for port 0 learns the ports. SIGTERM and SIGINT stop it
cleanly.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Any, Protocol

from services.clock import Clock, ScaledClock, SharedClock, parse_hhmm


class RunningService(Protocol):
    """What a service's ``start`` returns: its bound ports and a way to stop."""

    ports: dict[str, int]

    async def stop(self) -> None: ...


def common_parser(prog: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--admin-port", type=int, default=0, help="JSON admin port (0: any)")
    parser.add_argument(
        "--drill-start", default="08:00", help="drill time of day at --epoch (HH:MM[:SS])"
    )
    parser.add_argument("--speed", type=float, default=1.0, help="drill seconds per wall second")
    parser.add_argument(
        "--epoch", type=float, default=None, help="wall time (Unix s) of --drill-start; now"
    )
    parser.add_argument(
        "--clock-file",
        type=Path,
        default=None,
        help="a run's shared clock file (can be paused); overrides --drill-start/--speed/--epoch",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed for every random choice")
    return parser


def clock_from_args(args: argparse.Namespace) -> Clock:
    if args.clock_file is not None:
        try:
            return SharedClock(args.clock_file)
        except (OSError, ValueError) as exc:
            raise SystemExit(f"--clock-file: cannot map {args.clock_file}: {exc}") from None
    try:
        start = parse_hhmm(args.drill_start)
    except ValueError as exc:
        raise SystemExit(f"--drill-start: {exc}") from None
    if args.speed <= 0:
        raise SystemExit(f"--speed: expected a positive number, got {args.speed}")
    return ScaledClock(start, speed=args.speed, epoch=args.epoch)


def announce(service: str, ports: dict[str, int]) -> None:
    line = {"service": service, "ready": True, "pid": os.getpid(), "ports": ports}
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


async def serve_until_signalled(
    service: str, start: Callable[[], Awaitable[RunningService]]
) -> None:
    """Start, announce, wait for SIGTERM/SIGINT, stop."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    running = await start()
    announce(service, running.ports)
    await stop.wait()
    await running.stop()


def event_loop_runner() -> Callable[[Coroutine[Any, Any, None]], None]:
    """``uvloop.run`` when uvloop is installed (much less per-message overhead), else asyncio."""
    if os.environ.get("GAMEDAY_LOOP", "uvloop") == "uvloop":
        try:
            import uvloop
        except ImportError:
            pass
        else:
            runner: Callable[[Coroutine[Any, Any, None]], None] = uvloop.run
            return runner
    return asyncio.run


def run(service: str, start: Callable[[], Awaitable[RunningService]]) -> None:
    """Entry point for ``python -m services.<name>``: exit 0 on a clean stop."""
    try:
        event_loop_runner()(serve_until_signalled(service, start))
    except OSError as exc:
        sys.stderr.write(f"{service}: cannot start: {exc}\n")
        raise SystemExit(1) from None
