"""``python -m services.flow``: seeded order flow to every router."""

from __future__ import annotations

import argparse
from pathlib import Path

from services.flow.core import FlowCore
from services.flow.plan import FlowParams, Instrument, build_plan
from services.flow.server import FlowService, fetch_universe, load_universe_file, parse_hostport
from services.net.runtime import clock_from_args, common_parser, run


def _parser() -> argparse.ArgumentParser:
    p = common_parser("python -m services.flow", "Seeded order flow: RLP and strategy parents.")
    p.add_argument("--routers", required=True, help="comma-separated HOST:PORT of router orders")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--exchange-admin", help="HOST:PORT of the exchange admin (symbols)")
    src.add_argument("--universe", type=Path, help="JSON file of {symbol, price}")
    d = FlowParams()
    p.add_argument("--rlp-parents", type=int, default=d.rlp_parents)
    p.add_argument("--rlp-start", default=d.rlp_start)
    p.add_argument("--rlp-end", default=d.rlp_end)
    p.add_argument("--rlp-per-min", type=float, default=d.rlp_per_min)
    p.add_argument("--strategy-per-min", type=float, default=d.strategy_per_min)
    p.add_argument("--flow-end", default=d.flow_end)
    p.add_argument("--scale", type=float, default=d.scale, help="multiplies every count")
    p.add_argument(
        "--rlp-flag", choices=("on", "off"), default="on",
        help="RLP parents carry the reused flag bit 3 (on: as on Knight's morning);"
        " switched at run time with POST /rlp-flag",
    )  # fmt: skip
    return p


def main() -> None:
    args = _parser().parse_args()
    try:
        routers = [parse_hostport(r) for r in args.routers.split(",") if r]
    except ValueError as exc:
        raise SystemExit(f"--routers: {exc}") from None
    clock = clock_from_args(args)
    params = FlowParams(
        rlp_parents=args.rlp_parents,
        rlp_start=args.rlp_start,
        rlp_end=args.rlp_end,
        rlp_per_min=args.rlp_per_min,
        strategy_per_min=args.strategy_per_min,
        flow_end=args.flow_end,
        scale=args.scale,
    )

    async def start() -> FlowService:
        universe: list[Instrument]
        if args.universe is not None:
            universe = load_universe_file(args.universe)
        else:
            universe = await fetch_universe(*parse_hostport(args.exchange_admin))
        plan = build_plan(params, universe, len(routers), args.seed)
        core = FlowCore(plan, len(routers), rlp_flagged=args.rlp_flag == "on")
        service = FlowService(core, routers, clock)
        return await service.start(args.host, args.admin_port)

    try:
        run("flow", start)
    except ValueError as exc:
        raise SystemExit(f"flow: {exc}") from None


if __name__ == "__main__":
    main()
