"""Liquidity providers: seeded quoting around a random-walk fair value with price impact.

Pure and deterministic: state changes only through the calls below, time is
an argument, randomness comes from one ``random.Random`` seeded from the
exchange seed and is drawn in symbol order. The model decides *what* should
be quoted; ``ExchangeCore`` puts it on the books.

Fair value of symbol *i* at drill time *t*::

    fv_i(t) = anchor_i(t) * exp(pressure_i(t))

``anchor`` is a geometric random walk stepped every ``step_ms`` with the
symbol's volatility. ``pressure`` moves by ``impact * q / adv_i`` for each
``q`` shares of a session's aggressive buying (minus for selling) and decays
with a half-life, so a runaway buyer lifts the price while it runs and the
price drifts back once it stops. Quotes are ``levels`` ticks deep each side,
``half_spread_ticks`` from fair value; a taken quote is replenished, around
the fair value of that moment, ``lag_ms`` after it was first hit.
"""

from __future__ import annotations

import math
import random
from heapq import heappop, heappush
from typing import Final

from services.exchange.config import LiquidityParams
from services.exchange.symbols import SymbolSpec

# 252 trading days of 6.5 hours: the unit in which volatility is annualised.
_YEAR_S: Final = 252 * 6.5 * 3600
_MAX_PRESSURE: Final = 8.0
_PENNY: Final = 100
_SUBPENNY_BELOW: Final = 10_000

Quote = tuple[int, int]
"""``(price, qty)`` of one quoted level."""


