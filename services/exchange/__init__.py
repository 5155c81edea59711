"""The exchange simulator: order books, liquidity providers, drop copy and market data.

``ExchangeCore`` (``core.py``) is the sans-I/O exchange; ``server.py`` runs it
over TCP as ``python -m services.exchange``. See ``docs/exchange.md``.
"""

from __future__ import annotations

from services.exchange.book import BUY, SELL, OrderBook
from services.exchange.config import ExchangeConfig, LiquidityParams
from services.exchange.core import ExchangeCore
from services.exchange.sessions import Channel, ConnId, Outbox
from services.exchange.symbols import SymbolSpec, make_symbols

__all__ = [
    "BUY",
    "SELL",
    "Channel",
    "ConnId",
    "ExchangeConfig",
    "ExchangeCore",
    "LiquidityParams",
    "OrderBook",
    "Outbox",
    "SymbolSpec",
    "make_symbols",
]
