"""JSON views of an ``ExchangeCore`` for the admin endpoint (read-only)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from services.exchange.book import BUY, SELL
from services.protocol import PRICE_SCALE

if TYPE_CHECKING:
    from services.exchange.core import ExchangeCore
    from services.exchange.symbols import SymbolSpec


def _dollars(price: int) -> float | None:
    return price / PRICE_SCALE if price else None


def stats(core: ExchangeCore) -> dict[str, object]:
    """Counters of the core: orders, executions, rejects by reason, providers, sessions."""
    sessions = [c for c in core.connections.values() if c.channel == "orders"]
    return {
        **core.counters.as_dict(),
        "now_us": core.now,
        "symbols": len(core.specs),
        "resting_orders": sum(len(b) for b in core.books),
        "sessions": {
            "orders": len(sessions),
            "logged_on": sorted(c.name for c in sessions if c.name),
            "dropcopy": sum(1 for c in core.connections.values() if c.channel == "dropcopy"),
            "marketdata": sum(1 for c in core.connections.values() if c.channel == "marketdata"),
        },
        "lp": core.lp.stats(),
        "marketdata": {"updates": core.md.updates, "conflated": core.md.conflated},
    }


def book(core: ExchangeCore, symbol: str, depth: int = 10) -> dict[str, object]:
    """Levels of one symbol's book; raises ``KeyError`` for an unknown symbol."""
    idx = core.index.get(symbol)
    if idx is None:
        raise KeyError(f"unknown symbol {symbol!r}")
    b = core.books[idx]
    bid, bid_qty, ask, ask_qty = b.top()

    def levels(side: int) -> list[dict[str, object]]:
        return [
            {"price": p / PRICE_SCALE, "qty": q, "orders": n} for p, q, n in b.depth(side, depth)
        ]

    return {
        "symbol": symbol,
        "bid": _dollars(bid),
        "bid_qty": bid_qty,
        "ask": _dollars(ask),
        "ask_qty": ask_qty,
        "last": _dollars(b.last),
        "traded": b.traded,
        "fair_value": round(core.lp.fair_value(idx, core.now) / PRICE_SCALE, 4),
        "bids": levels(BUY),
        "asks": levels(SELL),
    }


@functools.cache
def _static(spec: SymbolSpec) -> dict[str, object]:
    """``spec.as_dict()``, made once per spec (a frozen value): copied into each answer."""
    return spec.as_dict()


def symbols(core: ExchangeCore) -> list[dict[str, object]]:
    """Every listed symbol: its reference (``price``) and current market, in dollars."""
    out: list[dict[str, object]] = []
    for idx, spec in enumerate(core.specs):
        b = core.books[idx]
        bid, _, ask, _ = b.top()
        out.append(
            {
                **_static(spec),
                "bid": _dollars(bid),
                "ask": _dollars(ask),
                "last": _dollars(b.last),
                "fair_value": round(core.lp.fair_value(idx, core.now) / PRICE_SCALE, 4),
                "undisturbed_value": round(core.lp.undisturbed_value(idx) / PRICE_SCALE, 4),
            }
        )
    return out