class LiquidityModel:
    """Fair values, impact and quote ladders of every symbol's liquidity providers."""

    def __init__(
        self, specs: list[SymbolSpec], params: LiquidityParams, seed: int, start_us: int
    ) -> None:
        self.params = params
        self._n = len(specs)
        self._rng = random.Random(f"exchange-lp:{seed}")
        self._anchor = [float(s.price) for s in specs]
        self._pressure = [0.0] * self._n
        self._pressure_at = [start_us] * self._n
        step_s = params.step_ms / 1000
        self._sigma = [s.vol * params.vol_scale * math.sqrt(step_s / _YEAR_S) for s in specs]
        self._impact = [params.impact / s.adv for s in specs]
        self._lot = [max(100, round(s.lot * params.size_scale / 100) * 100) for s in specs]
        self._half = [s.half_spread_ticks * params.spread_scale for s in specs]
        self._step_us = max(1, round(params.step_ms * 1000))
        self._lag_us = round(params.lag_ms * 1000)
        half_life_us = params.impact_half_life_s * 1_000_000
        self._tau_us = half_life_us / math.log(2) if half_life_us > 0 else 0.0
        self._next_step = start_us
        self._first = True
        self._replenish: list[tuple[int, int]] = []
        self._pending = [False] * self._n
        self.steps = 0
        self.replenishments = 0

    @property
    def enabled(self) -> bool:
        return self.params.levels > 0

    # time -----------------------------------------------------------------
    def next_wakeup(self) -> int | None:
        if not self.enabled:
            return None
        if self._replenish and self._replenish[0][0] < self._next_step:
            return self._replenish[0][0]
        return self._next_step

    def due(self, now: int) -> list[int]:
        """Advance to ``now``; the symbols whose quotes should be refreshed, in order.

        Every walk step due by ``now`` is taken (so a late call catches up),
        but each symbol is requoted once, at ``now``.
        """
        if not self.enabled:
            return []
        out: list[int] = []
        heap = self._replenish
        while heap and heap[0][0] <= now:
            _, idx = heappop(heap)
            self._pending[idx] = False
            self.replenishments += 1
            out.append(idx)
        if self._next_step > now:
            return out
        while self._next_step <= now:
            if not self._first:
                self._walk()
            self._first = False
            self._next_step += self._step_us
        # A symbol waiting for its replenishment keeps its (partly taken)
        # quotes until then: the lag is what lets a sweep walk up the book.
        pending = self._pending
        return [i for i in range(self._n) if not pending[i]]

    def _walk(self) -> None:
        gauss = self._rng.gauss
        anchor, sigma = self._anchor, self._sigma
        for i in range(self._n):
            s = sigma[i]
            anchor[i] = max(1.0, anchor[i] * math.exp(s * gauss(0.0, 1.0) - 0.5 * s * s))
        self.steps += 1

    # flow -------------------------------------------------------------------
    def on_taken(self, idx: int, now: int) -> None:
        """A quote of symbol ``idx`` traded: replenish after the lag."""
        if not self._pending[idx]:
            self._pending[idx] = True
            heappush(self._replenish, (now + self._lag_us, idx))

    def on_flow(self, idx: int, signed_qty: int, now: int) -> None:
        """A session's aggressive order traded ``signed_qty`` shares (+ bought, - sold)."""
        p = self._decayed(idx, now) + self._impact[idx] * signed_qty
        self._pressure[idx] = max(-_MAX_PRESSURE, min(_MAX_PRESSURE, p))
        self._pressure_at[idx] = now

    def _decayed(self, idx: int, now: int) -> float:
        p = self._pressure[idx]
        dt = now - self._pressure_at[idx]
        if p and dt > 0 and self._tau_us:
            p *= math.exp(-dt / self._tau_us)
        return p

    # quotes -----------------------------------------------------------------
    def fair_value(self, idx: int, now: int) -> float:
        """Fair value in 1e-4 dollars."""
        return self._anchor[idx] * math.exp(self._decayed(idx, now))

    def undisturbed_value(self, idx: int) -> float:
        """Fair value without anyone's price impact, 1e-4 dollars: where the market
        returns once order-flow pressure has decayed, so what a position can be
        liquidated at."""
        return self._anchor[idx]

    def pressure(self, idx: int, now: int) -> float:
        return self._decayed(idx, now)

    def grid(self, idx: int, now: int) -> tuple[int, int, int]:
        """``(tick, bid0, ask0)``: the tick and the best bid and ask in ticks wanted now.

        Together with the symbol's lot and the number of levels this fixes
        the whole ladder, so a caller can tell an unchanged ladder from this
        alone without building it.
        """
        p = self._pressure[idx]
        if p:
            # Same arithmetic as ``_decayed``, inlined: this runs for every
            # symbol on every walk step.
            dt = now - self._pressure_at[idx]
            if dt > 0 and self._tau_us:
                p *= math.exp(-dt / self._tau_us)
        fv = self._anchor[idx] * math.exp(p)
        # Reg NMS: penny ticks from $1.00, 1e-4 dollar ticks below.
        tick = _PENNY if fv >= _SUBPENNY_BELOW else 1
        # Symmetric about fair value: half-spread 0.5 gives a one-tick market.
        inner = self._half[idx] - 0.5
        x = fv / tick
        bid0 = math.floor(x - inner)
        ask0 = math.ceil(x + inner)
        if ask0 <= bid0:
            ask0 = bid0 + 1
        return tick, bid0, ask0

    def grids(self, idxs: list[int], now: int) -> list[tuple[int, int, int]]:
        """``grid(idx, now)`` of each of ``idxs``, in order (one call for a walk step's
        requote of every symbol: the same arithmetic, without a call per symbol)."""
        out: list[tuple[int, int, int]] = []
        append = out.append
        pressure, pressure_at = self._pressure, self._pressure_at
        anchor, half = self._anchor, self._half
        tau = self._tau_us
        exp, floor, ceil = math.exp, math.floor, math.ceil
        for idx in idxs:
            p = pressure[idx]
            if p:
                dt = now - pressure_at[idx]
                if dt > 0 and tau:
                    p *= exp(-dt / tau)
            fv = anchor[idx] * exp(p)
            tick = _PENNY if fv >= _SUBPENNY_BELOW else 1
            inner = half[idx] - 0.5
            x = fv / tick
            bid0 = floor(x - inner)
            ask0 = ceil(x + inner)
            if ask0 <= bid0:
                ask0 = bid0 + 1
            append((tick, bid0, ask0))
        return out

    def lot(self, idx: int) -> int:
        """Shares of the best level each side; level ``i`` (from 0) quotes ``lot * (i + 1)``."""
        return self._lot[idx]

    def ladder(self, idx: int, now: int) -> tuple[list[Quote], list[Quote]]:
        """Bids (best first) and asks (best first) the providers want resting now."""
        tick, bid0, ask0 = self.grid(idx, now)
        lot = self._lot[idx]
        levels = self.params.levels
        bids = [((bid0 - i) * tick, lot * (i + 1)) for i in range(levels) if bid0 - i > 0]
        asks = [((ask0 + i) * tick, lot * (i + 1)) for i in range(levels)]
        return bids, asks

    def stats(self) -> dict[str, object]:
        return {
            "enabled": self.enabled,
            "walk_steps": self.steps,
            "replenishments": self.replenishments,
            "replenish_pending": sum(self._pending),
        }
