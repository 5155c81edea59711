"""Throughput of the exchange's matching, in process: prints one JSON object.

Two figures from one seeded stream of mixed flow around a drifting price
(about 55% passive limit orders, 28% cancels of recent orders, 17%
marketable orders, a third of those IOC):

* ``orders_per_s``: the bare ``OrderBook`` (operations a second, cancels
  included), which is what bounds the exchange;
* ``core_orders_per_s``: the same flow as protocol messages through
  ``ExchangeCore`` (ACKs, EXECUTIONs, a drop-copy and a market-data
  subscriber, liquidity providers on), which is what a session sees.

Run: ``python bench/matching.py [--ops N] [--seed S]``. Figures are recorded
in ``docs/exchange.md`` with the machine they came from.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from services.exchange import BUY, SELL, ExchangeConfig, ExchangeCore, OrderBook
from services.protocol import Cancel, Logon, NewChild, Side, TimeInForce

Op = tuple[int, int, int, int, int, bool]
"""``(kind, oid, side, price, qty, ioc)``; kind 0 is a new order, 1 a cancel."""

_TICK = 100


def make_flow(n: int, seed: int, mid: int = 350_000) -> list[Op]:
    """A seeded stream of adds, cancels and marketable orders around a random-walk mid."""
    rng = random.Random(seed)
    ops: list[Op] = []
    next_oid = 1
    recent: list[int] = []
    for _ in range(n):
        if rng.random() < 0.02:
            mid += _TICK * rng.choice((-1, 1))
        r = rng.random()
        if r < 0.28 and recent:
            oid = recent.pop(rng.randrange(len(recent)))
            ops.append((1, oid, 0, 0, 0, False))
            continue
        side = BUY if rng.random() < 0.5 else SELL
        sign = 1 if side == BUY else -1
        qty = 100 * rng.randint(1, 5)
        if r < 0.45:
            price = mid + sign * _TICK * rng.randint(1, 4)
            ioc = rng.random() < 0.33
        else:
            price = mid - sign * _TICK * rng.randint(1, 12)
            ioc = False
        ops.append((0, next_oid, side, price, qty, ioc))
        recent.append(next_oid)
        if len(recent) > 2000:
            recent.pop(0)
        next_oid += 1
    return ops


def bench_book(ops: list[Op]) -> dict[str, float | int]:
    book = OrderBook("BENCH")
    submit, cancel = book.submit, book.cancel
    fills = 0
    gc.collect()
    start = time.perf_counter()
    for kind, oid, side, price, qty, ioc in ops:
        if kind:
            cancel(oid)
        else:
            fills += len(submit(oid, side, price, qty, ioc, None)[0])
    elapsed = time.perf_counter() - start
    return {
        "orders_per_s": round(len(ops) / elapsed),
        "book_seconds": round(elapsed, 3),
        "book_fills": fills,
        "book_resting_at_end": len(book),
    }


def bench_core(ops: list[Op], seed: int) -> dict[str, float | int]:
    core = ExchangeCore(ExchangeConfig(symbols=1, seed=seed), start_us=34_200_000_000)
    symbol = core.specs[0].symbol
    now = core.now
    core.open(1, "orders", now)
    core.open(2, "dropcopy", now)
    core.open(3, "marketdata", now)
    core.on_messages(1, [Logon("bench")], now)
    base = core.specs[0].price - 350_000
    sides = {BUY: Side.BUY, SELL: Side.SELL}
    msgs = [
        Cancel(oid, symbol)
        if kind
        else NewChild(
            oid,
            oid,
            symbol,
            sides[side],
            TimeInForce.IOC if ioc else TimeInForce.DAY,
            qty,
            max(_TICK, price + base),
            "BENCH",
            qty,
        )
        for kind, oid, side, price, qty, ioc in ops
    ]
    batch = 64
    sent = 0
    gc.collect()
    start = time.perf_counter()
    for i in range(0, len(msgs), batch):
        now += 5_000  # 64 messages every 5 ms of drill time
        out = core.on_messages(1, msgs[i : i + batch], now)
        sent += sum(len(m) for m in out.sends.values())
    elapsed = time.perf_counter() - start
    return {
        "core_orders_per_s": round(len(msgs) / elapsed),
        "core_seconds": round(elapsed, 3),
        "core_messages_out": sent,
        "core_executions": core.counters.executions,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--ops", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    ops = make_flow(args.ops, args.seed)
    result: dict[str, object] = {"bench": "matching", "ops": len(ops), "seed": args.seed}
    result["mix"] = {
        "cancel": round(sum(1 for o in ops if o[0]) / len(ops), 3),
        "ioc": round(sum(1 for o in ops if o[5]) / len(ops), 3),
    }
    result.update(bench_book(ops))
    result.update(bench_core(ops[: max(1, len(ops) // 5)], args.seed))
    result["python"] = platform.python_version()
    result["machine"] = {"cpus": os.cpu_count(), "processor": _cpu_model()}
    print(json.dumps(result))


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


if __name__ == "__main__":
    main()
