"""Orders onto the books and executions out: the part of the core that trades.

``Matcher`` puts sessions' and liquidity providers' orders on the books and
turns each fill into messages: an EXECUTION to every session that took part
and a DROP_COPY of it to every drop-copy subscriber. Each execution report
has its own ``exec_id`` (so a drop copy identifies one side of one trade),
numbered in the order the reports are made. It also feeds the liquidity
model: the flow of sessions' aggressive orders moves prices, and a provider
whose quote was taken replenishes after its lag.
"""

from __future__ import annotations

from services.exchange.book import BUY, SELL, Fill, OrderBook, Record
from services.exchange.liquidity import LiquidityModel
from services.exchange.marketdata import MarketDataConflator
from services.exchange.sessions import ConnId, Counters, OrderOwner, Outbox
from services.exchange.symbols import SymbolSpec
from services.protocol import DropCopy, Execution, Message, Side

_SIDES = {BUY: Side.BUY, SELL: Side.SELL}


class Matcher:
    """Books of every symbol, with execution reporting, drop copy and provider quoting."""

    def __init__(
        self,
        specs: list[SymbolSpec],
        lp: LiquidityModel,
        md: MarketDataConflator,
        counters: Counters,
        dc_subs: dict[ConnId, None],
    ) -> None:
        self.specs = specs
        self.books = [OrderBook(s.symbol) for s in specs]
        self.lp = lp
        self.md = md
        self.counters = counters
        self._dc_subs = dc_subs
        self._lp_orders: list[dict[tuple[int, int], tuple[Record, int]]] = [{} for _ in specs]
        # Per symbol, the ``LiquidityModel.grid`` its resting quotes were last
        # made for, or None when they may differ from that ladder (a quote was
        # traded away while being placed, or never placed). With ``_lp_hit``
        # (a provider's quote traded since) false, an unchanged grid means
        # requoting would do nothing, which is most symbols on most walk steps.
        self._lp_grid: list[tuple[int, int, int] | None] = [None] * len(specs)
        self._lp_hit = [False] * len(specs)
        self._next_oid = 1
        self._next_exec = 1

    def submit(
        self,
        idx: int,
        side: int,
        price: int,
        qty: int,
        ioc: bool,
        owner: OrderOwner | None,
        now: int,
        out: Outbox,
    ) -> tuple[int, Record | None]:
        """Match one order (``owner`` None: a provider's); returns leaves and the resting record."""
        oid = self._next_oid
        self._next_oid = oid + 1
        fills, rec = self.books[idx].submit(oid, side, price, qty, ioc, owner)
        leaves = self._report(idx, side, fills, qty, owner, now, out) if fills else qty
        self.md.touch(idx)
        return leaves, rec

    def cancel(self, idx: int, rec: Record) -> int:
        """Take a resting record off its book; returns the quantity cancelled."""
        self.md.touch(idx)
        return self.books[idx].cancel(rec[3])

    def _report(
        self,
        idx: int,
        side: int,
        fills: list[Fill],
        qty: int,
        agg: OrderOwner | None,
        now: int,
        out: Outbox,
    ) -> int:
        symbol = self.specs[idx].symbol
        dc: list[list[Message]] = []
        for sub in self._dc_subs:
            dc.append(out.to(sub))
        agg_side = _SIDES[side]
        agg_sends = out.to(agg[0].conn) if agg is not None else None
        eid = self._next_exec
        leaves = qty
        lp_taken = 0
        notional = 0
        for rec, q in fills:
            price: int = rec[1]
            leaves -= q
            notional += q * price
            if agg is not None and agg_sends is not None:
                conn, oid, account, _ = agg
                agg_sends.append(Execution(oid, eid, symbol, agg_side, q, price, leaves, now))
                if dc:
                    copy = DropCopy(eid, oid, conn.name, account, symbol, agg_side, q, price, now)
                    for lst in dc:
                        lst.append(copy)
                eid += 1
            owner: OrderOwner | None = rec[4]
            if owner is None:
                lp_taken += q
                continue
            pc, poid, account, _ = owner
            pside = _SIDES[rec[2]]
            out.to(pc.conn).append(Execution(poid, eid, symbol, pside, q, price, rec[0], now))
            if not rec[0]:
                del pc.orders[poid]
            if dc:
                copy = DropCopy(eid, poid, pc.name, account, symbol, pside, q, price, now)
                for lst in dc:
                    lst.append(copy)
            eid += 1
        counters = self.counters
        reports = eid - self._next_exec
        self._next_exec = eid
        counters.execution_reports += reports
        counters.drop_copies += reports * len(dc)
        counters.executions += len(fills)
        traded = qty - leaves
        counters.shares += traded
        counters.notional += notional
        counters.lp_shares += lp_taken
        if agg is not None:
            self.lp.on_flow(idx, traded if side == BUY else -traded, now)
        if lp_taken:
            self._lp_hit[idx] = True
            self.lp.on_taken(idx, now)
        return leaves

    def requote(self, idx: int, now: int, out: Outbox) -> None:
        """Bring the providers' orders on symbol ``idx`` in line with their ladder.

        A quote that was taken (wholly or partly) or whose price is no longer
        wanted is replaced; an untouched quote at a wanted price stays, with
        its time priority, even if the ladder would now size it differently
        (so a one-tick move of fair value costs one cancel and one new quote
        per side, not a whole new ladder). A new quote that crosses a
        session's resting order trades with it, at that order's price.
        """
        grid = self.lp.grid(idx, now)
        if self._lp_hit[idx] or grid != self._lp_grid[idx]:
            self._requote(idx, grid, now, out)

    def requote_many(self, idxs: list[int], now: int, out: Outbox) -> None:
        """``requote`` each of ``idxs`` in order (a walk step: every symbol at once)."""
        last, hit = self._lp_grid, self._lp_hit
        requote = self._requote
        for idx, grid in zip(idxs, self.lp.grids(idxs, now), strict=True):
            if hit[idx] or grid != last[idx]:
                requote(idx, grid, now, out)

    def _requote(self, idx: int, grid: tuple[int, int, int], now: int, out: Outbox) -> None:
        tick, bid0, ask0 = grid
        lp = self.lp
        lot = lp.lot(idx)
        levels = lp.params.levels
        last = self._lp_grid[idx]
        if not self._lp_hit[idx] and last is not None and last[0] == tick:
            self._shift(idx, grid, last, lot, levels, now, out)
            return
        # From here on a provider's quote traded is one traded after this requote.
        self._lp_hit[idx] = False
        # The ladder of ``LiquidityModel.ladder``: bids best first at ticks
        # ``bid0 - i`` (none at or below a zero price), then asks best first at
        # ``ask0 + i``. Membership is arithmetic, so the ladder is not built.
        bid_low = max(bid0 - levels, 0)
        ask_high = ask0 + levels
        current = self._lp_orders[idx]
        book = self.books[idx]
        counters = self.counters
        changed = False
        gone: list[tuple[int, int]] | None = None
        for key, (rec, size) in current.items():
            left: int = rec[0]
            if left == size:
                price = key[1]
                if not price % tick:
                    t = price // tick
                    if bid_low < t <= bid0 if key[0] == BUY else ask0 <= t < ask_high:
                        continue
            if left:
                book.cancel(rec[3])
                counters.lp_cancels += 1
            if gone is None:
                gone = [key]
            else:
                gone.append(key)
        if gone is not None:
            for key in gone:
                del current[key]
            changed = True
        complete = True
        submit = self.submit
        for i in range(levels):
            t = bid0 - i
            if t <= 0:
                break
            key = (BUY, t * tick)
            if key in current:
                continue
            _, placed = submit(idx, BUY, key[1], lot * (i + 1), False, None, now, out)
            counters.lp_orders += 1
            if placed is not None:
                current[key] = (placed, placed[0])
            else:
                complete = False
            changed = True
        for i in range(levels):
            key = (SELL, (ask0 + i) * tick)
            if key in current:
                continue
            _, placed = submit(idx, SELL, key[1], lot * (i + 1), False, None, now, out)
            counters.lp_orders += 1
            if placed is not None:
                current[key] = (placed, placed[0])
            else:
                complete = False
            changed = True
        self._lp_grid[idx] = grid if complete else None
        if changed:
            self.md.touch(idx)

    def _shift(
        self,
        idx: int,
        grid: tuple[int, int, int],
        last: tuple[int, int, int],
        lot: int,
        levels: int,
        now: int,
        out: Outbox,
    ) -> None:
        """``_requote`` when the quotes are exactly ``last``'s ladder, untouched, on the
        same tick: only the levels that left the ladder are cancelled and only those
        that entered it placed, known from the two grids without walking the ladder.

        The same orders as ``_requote`` in the same order: the cancels (whose order
        changes nothing) and then the new bids best first and the new asks best first.
        """
        tick, bid0, ask0 = grid
        _, old_bid0, old_ask0 = last
        current = self._lp_orders[idx]
        book = self.books[idx]
        counters = self.counters
        # Bid ticks ``(low, bid0]``, ask ticks ``[ask0, high)``, before (old_) and after.
        old_low, low = max(old_bid0 - levels, 0), max(bid0 - levels, 0)
        old_high, high = old_ask0 + levels, ask0 + levels
        # The ticks that left: what of the old ranges lies outside the new ones.
        gone = 0
        for first, stop, side in (
            (max(old_low, bid0) + 1, old_bid0 + 1, BUY),
            (old_low + 1, min(old_bid0, low) + 1, BUY),
            (old_ask0, min(old_high, ask0), SELL),
            (max(old_ask0, high), old_high, SELL),
        ):
            for t in range(first, stop):
                book.cancel(current.pop((side, t * tick))[0][3])
                gone += 1
        counters.lp_cancels += gone
        # The ticks that entered, bids best first then asks best first.
        entered = 0
        complete = True
        submit = self.submit
        for first, stop, step, side in (
            (bid0, max(low, old_bid0), -1, BUY),
            (min(bid0, old_low), low, -1, BUY),
            (ask0, min(high, old_ask0), 1, SELL),
            (max(ask0, old_high), high, 1, SELL),
        ):
            for t in range(first, stop, step):
                qty = lot * (bid0 - t + 1 if side == BUY else t - ask0 + 1)
                price = t * tick
                _, placed = submit(idx, side, price, qty, False, None, now, out)
                if placed is not None:
                    current[(side, price)] = (placed, placed[0])
                else:
                    complete = False
                entered += 1
        counters.lp_orders += entered
        changed = bool(gone or entered)
        self._lp_grid[idx] = grid if complete else None
        if changed:
            self.md.touch(idx)
