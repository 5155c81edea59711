"""``python -m services.exchange``: the exchange simulator as a process."""

from __future__ import annotations

import argparse

from pydantic import ValidationError

from services.exchange.config import ExchangeConfig, LiquidityParams
from services.exchange.core import ExchangeCore
from services.exchange.server import ExchangeServer
from services.exchange.sessions import Channel
from services.net.runtime import clock_from_args, common_parser, run


def _parser() -> argparse.ArgumentParser:
    p = common_parser(
        "python -m services.exchange",
        "Exchange simulator: price-time order books, liquidity providers, drop copy, "
        "market data. Prices move with order-flow imbalance (see docs/exchange.md).",
    )
    p.add_argument("--orders-port", type=int, default=0, help="order sessions (0: any)")
    p.add_argument("--dropcopy-port", type=int, default=0, help="drop-copy feed (0: any)")
    p.add_argument("--marketdata-port", type=int, default=0, help="market-data feed (0: any)")
    d = ExchangeConfig()
    lp = d.lp
    p.add_argument("--symbols", type=int, default=d.symbols, help="listed symbols")
    p.add_argument(
        "--md-interval-ms",
        type=float,
        default=d.md_interval_ms,
        help="at most one market-data update per symbol per this many drill ms",
    )
    p.add_argument(
        "--dup-window", type=int, default=d.dup_window, help="recent ids checked for duplicates"
    )
    g = p.add_argument_group("liquidity providers")
    g.add_argument("--lp-levels", type=int, default=lp.levels, help="levels per side (0: none)")
    g.add_argument(
        "--lp-lag-ms", type=float, default=lp.lag_ms, help="drill ms before a taken quote refills"
    )
    g.add_argument(
        "--lp-step-ms", type=float, default=lp.step_ms, help="drill ms between fair-value steps"
    )
    g.add_argument(
        "--impact",
        type=float,
        default=lp.impact,
        help="log-price move per day's volume of net aggressive flow",
    )
    g.add_argument(
        "--impact-half-life",
        type=float,
        default=lp.impact_half_life_s,
        help="drill s for price pressure to halve (0: never)",
    )
    g.add_argument("--lp-size-scale", type=float, default=lp.size_scale)
    g.add_argument("--lp-spread-scale", type=float, default=lp.spread_scale)
    g.add_argument("--vol-scale", type=float, default=lp.vol_scale)
    return p


_OPTIONS = {
    "symbols": "--symbols",
    "md_interval_ms": "--md-interval-ms",
    "dup_window": "--dup-window",
    "levels": "--lp-levels",
    "lag_ms": "--lp-lag-ms",
    "step_ms": "--lp-step-ms",
    "impact": "--impact",
    "impact_half_life_s": "--impact-half-life",
    "size_scale": "--lp-size-scale",
    "spread_scale": "--lp-spread-scale",
    "vol_scale": "--vol-scale",
}


def config_from_args(args: argparse.Namespace) -> ExchangeConfig:
    """The exchange's settings from parsed options; ``SystemExit`` naming a bad one."""
    try:
        return ExchangeConfig(
            symbols=args.symbols,
            seed=args.seed,
            md_interval_ms=args.md_interval_ms,
            dup_window=args.dup_window,
            lp=LiquidityParams(
                levels=args.lp_levels,
                lag_ms=args.lp_lag_ms,
                step_ms=args.lp_step_ms,
                impact=args.impact,
                impact_half_life_s=args.impact_half_life,
                size_scale=args.lp_size_scale,
                spread_scale=args.lp_spread_scale,
                vol_scale=args.vol_scale,
            ),
        )
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][-1]) if err["loc"] else "?"
        raise SystemExit(f"exchange: {_OPTIONS.get(field, field)}: {err['msg']}") from None


def main() -> None:
    args = _parser().parse_args()
    config = config_from_args(args)
    clock = clock_from_args(args)
    ports = {
        Channel.ORDERS: args.orders_port,
        Channel.DROP_COPY: args.dropcopy_port,
        Channel.MARKET_DATA: args.marketdata_port,
    }

    async def start() -> ExchangeServer:
        core = ExchangeCore(config, start_us=clock.now())
        return await ExchangeServer(core, clock).start(args.host, ports, args.admin_port)

    run("exchange", start)


if __name__ == "__main__":
    main()
