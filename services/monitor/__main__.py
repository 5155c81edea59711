"""``python -m services.monitor``: the post-trade risk monitor."""

from __future__ import annotations

import argparse
from pathlib import Path

from services.monitor.core import MonitorCore
from services.monitor.service import MonitorService
from services.net.runtime import clock_from_args, common_parser, run
from services.risk.feeds import parse_endpoint
from services.risk.profiles import PROFILES, SettingsError, load_settings


def _parser() -> argparse.ArgumentParser:
    p = common_parser(
        "python -m services.monitor", "Post-trade risk monitor fed by drop copy and market data."
    )
    p.add_argument("--dropcopy", help="HOST:PORT of the exchange drop-copy port")
    p.add_argument("--marketdata", help="HOST:PORT of the exchange market-data port")
    p.add_argument("--gate-admin", help="HOST:PORT of the gate's admin port (kill switch)")
    p.add_argument("--alerts", help="HOST:PORT of the alert bus admin port")
    p.add_argument("--profile", choices=sorted(PROFILES), default="modern")
    p.add_argument("--controls", type=Path, help="JSON or YAML file of control overrides")
    p.add_argument(
        "--sessions", default="*", help="glob of the firm's order sessions in the drop copy"
    )
    return p


def main() -> None:
    args = _parser().parse_args()
    try:
        endpoints = {
            name: parse_endpoint(value, f"--{name.replace('_', '-')}") if value else None
            for name, value in (
                ("dropcopy", args.dropcopy),
                ("marketdata", args.marketdata),
                ("gate_admin", args.gate_admin),
                ("alerts", args.alerts),
            )
        }
        settings = load_settings(args.profile, args.controls)
    except (ValueError, SettingsError) as exc:
        raise SystemExit(f"monitor: {exc}") from None
    clock = clock_from_args(args)

    async def start() -> MonitorService:
        core = MonitorCore(settings, sessions=args.sessions)
        service = MonitorService(core, clock, **endpoints)
        return await service.start(args.host, args.admin_port)

    run("monitor", start)


if __name__ == "__main__":
    main()
