"""End-to-end throughput and latency: strategy → router → gate → exchange and back, over TCP.

Starts a real exchange, alert bus, risk gate and N routers (build 2012.07, drill
clock after the open) as processes, then drives every router from one asyncio
client with a window of parent orders in flight per router. A parent's latency
is from the client writing it to the client reading its first execution (or a
reject): the full round trip through router, gate and exchange. Prints one JSON
object with ``orders_per_s``, ``p50_ms``, ``p99_ms``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from harness.processes import ServiceProcess, start_service
from services.protocol import (
    Execution,
    FrameDecoder,
    Logon,
    NewParent,
    Reject,
    Side,
    TimeInForce,
    encode,
)

HOST = "127.0.0.1"


def start_topology(routers: int, profile: str, work: Path) -> list[ServiceProcess]:
    clock = ["--drill-start", "10:00", "--speed", "1", "--epoch", repr(time.time())]
    logs = work / "logs"
    procs: list[ServiceProcess] = []
    try:
        ex = start_service(
            "exchange",
            "exchange",
            [*clock, "--orders-port", "0", "--dropcopy-port", "0", "--marketdata-port", "0"],
            logs / "exchange.log",
        )
        procs.append(ex)
        alerts = start_service("alerts", "alerts", clock, logs / "alerts.log")
        procs.append(alerts)
        gate = start_service(
            "gate",
            "gate",
            [
                *clock,
                "--orders-port", "0",
                "--exchange", f"{HOST}:{ex.ports['orders']}",
                "--marketdata", f"{HOST}:{ex.ports['marketdata']}",
                "--alerts", f"{HOST}:{alerts.ports['admin']}",
                "--profile", profile,
            ],
            logs / "gate.log",
        )  # fmt: skip
        procs.append(gate)
        for i in range(1, routers + 1):
            name = f"router-{i}"
            procs.append(
                start_service(
                    name,
                    "router",
                    [
                        *clock,
                        "--name", name,
                        "--orders-port", "0",
                        "--ssh-port", "0",
                        "--gate", f"{HOST}:{gate.ports['orders']}",
                        "--keys", str(work / "keys"),
                        "--build-dir", str(work / name),
                        "--initial-build", "2012.07",
                    ],
                    logs / f"{name}.log",
                )
            )  # fmt: skip
    except BaseException:
        for proc in reversed(procs):
            proc.stop()
        raise
    return procs


class RouterClient(asyncio.Protocol):
    """One strategy session to one router, keeping ``window`` parents in flight."""

    def __init__(self, index: int, symbols: list[tuple[str, float]], window: int) -> None:
        self.index = index
        self.symbols = symbols
        self.window = window
        self.decoder = FrameDecoder()
        self.sent_at: dict[int, float] = {}
        self.latencies: list[float] = []
        self.next_id = 1
        self.transport: asyncio.Transport | None = None
        self.running = True

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(encode(Logon(f"bench-{self.index}")))
        self._fill_window()

    def _order(self) -> NewParent:
        pid = self.next_id
        self.next_id += 1
        # Each symbol is bought on one pass through the list and sold on the next, so
        # the benchmark's own price impact cancels out and every order stays marketable.
        n = len(self.symbols)
        symbol, price = self.symbols[(pid + self.index) % n]
        side = Side.BUY if (pid // n) % 2 == 0 else Side.SELL
        limit = price * (1.10 if side is Side.BUY else 0.90)
        return NewParent(
            pid, symbol, side, TimeInForce.DAY, 100, round(limit * 100) * 100, "BENCH", "BENCH", 0
        )

    def _fill_window(self) -> None:
        if self.transport is None or not self.running:
            return
        orders = []
        now = time.perf_counter()
        while len(self.sent_at) < self.window:
            order = self._order()
            self.sent_at[order.parent_id] = now
            orders.append(order)
        if orders:
            self.transport.write(b"".join(encode(o) for o in orders))

    def data_received(self, data: bytes) -> None:
        now = time.perf_counter()
        for msg in self.decoder.feed(data):
            if isinstance(msg, Execution | Reject):
                started = self.sent_at.pop(msg.order_id, None)
                if started is not None:
                    self.latencies.append(now - started)
        self._fill_window()


def _factory(client: RouterClient) -> Callable[[], RouterClient]:
    return lambda: client


async def drive(
    routers: list[ServiceProcess], symbols: list[tuple[str, float]], window: int, seconds: float
) -> tuple[int, list[float], float]:
    loop = asyncio.get_running_loop()
    clients = []
    for i, router in enumerate(routers):
        client = RouterClient(i, symbols, window)
        await loop.create_connection(_factory(client), HOST, router.ports["orders"])
        clients.append(client)
    await asyncio.sleep(1.0)  # warm-up: connections, first quotes
    for c in clients:
        c.latencies.clear()
    start = time.perf_counter()
    await asyncio.sleep(seconds)
    elapsed = time.perf_counter() - start
    for c in clients:
        c.running = False
    latencies = [x for c in clients for x in c.latencies]
    for c in clients:
        if c.transport is not None:
            c.transport.close()
    return len(latencies), latencies, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--routers", type=int, default=8)
    parser.add_argument("--window", type=int, default=16, help="parents in flight per router")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--profile", default="knight-2012", choices=["knight-2012", "modern"])
    opts = parser.parse_args()
    from services.net.admin_client import call

    with tempfile.TemporaryDirectory() as tmp:
        procs = start_topology(opts.routers, opts.profile, Path(tmp))
        try:
            exchange = procs[0]
            listed = call(HOST, exchange.ports["admin"], "GET", "/symbols")["symbols"]
            symbols = [(s["symbol"], float(s["price"])) for s in listed]
            routers = [p for p in procs if p.name.startswith("router-")]
            done, latencies, elapsed = asyncio.run(
                drive(routers, symbols, opts.window, opts.seconds)
            )
        finally:
            for proc in reversed(procs):
                proc.stop()
    latencies.sort()
    ms = [x * 1000 for x in latencies]
    print(
        json.dumps(
            {
                "bench": "e2e",
                "routers": opts.routers,
                "window": opts.window,
                "profile": opts.profile,
                "seconds": round(elapsed, 2),
                "orders": done,
                "orders_per_s": round(done / elapsed),
                "p50_ms": round(statistics.median(ms), 3) if ms else None,
                "p99_ms": round(ms[int(len(ms) * 0.99) - 1], 3) if ms else None,
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
