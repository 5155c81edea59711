"""The symbols an exchange lists, drawn deterministically from a seed.

``make_symbols(n, seed)`` always starts with the stocks named in accounts of
Knight's morning (Wizzard Software at $3.50, China Cord Blood at $2.47,
Abercrombie & Fitch, Harley-Davidson, ...), then takes a seeded sample of the
rest of ``universe.POOL`` (large, mid and small caps) with prices jittered a
little, then, past the pool, invents plausible tickers. The same ``n`` and
``seed`` always give the same list.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from typing import Final, Literal, cast

from services.exchange.universe import INCIDENT, POOL
from services.protocol import to_price

Tier = Literal["L", "M", "S"]


@dataclass(frozen=True, slots=True)
class TierProfile:
    """Liquidity of a size class: what liquidity providers quote and how prices move."""

    adv: tuple[int, int]
    """Range of average daily volume, shares."""
    vol: float
    """Annualised volatility of the fair value's random walk."""
    half_spread_ticks: float
    """Liquidity providers quote this many ticks either side of fair value."""
    lot: tuple[int, int]
    """Range of the shares quoted at the first level (in 100-share round lots)."""


TIERS: Final[dict[str, TierProfile]] = {
    "L": TierProfile(adv=(10_000_000, 60_000_000), vol=0.25, half_spread_ticks=0.5, lot=(20, 50)),
    "M": TierProfile(adv=(1_500_000, 8_000_000), vol=0.40, half_spread_ticks=1.0, lot=(5, 15)),
    "S": TierProfile(adv=(150_000, 1_000_000), vol=0.80, half_spread_ticks=1.5, lot=(1, 4)),
}


@dataclass(frozen=True, slots=True)
class SymbolSpec:
    """One listed stock and the parameters its liquidity providers use."""

    symbol: str
    name: str
    price: int
    """Reference (opening fair) price, 1e-4 dollars."""
    tier: Tier
    adv: int
    """Average daily volume, shares: the unit of the price-impact model."""
    vol: float
    half_spread_ticks: float
    lot: int
    """Shares quoted at the first level; deeper levels quote multiples."""

    def as_dict(self) -> dict[str, object]:
        return {
            "symbol": self.symbol,
            "name": self.name,
            "price": self.price / 10_000,
            "tier": self.tier,
            "adv": self.adv,
            "vol": self.vol,
            "half_spread_ticks": self.half_spread_ticks,
            "lot": self.lot,
        }


_Row = tuple[str, str, float, str, int | None]


def _rows(table: str) -> list[_Row]:
    rows: list[_Row] = []
    for line in table.strip().splitlines():
        fields = line.split("|")
        adv = int(fields[4]) if len(fields) > 4 else None
        rows.append((fields[0], fields[1], float(fields[2]), fields[3], adv))
    return rows


def _spec(row: _Row, rng: random.Random, jitter: float) -> SymbolSpec:
    ticker, name, dollars, tier, adv = row
    prof = TIERS[tier]
    lo, hi = prof.adv
    # Volume is log-uniform within the tier: a few busy names, many quiet ones.
    drawn_adv = round(lo * (hi / lo) ** rng.random(), -3)
    lot = 100 * rng.randint(*prof.lot)
    factor = 1 + jitter * (2 * rng.random() - 1)
    return SymbolSpec(
        symbol=ticker,
        name=name,
        price=max(100, to_price(round(dollars * factor, 2))),
        tier=cast(Tier, tier),
        adv=adv if adv is not None else int(drawn_adv),
        vol=prof.vol,
        half_spread_ticks=prof.half_spread_ticks,
        lot=lot,
    )


_PRICE_RANGES: Final[dict[str, tuple[float, float]]] = {
    "L": (15.0, 250.0),
    "M": (5.0, 80.0),
    "S": (1.0, 12.0),
}


def _invented(rng: random.Random, taken: set[str]) -> _Row:
    while True:
        ticker = "".join(rng.choices(string.ascii_uppercase, k=rng.choice((3, 4))))
        if ticker not in taken:
            taken.add(ticker)
            break
    tier = rng.choices("LMS", weights=(2, 3, 4))[0]
    lo, hi = _PRICE_RANGES[tier]
    dollars = round(lo * (hi / lo) ** rng.random(), 2)
    return ticker, f"{ticker.title()} Holdings", dollars, tier, None


def make_symbols(n: int = 154, seed: int = 1, jitter: float = 0.03) -> list[SymbolSpec]:
    """``n`` symbols: the incident's stocks first, then a seeded draw of the others.

    Prices of incident stocks are kept exactly (the replay's anchors); the
    others are moved by up to ``jitter`` (a fraction) so that two seeds give
    two different mornings.
    """
    if n < 1:
        raise ValueError(f"symbols: expected at least 1, got {n}")
    rng = random.Random(f"exchange-symbols:{seed}")
    incident = _rows(INCIDENT)
    pool = _rows(POOL)
    rng.shuffle(pool)
    chosen = (incident + pool)[:n]
    specs = [_spec(row, rng, 0.0 if i < len(incident) else jitter) for i, row in enumerate(chosen)]
    taken = {row[0] for row in incident + pool}
    while len(specs) < n:
        specs.append(_spec(_invented(rng, taken), rng, 0.0))
    return specs
