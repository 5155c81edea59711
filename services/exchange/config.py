"""Settings of the exchange simulator: what a drill or the command line may change."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LiquidityParams(BaseModel):
    """How the liquidity providers inside the exchange quote and react.

    The price-impact model (``docs/exchange.md``): every share bought (sold)
    by a session's aggressive order adds (subtracts) ``impact / adv`` to the
    symbol's log-price *pressure*, which decays with ``impact_half_life_s``;
    fair value is the random-walk anchor times ``exp(pressure)``. With the
    defaults, net buying of about 1,000 shares a second for 45 minutes takes
    Wizzard Software (400,000 shares a day) from $3.50 to about $14, which is
    what Knight's flow did to it.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    levels: int = Field(
        default=5, ge=0, le=50, description="price levels quoted per side (0: no LPs)"
    )
    lag_ms: float = Field(
        default=250.0, ge=0, description="drill ms before a taken quote is replenished"
    )
    step_ms: float = Field(
        default=1000.0, gt=0, description="drill ms between random-walk steps of fair value"
    )
    impact: float = Field(
        default=1.3,
        ge=0,
        description="log-price move per day's volume of net aggressive flow",
    )
    impact_half_life_s: float = Field(
        default=300.0,
        ge=0,
        description="drill s for price pressure to halve (0: never)",
    )
    size_scale: float = Field(default=1.0, gt=0, description="multiplies every quoted size")
    spread_scale: float = Field(
        default=1.0, gt=0, description="multiplies every quoted half-spread"
    )
    vol_scale: float = Field(default=1.0, ge=0, description="multiplies every symbol's volatility")


class ExchangeConfig(BaseModel):
    """Everything an ``ExchangeCore`` needs besides the drill time it starts at."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    symbols: int = Field(default=154, ge=1, le=5000, description="listed symbols")
    seed: int = Field(default=1, description="seed of the symbol draw and the liquidity providers")
    md_interval_ms: float = Field(
        default=100.0, ge=0, description="at most one market-data update per symbol per interval"
    )
    dup_window: int = Field(
        default=100_000, ge=0, description="recent order ids per session checked for duplicates"
    )
    lp: LiquidityParams = Field(default_factory=LiquidityParams)
