"""The order flow of a trading morning, planned in advance from a seed.

A plan is a sorted list of parent orders with the drill time at which each is
sent and the router it goes to. Planning up front (rather than drawing as the
clock runs) makes the flow identical whatever the speed or backend, which is
what lets a ``sim`` run and a ``local`` run of the same drill be compared.

Retail (RLP) parents are marked ``rlp`` in the plan, and their orders are
planned *without* flag bit 3: whether they carry the reused bit is a switch
of the running flow (``FlowCore.rlp_flagged``), applied when a parent is
sent, so turning it on or off mid-drill never changes the plan.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from services.clock import MARKET_OPEN_US, US, parse_hhmm
from services.protocol import NewParent, Side, TimeInForce


@dataclass(frozen=True, slots=True)
class Instrument:
    """A tradable symbol and its reference price (1e-4 dollars)."""

    symbol: str
    price: int


@dataclass(frozen=True, slots=True)
class FlowParams:
    """What the morning's flow looks like.

    ``rlp_parents`` retail orders (which carry the reused flag bit while the
    flow's RLP flag is on) arrive between ``rlp_start`` and ``rlp_end``
    (Knight: 212 from 8:01 until the 9:30 open); after the open retail flow
    goes on at ``rlp_per_min``, and strategy parents arrive at
    ``strategy_per_min``, until ``flow_end``. ``scale`` multiplies every count.
    """

    rlp_parents: int = 212
    rlp_start: str = "08:01"
    rlp_end: str = "09:30"
    rlp_min_lots: int = 1
    rlp_max_lots: int = 5
    rlp_per_min: float = 6.0
    strategy_per_min: float = 30.0
    strategy_lots: int = 3
    flow_end: str = "10:15"
    scale: float = 1.0
    lot: int = 100
    marketable_pct: float = 2.0


@dataclass(frozen=True, slots=True)
class PlannedParent:
    """One parent order: when it is sent, to which router, and the order.

    ``rlp`` marks a retail order: the flow sets flag bit 3 on it when sent,
    while its RLP flag switch is on.
    """

    at_us: int
    router: int
    order: NewParent
    rlp: bool = False


def _limit(price: int, side: Side, pct: float) -> int:
    # A marketable limit a little through the reference, as retail flow is.
    factor = 1 + pct / 100 if side is Side.BUY else 1 - pct / 100
    return max(1, round(price * factor / 100) * 100)


def build_plan(
    params: FlowParams, universe: list[Instrument], routers: int, seed: int
) -> list[PlannedParent]:
    """Every parent of the morning, in send order."""
    if routers < 1:
        raise ValueError("routers: expected at least 1")
    if not universe:
        raise ValueError("universe: expected at least one instrument")
    rng = random.Random(seed)
    start, end = parse_hhmm(params.rlp_start), parse_hhmm(params.rlp_end)
    if end <= start:
        raise ValueError("rlp_end: expected a time after rlp_start")
    planned: list[tuple[int, int, int, Instrument, Side, int, bool, str]] = []

    n_rlp = max(0, round(params.rlp_parents * params.scale))
    # Knight's 212 parents touched all 154 stocks: cover the universe first.
    order = list(universe)
    rng.shuffle(order)
    symbols = [order[i % len(order)] for i in range(n_rlp)]
    for i, inst in enumerate(symbols):
        at = start + rng.randrange(end - start)
        side = Side.BUY if rng.random() < 0.52 else Side.SELL
        lots = rng.randint(params.rlp_min_lots, params.rlp_max_lots)
        planned.append((at, 0, i % routers, inst, side, lots, True, "RLP"))

    flow_end = parse_hhmm(params.flow_end)
    streams = (
        (params.rlp_per_min, 0, True, "RLP"),
        (params.strategy_per_min, 1, False, "ALGO"),
    )
    for rate, kind, retail, strategy in streams:
        per_min = rate * params.scale
        if per_min <= 0:
            continue
        gap = 60 * US / per_min
        t = float(max(end, MARKET_OPEN_US)) + rng.expovariate(1.0) * gap
        while t < flow_end:
            inst = universe[rng.randrange(len(universe))]
            side = Side.BUY if rng.random() < 0.5 else Side.SELL
            lots = (
                rng.randint(params.rlp_min_lots, params.rlp_max_lots)
                if retail
                else params.strategy_lots
            )
            planned.append(
                (int(t), kind, rng.randrange(routers), inst, side, lots, retail, strategy)
            )
            t += rng.expovariate(1.0) * gap

    planned.sort(key=lambda p: (p[0], p[1], p[2], p[3].symbol))
    out: list[PlannedParent] = []
    for parent_id, (at, _, router, inst, side, lots, retail, strategy) in enumerate(planned, 1):
        order_ = NewParent(
            parent_id=parent_id,
            symbol=inst.symbol,
            side=side,
            tif=TimeInForce.DAY,
            qty=lots * params.lot,
            price=_limit(inst.price, side, params.marketable_pct),
            account=strategy,
            strategy=strategy,
            flags=0,
        )
        out.append(PlannedParent(at, router, order_, retail))
    return out
