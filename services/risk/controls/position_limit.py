"""Position limits: per account and symbol in shares, per account in gross dollars.

Pre-trade, an order passes if the position it could lead to stays inside the
limits: the current position, plus (when ``count_working``) every order still
working on the same side, plus this order. Knight's limits ignored working
orders (``count_working: false``), so a flood of orders that had not filled
yet was invisible to them. An order that can only reduce the position always
passes.

Accounts in ``unlinked_accounts`` have a limit on paper and no control behind
it: Knight's "33 Account" had a $2 million gross limit linked to nothing.
Post-trade, the monitor asks ``after_fill`` whether executed positions alone
are past a limit.
"""

from __future__ import annotations

from pydantic import Field

from services.protocol import PRICE_SCALE, NewChild, RejectReason, Side
from services.risk.controls.base import ControlSettings, PreTradeControl, session_symbol
from services.risk.trips import Breach

# Enum members as module constants: in CPython 3.11 ``Side.BUY`` is a
# descriptor call, about ten times the cost of a global on a hot path.
_BUY = Side.BUY


class PositionLimitSettings(ControlSettings):
    """Share and gross-dollar limits, and whether working orders count."""

    max_symbol_shares: int = Field(
        default=50_000, gt=0, description="|position| per account and symbol"
    )
    max_account_gross_dollars: int = Field(
        default=5_000_000, gt=0, description="default per account"
    )
    account_gross_dollars: dict[str, int] = Field(
        default_factory=lambda: {"33": 2_000_000}, description="per-account gross limits"
    )
    unlinked_accounts: list[str] = Field(
        default_factory=list, description="accounts whose limit no control enforces"
    )
    count_working: bool = Field(default=True, description="count orders still working")


class PositionLimit(PreTradeControl[PositionLimitSettings]):
    """Refuses orders that would take an account past its share or gross limits."""

    name = "position_limit"

    def configure(self, settings: PositionLimitSettings) -> None:
        super().configure(settings)
        self._unlinked = frozenset(settings.unlinked_accounts)
        self._gross = {a: v * PRICE_SCALE for a, v in settings.account_gross_dollars.items()}
        self._default_gross = settings.max_account_gross_dollars * PRICE_SCALE

    def gross_limit(self, account: str) -> int:
        return self._gross.get(account, self._default_gross)

    def check(self, session: str, child: NewChild, now: int) -> Breach | None:
        account, symbol = child.account, child.symbol
        if account in self._unlinked:
            return None
        state = self.state
        if state.reduces_risk(account, symbol, child.side, child.qty):
            return None
        count_working = self.settings.count_working
        pos = state.book.qty(account, symbol)
        working = state.working.side_qty(account, symbol, child.side) if count_working else 0
        if child.side is _BUY:
            projected = pos + working + child.qty
        else:
            projected = -(pos - working - child.qty)
        limit = self.settings.max_symbol_shares
        if projected > limit:
            return Breach(
                self.name,
                RejectReason.POSITION_LIMIT,
                f"{account} {symbol} {projected} sh > {limit}",
                session_symbol(account, symbol),
            )
        gross = state.book.account_gross.get(account, 0) + child.qty * child.price
        if count_working:
            gross += state.working.account_notional(account)
        gross_limit = self.gross_limit(account)
        if gross > gross_limit:
            return Breach(
                self.name,
                RejectReason.POSITION_LIMIT,
                f"{account} gross ${gross // PRICE_SCALE} > ${gross_limit // PRICE_SCALE}",
                account,
            )
        return None

    def after_fill(self, account: str, symbol: str) -> Breach | None:
        """Post-trade: executed positions alone past a limit."""
        if account in self._unlinked:
            return None
        book = self.state.book
        qty = abs(book.qty(account, symbol))
        if qty > self.settings.max_symbol_shares:
            return Breach(
                self.name,
                RejectReason.POSITION_LIMIT,
                f"{account} {symbol} holds {qty} sh > {self.settings.max_symbol_shares}",
                session_symbol(account, symbol),
            )
        gross = book.account_gross.get(account, 0)
        gross_limit = self.gross_limit(account)
        if gross > gross_limit:
            return Breach(
                self.name,
                RejectReason.POSITION_LIMIT,
                f"{account} gross ${gross // PRICE_SCALE} > ${gross_limit // PRICE_SCALE}",
                account,
            )
        return None
