"""``python -m services.router``: one SMARS router process."""

from __future__ import annotations

import argparse
from pathlib import Path

from services.net.runtime import clock_from_args, common_parser, run
from services.router.builds import BuildError
from services.router.core import RouterConfig, RouterCore
from services.router.power_peg import PowerPegSettings
from services.router.server import RouterService
from services.router.slicing import SlicingSettings
from services.router.store import BuildStore
from services.sshkeys import KeyFileError, ensure_keys


def parse_hostport(text: str, option: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise SystemExit(f"{option}: expected HOST:PORT, got {text!r}")
    return host or "127.0.0.1", int(port)


def _parser() -> argparse.ArgumentParser:
    p = common_parser("python -m services.router", "SMARS order router with SSH management.")
    pp = PowerPegSettings()
    sl = SlicingSettings()
    p.add_argument("--name", default="router-1", help="LOGON name towards the gate")
    p.add_argument("--orders-port", type=int, default=0, help="strategies' port (0: any)")
    p.add_argument("--ssh-port", type=int, default=0, help="SSH management port (0: any)")
    p.add_argument("--gate", help="HOST:PORT of the risk gate's orders port")
    p.add_argument("--alerts", help="HOST:PORT of the alert bus admin")
    p.add_argument("--keys", type=Path, required=True, help="topology SSH key directory")
    p.add_argument("--build-dir", type=Path, required=True, help="this router's builds")
    p.add_argument(
        "--initial-build", default="2003.1", help="build to run if none was activated yet"
    )
    p.add_argument(
        "--power-peg-interval-ms", type=float, default=pp.interval_us / 1000,
        help="drill ms between Power Peg children",
    )  # fmt: skip
    p.add_argument("--power-peg-child-qty", type=int, default=pp.child_qty)
    p.add_argument(
        "--power-peg-offset-bps", type=int, default=pp.offset_bps,
        help="Power Peg limit this far through the last fill (basis points)",
    )  # fmt: skip
    p.add_argument(
        "--max-child-qty", type=int, default=sl.max_child_qty,
        help="largest normal-path child (0: the whole open quantity)",
    )  # fmt: skip
    p.add_argument(
        "--retry-ms", type=float, default=sl.retry_us / 1000,
        help="drill ms before a DAY parent re-sends after its child ended unfilled",
    )  # fmt: skip
    p.add_argument(
        "--gate-backoff-max", type=float, default=2.0, help="longest wait between reconnects (s)"
    )
    return p


def main() -> None:
    args = _parser().parse_args()
    clock = clock_from_args(args)
    try:
        power_peg = PowerPegSettings(
            interval_us=round(args.power_peg_interval_ms * 1000),
            child_qty=args.power_peg_child_qty,
            offset_bps=args.power_peg_offset_bps,
        )
    except ValueError as exc:
        raise SystemExit(f"router: {exc}") from None
    if args.max_child_qty < 0 or args.retry_ms <= 0:
        raise SystemExit("router: --max-child-qty must be >= 0 and --retry-ms positive")
    slicing = SlicingSettings(args.max_child_qty, round(args.retry_ms * 1000))
    gate = parse_hostport(args.gate, "--gate") if args.gate else None
    alerts = parse_hostport(args.alerts, "--alerts") if args.alerts else None
    try:
        keys = ensure_keys(args.keys)
        store = BuildStore(args.build_dir)
        build = store.startup_build(args.initial_build)
    except (KeyFileError, BuildError, OSError) as exc:
        raise SystemExit(f"router {args.name}: {exc}") from None
    config = RouterConfig(args.name, power_peg, slicing)

    async def start() -> RouterService:
        core = RouterCore(config, build.manifest)
        service = RouterService(
            core, clock, store, keys, gate, alerts, gate_max_backoff=args.gate_backoff_max
        )
        return await service.start(args.host, args.orders_port, args.ssh_port, args.admin_port)

    run("router", start)


if __name__ == "__main__":
    main()
