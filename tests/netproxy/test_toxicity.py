"""Toxicity: the share of connections a toxic applies to (spec 4, 6.14 item 10)."""

from __future__ import annotations

import pytest

from harness.netproxy import ThreadServer

from .support import Server, Upstream, connect, read_outcome


def _affected(server: Server, port: int, connections: int) -> list[bool]:
    """Per new connection, whether the upstream limit_data(0) toxic cut it off."""
    outcomes = []
    for _ in range(connections):
        with connect(port, timeout=3) as client:
            client.sendall(b"ping")
            outcome = read_outcome(client)
            assert outcome in ("data", "eof", "reset"), outcome
            outcomes.append(outcome != "data")
    return outcomes


def _toxic(server: Server, toxicity: float) -> None:
    body = {"type": "limit_data", "stream": "upstream", "toxicity": toxicity}
    response = server.post("/proxies/p/toxics", {**body, "attributes": {"bytes": 0}})
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(("toxicity", "share"), [(0.0, 0.0), (1.0, 1.0)])
def test_toxicity_zero_and_one(
    server: Server, echo: Upstream, toxicity: float, share: float
) -> None:
    port = server.create_proxy("p", echo.address)
    _toxic(server, toxicity)
    outcomes = _affected(server, port, 20)
    assert sum(outcomes) == share * len(outcomes)


def test_toxicity_half_applies_to_about_half(server: Server, echo: Upstream) -> None:
    port = server.create_proxy("p", echo.address)
    _toxic(server, 0.5)
    outcomes = _affected(server, port, 200)
    assert 70 <= sum(outcomes) <= 130, f"{sum(outcomes)} of 200 connections affected"


def test_seed_makes_rolls_reproducible(echo: Upstream) -> None:
    patterns = []
    for _ in range(2):
        handle = ThreadServer(seed=42).start()
        try:
            server = Server("embedded", handle)
            port = server.create_proxy("p", echo.address)
            _toxic(server, 0.5)
            patterns.append(_affected(server, port, 40))
        finally:
            handle.stop()
    assert patterns[0] == patterns[1]
    assert 0 < sum(patterns[0]) < 40
