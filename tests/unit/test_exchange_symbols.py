"""The listed symbols: the incident's stocks first, the rest a seeded, plausible spread."""

from __future__ import annotations

from collections import Counter

import pytest

from services.exchange.symbols import make_symbols
from services.protocol import to_price


def test_default_lists_154_distinct_symbols_across_every_size_class() -> None:
    specs = make_symbols()
    assert len(specs) == 154
    assert len({s.symbol for s in specs}) == 154
    tiers = Counter(s.tier for s in specs)
    assert min(tiers["L"], tiers["M"], tiers["S"]) >= 20
    for s in specs:
        assert s.symbol.isascii() and s.symbol.isupper() and 1 <= len(s.symbol) <= 8
        assert s.price >= to_price(1.0)
        assert s.adv > 0 and s.lot >= 100 and s.lot % 100 == 0


def test_the_incident_stocks_come_first_at_their_prices() -> None:
    by_symbol = {s.symbol: s for s in make_symbols(seed=99)}
    assert by_symbol["WZE"].price == to_price(3.50)
    assert by_symbol["WZE"].name == "Wizzard Software"
    assert by_symbol["CO"].price == to_price(2.47)
    assert {"ANF", "HOG"} <= by_symbol.keys()
    assert [s.symbol for s in make_symbols(2)] == ["WZE", "CO"]


def test_same_seed_same_list_other_seed_other_list() -> None:
    assert make_symbols(seed=3) == make_symbols(seed=3)
    assert make_symbols(seed=3) != make_symbols(seed=4)


def test_more_symbols_than_the_pool_are_invented_plausibly() -> None:
    specs = make_symbols(400, seed=5)
    assert len({s.symbol for s in specs}) == 400
    assert all(s.symbol.isalpha() and len(s.symbol) <= 4 for s in specs[-50:])
    assert make_symbols(400, seed=5) == specs


def test_fewer_than_one_symbol_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        make_symbols(0)
