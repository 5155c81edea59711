"""Positions, cash, exposure and mark-to-market P&L, per account and symbol.

Amounts are integers in wire price units times shares (1e-4 dollars), so no
float ever enters a limit comparison. Every aggregate a control reads on the
order path (an account's gross exposure, the firm's gross, long and short
exposure, total P&L) is kept up to date incrementally on each fill and each
mark change, so a check is a dict lookup and an integer comparison.

Exposure follows the SEC's columns for Knight: the firm's net position per
stock, valued at the mark, summed into *long* and *short* dollars. Gross
exposure for limits sums each account's absolute positions, so two accounts
that offset each other still count in full (the conservative reading).

The unallocated "33 Account" is an account like any other here (account
string ``"33"``); what made it dangerous at Knight was that its limit was
linked to no control, which is a matter of settings, not of bookkeeping.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.protocol import PRICE_SCALE, Side

# Enum members as module constants: in CPython 3.11 ``Side.BUY`` is a
# descriptor call, about ten times the cost of a global on a hot path.
_BUY = Side.BUY


@dataclass(slots=True)
class Position:
    """One account's holding in one symbol."""

    account: str
    symbol: str
    qty: int = 0
    cash: int = 0  # sells add, buys subtract
    cost: int = 0  # cost basis of the open quantity, negative for a short
    bought: int = 0
    sold: int = 0
    executions: int = 0

    def apply(self, signed: int, price: int) -> None:
        """A fill of ``signed`` shares (negative for a sale) at ``price``."""
        qty = self.qty
        if qty == 0 or (qty > 0) == (signed > 0):
            self.cost += signed * price
        else:
            held = abs(qty)
            closing = min(abs(signed), held)
            if closing == held:
                self.cost = 0
            else:
                part = abs(self.cost) * closing // held
                self.cost += -part if self.cost > 0 else part
            opened = abs(signed) - closing
            if opened:
                self.cost = (opened if signed > 0 else -opened) * price
        self.qty = qty + signed
        self.cash -= signed * price
        if signed > 0:
            self.bought += signed
        else:
            self.sold -= signed
        self.executions += 1

    @property
    def realized(self) -> int:
        return self.cash + self.cost

    def unrealized(self, mark: int) -> int:
        return self.qty * mark - self.cost

    def pnl(self, mark: int) -> int:
        return self.cash + self.qty * mark


def dollars(value: int) -> float:
    """Price units times shares to dollars, rounded to the cent."""
    return round(value / PRICE_SCALE, 2)


