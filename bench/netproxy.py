"""Throughput and added latency of Toxiproxy-compatible servers, side by side.

Targets: a direct connection (the baseline), the embedded server (``python -m
services.toxiproxy`` in its own process) and every external server installed
(noxious-server, toxiproxy-server). Prints one JSON object.

    .venv/bin/python bench/netproxy.py [--megabytes 256] [--round-trips 3000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any

from harness.netproxy import (
    NetProxy,
    ServerHandle,
    ToxiproxyClient,
    find_server_binaries,
    launch_binary,
    launch_server,
)

BLOCK = 256 * 1024


class Sink:
    """Loopback listener that counts and discards what each connection sends."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        self.done = threading.Event()
        self.expected = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        buffer = bytearray(1 << 20)
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            received = 0
            with conn:
                while received < self.expected and (n := conn.recv_into(buffer)):
                    received += n
            self.done.set()


class Echo:
    """Loopback listener that sends back every byte it receives."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self._echo, args=(conn,), daemon=True).start()

    @staticmethod
    def _echo(conn: socket.socket) -> None:
        with conn:
            while data := conn.recv(65536):
                conn.sendall(data)


def throughput(port: int, sink: Sink, megabytes: int) -> float:
    """MB/s (10^6 bytes) for one connection sending ``megabytes`` to the sink."""
    total = megabytes * 1_000_000
    sink.expected, payload = total, os.urandom(BLOCK)
    sink.done.clear()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        start = time.perf_counter()
        sent = 0
        while sent < total:
            sock.sendall(payload[: min(BLOCK, total - sent)])
            sent += min(BLOCK, total - sent)
        sink.done.wait(120)
        took = time.perf_counter() - start
    return round(total / took / 1e6, 1)


def round_trips(port: int, count: int) -> dict[str, float]:
    """p50/p99/mean of one-byte round trips, in microseconds."""
    samples = []
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for index in range(count + 200):
            start = time.perf_counter_ns()
            sock.sendall(b"x")
            sock.recv(1)
            if index >= 200:  # warm-up
                samples.append((time.perf_counter_ns() - start) / 1000)
    samples.sort()
    return {
        "p50_us": round(statistics.median(samples), 1),
        "p99_us": round(samples[int(len(samples) * 0.99)], 1),
        "mean_us": round(statistics.fmean(samples), 1),
    }


def measure(port_for: Callable[[int], int], sink: Sink, echo: Echo, args: Any) -> dict[str, Any]:
    # The machine is shared, so each figure is the median of a few runs.
    rates = [throughput(port_for(sink.port), sink, args.megabytes) for _ in range(args.repeat)]
    trips = [round_trips(port_for(echo.port), args.round_trips) for _ in range(args.repeat)]
    return {
        "throughput_MBps": statistics.median(rates),
        "throughput_runs_MBps": rates,
        "round_trip": {key: round(statistics.median(t[key] for t in trips), 1) for key in trips[0]},
    }


def through_server(server: ServerHandle, sink: Sink, echo: Echo, args: Any) -> dict[str, Any]:
    net = NetProxy(ToxiproxyClient(server.host, server.port), server)
    try:
        links: dict[int, int] = {}

        def port_for(upstream: int) -> int:
            if upstream not in links:
                name = f"bench{upstream}"
                address = net.create_link(name, "127.0.0.1:0", ("127.0.0.1", upstream))
                links[upstream] = address.port
            return links[upstream]

        result = measure(port_for, sink, echo, args)
        result["version"] = net.client.version()
        return result
    finally:
        net.close()


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=256, help="bulk transfer size (MB)")
    parser.add_argument("--round-trips", type=int, default=3000, help="one-byte round trips")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median kept)")
    args = parser.parse_args()
    sink, echo = Sink(), Echo()
    results: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "cpu": cpu_model(),
            "python": platform.python_version(),
            "load_average_1min": os.getloadavg()[0],
        },
        "direct": measure(lambda port: port, sink, echo, args),
    }
    results["embedded"] = through_server(launch_server("embedded"), sink, echo, args)
    for binary in find_server_binaries():
        results[binary.kind] = through_server(launch_binary(binary), sink, echo, args)
    base = results["direct"]["round_trip"]["p50_us"]
    for name, result in results.items():
        if name not in ("machine", "direct"):
            # A round trip crosses the proxy twice: once each way.
            added = (result["round_trip"]["p50_us"] - base) / 2
            result["added_latency_per_hop_p50_us"] = round(added, 1)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
