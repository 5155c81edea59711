"""``python -m services.gate``: the pre-trade risk gate."""

from __future__ import annotations

import argparse
from pathlib import Path

from services.gate.core import GateCore
from services.gate.service import GateService
from services.net.runtime import clock_from_args, common_parser, run
from services.risk.feeds import parse_endpoint
from services.risk.profiles import PROFILES, SettingsError, load_settings


def _parser() -> argparse.ArgumentParser:
    p = common_parser("python -m services.gate", "Pre-trade risk gate in front of the exchange.")
    p.add_argument("--orders-port", type=int, default=0, help="port routers log on to (0: any)")
    p.add_argument("--exchange", required=True, help="HOST:PORT of the exchange orders port")
    p.add_argument("--marketdata", help="HOST:PORT of the exchange market-data port")
    p.add_argument("--alerts", help="HOST:PORT of the alert bus admin port")
    p.add_argument("--profile", choices=sorted(PROFILES), default="modern")
    p.add_argument("--controls", type=Path, help="JSON or YAML file of control overrides")
    return p


def main() -> None:
    args = _parser().parse_args()
    try:
        exchange = parse_endpoint(args.exchange, "--exchange")
        marketdata = parse_endpoint(args.marketdata, "--marketdata") if args.marketdata else None
        alerts = parse_endpoint(args.alerts, "--alerts") if args.alerts else None
        settings = load_settings(args.profile, args.controls)
    except (ValueError, SettingsError) as exc:
        raise SystemExit(f"gate: {exc}") from None
    clock = clock_from_args(args)

    async def start() -> GateService:
        service = GateService(GateCore(settings), clock, exchange, marketdata, alerts)
        return await service.start(args.host, args.orders_port, args.admin_port)

    run("gate", start)


if __name__ == "__main__":
    main()