class PositionBook:
    """Every position of the firm, with incrementally maintained aggregates."""

    __slots__ = (
        "_holders",
        "_net",
        "account_gross",
        "cash",
        "executions",
        "gross",
        "long_value",
        "marks",
        "positions",
        "shares",
        "short_value",
    )

    def __init__(self) -> None:
        self.positions: dict[tuple[str, str], Position] = {}
        self.marks: dict[str, int] = {}
        self.account_gross: dict[str, int] = {}
        self.gross = 0  # sum over accounts of |qty| * mark
        self.long_value = 0  # sum over stocks with a firm net long of net * mark
        self.short_value = 0
        self.cash = 0
        self.executions = 0
        self.shares = 0
        self._net: dict[str, int] = {}
        self._holders: dict[str, list[Position]] = {}

    # updates -----------------------------------------------------------
    def fill(self, account: str, symbol: str, side: Side, qty: int, price: int) -> Position:
        key = (account, symbol)
        pos = self.positions.get(key)
        if pos is None:
            pos = self.positions[key] = Position(account, symbol)
            self._holders.setdefault(symbol, []).append(pos)
        mark = self.marks.get(symbol)
        if not mark:
            mark = self.marks[symbol] = price
        signed = qty if side is _BUY else -qty
        old_qty = pos.qty
        if old_qty == 0 or (old_qty > 0) == (signed > 0):
            # ``Position.apply`` for a fill that opens or adds (the common case), inlined.
            pos.cost += signed * price
            pos.qty = new_qty = old_qty + signed
            pos.cash -= signed * price
            if signed > 0:
                pos.bought += signed
            else:
                pos.sold -= signed
            pos.executions += 1
        else:
            pos.apply(signed, price)
            new_qty = pos.qty
        delta = (abs(new_qty) - abs(old_qty)) * mark
        gross = self.account_gross
        gross[account] = gross.get(account, 0) + delta
        self.gross += delta
        net = self._net
        old_net = net.get(symbol, 0)
        new_net = net[symbol] = old_net + signed
        # The firm's net long and short values: ``max(net, 0)`` and ``max(-net, 0)``
        # at the mark, before and after.
        if old_net >= 0 and new_net >= 0:
            self.long_value += signed * mark
        elif old_net <= 0 and new_net <= 0:
            self.short_value -= signed * mark
        else:
            self.long_value += (max(new_net, 0) - max(old_net, 0)) * mark
            self.short_value += (max(-new_net, 0) - max(-old_net, 0)) * mark
        self.cash -= signed * price
        self.executions += 1
        self.shares += qty
        return pos

    def remark(self, symbol: str, mark: int) -> None:
        """Revalue every holding of ``symbol`` at a new mark."""
        if mark <= 0:
            return
        old = self.marks.get(symbol, 0)
        if mark == old:
            return
        self.marks[symbol] = mark
        holders = self._holders.get(symbol)
        if not holders:
            return
        step = mark - old
        net = self._net.get(symbol, 0)
        if net > 0:
            self.long_value += net * step
        elif net < 0:
            self.short_value -= net * step
        gross = self.account_gross
        for pos in holders:
            if pos.qty:
                delta = abs(pos.qty) * step
                gross[pos.account] += delta
                self.gross += delta

    # reads on the order path ---------------------------------------------
    def qty(self, account: str, symbol: str) -> int:
        pos = self.positions.get((account, symbol))
        return 0 if pos is None else pos.qty

    @property
    def pnl(self) -> int:
        """Firm mark-to-market P&L: cash plus every net position at its mark."""
        return self.cash + self.long_value - self.short_value

    def mark(self, symbol: str) -> int:
        return self.marks.get(symbol, 0)

    # reports ---------------------------------------------------------------
    def exposure(self) -> dict[str, Any]:
        long_symbols = sum(1 for n in self._net.values() if n > 0)
        short_symbols = sum(1 for n in self._net.values() if n < 0)
        return {
            "long_dollars": dollars(self.long_value),
            "short_dollars": dollars(self.short_value),
            "net_dollars": dollars(self.long_value - self.short_value),
            "gross_dollars": dollars(self.gross),
            "long_symbols": long_symbols,
            "short_symbols": short_symbols,
            "executions": self.executions,
            "shares": self.shares,
        }

    def positions_report(self) -> list[dict[str, Any]]:
        out = []
        for (account, symbol), pos in sorted(self.positions.items()):
            mark = self.marks.get(symbol, 0)
            out.append(
                {
                    "account": account,
                    "symbol": symbol,
                    "qty": pos.qty,
                    "bought": pos.bought,
                    "sold": pos.sold,
                    "executions": pos.executions,
                    "mark": mark,
                    "value_dollars": dollars(pos.qty * mark),
                    "pnl_dollars": dollars(pos.pnl(mark)),
                }
            )
        return out

    def pnl_report(self) -> dict[str, Any]:
        accounts: dict[str, dict[str, int]] = {}
        realized = unrealized = 0
        for (account, symbol), pos in self.positions.items():
            mark = self.marks.get(symbol, 0)
            row = accounts.setdefault(account, {"realized": 0, "unrealized": 0, "gross": 0})
            row["realized"] += pos.realized
            row["unrealized"] += pos.unrealized(mark)
            row["gross"] += abs(pos.qty) * mark
            realized += pos.realized
            unrealized += pos.unrealized(mark)
        return {
            "total_dollars": dollars(self.pnl),
            "realized_dollars": dollars(realized),
            "unrealized_dollars": dollars(unrealized),
            "accounts": {
                name: {
                    "realized_dollars": dollars(row["realized"]),
                    "unrealized_dollars": dollars(row["unrealized"]),
                    "total_dollars": dollars(row["realized"] + row["unrealized"]),
                    "gross_dollars": dollars(row["gross"]),
                }
                for name, row in sorted(accounts.items())
            },
            **self.exposure(),
        }
