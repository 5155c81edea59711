"""Command line: ``python -m services.toxiproxy [--host H] [--port P] [--seed N] [--config F]``."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from .config import VERSION, ServerConfig
from .server import ServerStartError, ToxiproxyService

_LEVELS = ("panic", "fatal", "error", "warn", "info", "debug", "trace")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m services.toxiproxy",
        description="Toxiproxy-compatible API server (HTTP API of Toxiproxy 2.12) on asyncio.",
    )
    # The single-dash spellings are those of toxiproxy-server, so scripts work with either.
    parser.add_argument("--host", "-host", default="127.0.0.1", help="API address (127.0.0.1)")
    parser.add_argument("--port", "-port", type=int, default=8474, help="API port (8474)")
    parser.add_argument(
        "--seed", "-seed", type=int, default=None, help="seed for toxicity, jitter and slicing"
    )
    parser.add_argument(
        "--config", "-config", type=Path, default=None, help="JSON array of proxies to create"
    )
    parser.add_argument(
        "--log-level",
        choices=_LEVELS,
        default=os.environ.get("LOG_LEVEL", "warn").lower(),
        help="log level (also LOG_LEVEL)",
    )
    parser.add_argument(
        "--version", "-version", action="version", version=f"toxiproxy-server version {VERSION}"
    )
    return parser.parse_args(argv)


def _log_level(name: str) -> int:
    mapping = {"panic": logging.CRITICAL, "fatal": logging.CRITICAL, "warn": logging.WARNING}
    mapping["trace"] = logging.DEBUG
    return mapping.get(name, getattr(logging, name.upper(), logging.WARNING))


async def _run(config: ServerConfig) -> None:
    service = ToxiproxyService(config)
    await service.start()
    # The ready line every service of this project prints, so process launchers can wait on it.
    ready = {
        "service": "toxiproxy",
        "ready": True,
        "pid": os.getpid(),
        "ports": {"api": service.port},
    }
    sys.stdout.write(json.dumps(ready) + "\n")
    sys.stdout.flush()
    print(f"toxiproxy API listening on http://{service.address}", file=sys.stderr, flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await service.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=_log_level(args.log_level), format="%(levelname)s %(name)s %(message)s"
    )
    config = ServerConfig(host=args.host, port=args.port, seed=args.seed, config_path=args.config)
    try:
        asyncio.run(_run(config))
    except ServerStartError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
