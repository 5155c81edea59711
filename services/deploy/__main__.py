"""``python -m services.deploy``: deploy, roll back, or query the routers' builds.

stdout gets the JSON report (one line), stderr one line for a person. Exit
status: 0 the run succeeded (always, in legacy mode), 1 it failed, 2 usage or
configuration error (no registry, unknown build, bad host list, missing keys).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from services.deploy.deploy import (
    DEFAULT_COMMAND_TIMEOUT,
    DEFAULT_CONNECT_TIMEOUT,
    deploy,
    fleet_status,
    rollback,
)
from services.deploy.report import DeployReport, HostSpec
from services.router.builds import KNOWN_BUILDS, BuildError
from services.router.registry import BuildRegistry
from services.sshkeys import KeyFileError, load_keys

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m services.deploy",
        description="Push a build to every router over SSH and activate it.",
    )
    p.add_argument("--registry", type=Path, required=True, help="build registry directory")
    p.add_argument("--keys", type=Path, help="topology SSH key directory")
    p.add_argument(
        "--host", action="append", default=[], metavar="NAME=HOST:PORT",
        help="a router's SSH endpoint (repeat for each router)",
    )  # fmt: skip
    p.add_argument("--hosts", default="", help="comma-separated NAME=HOST:PORT list")
    p.add_argument("--mode", choices=("legacy", "verified"), default="verified")
    p.add_argument("--canary", type=int, default=0, help="hosts to deploy and verify first")
    p.add_argument(
        "--timeout", type=float, default=DEFAULT_CONNECT_TIMEOUT,
        help="seconds to connect and log in to one host",
    )  # fmt: skip
    p.add_argument(
        "--command-timeout", type=float, default=DEFAULT_COMMAND_TIMEOUT,
        help="seconds one management command may take",
    )  # fmt: skip
    sub = p.add_subparsers(dest="command", required=True)
    d = sub.add_parser("deploy", help="deploy VERSION (default: the registry's current)")
    d.add_argument("version", nargs="?")
    sub.add_parser("rollback", help="deploy the registry's previous build")
    sub.add_parser("status", help="report every host's active build")
    init = sub.add_parser("init-registry", help="create a registry with the generated builds")
    init.add_argument("--current", default="2003.1", help="build recorded as current")
    return p


def _hosts(args: argparse.Namespace) -> list[HostSpec]:
    entries = list(args.host) + [h for h in args.hosts.split(",") if h]
    return [HostSpec.parse(entry) for entry in entries]


def _emit(report: DeployReport) -> int:
    sys.stdout.write(report.model_dump_json() + "\n")
    sys.stdout.flush()
    sys.stderr.write(report.message + "\n")
    return EXIT_OK if report.ok else EXIT_FAILED


def _usage(text: str) -> int:
    sys.stderr.write(f"deploy: error: {text}\n")
    return EXIT_USAGE


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "init-registry":
        try:
            registry = BuildRegistry.create(
                args.registry, tuple(KNOWN_BUILDS), current=args.current
            )
        except (BuildError, OSError) as exc:
            return _usage(str(exc))
        sys.stdout.write(registry.state.model_dump_json() + "\n")
        return EXIT_OK
    try:
        hosts = _hosts(args)
        if not hosts:
            raise ValueError("no hosts: give --host NAME=HOST:PORT (or --hosts)")
        if args.timeout <= 0 or args.command_timeout <= 0:
            raise ValueError("timeouts must be positive")
        if args.keys is None:
            raise ValueError("--keys is required")
        keys = load_keys(args.keys)
        if args.command == "status":
            report = asyncio.run(fleet_status(hosts, keys, args.timeout, args.command_timeout))
            return _emit(report)
        registry = BuildRegistry(args.registry)
        if args.command == "rollback":
            report = asyncio.run(
                rollback(
                    registry, hosts, keys, args.mode, args.canary,
                    args.timeout, args.command_timeout,
                )
            )  # fmt: skip
        else:
            version = args.version or registry.state.current
            if version is None:
                raise ValueError("no VERSION given and the registry has no current build")
            report = asyncio.run(
                deploy(
                    registry, version, hosts, keys, args.mode, args.canary,
                    args.timeout, args.command_timeout,
                )
            )  # fmt: skip
    except (ValueError, BuildError, KeyFileError) as exc:
        return _usage(str(exc))
    return _emit(report)


if __name__ == "__main__":
    raise SystemExit(main())
