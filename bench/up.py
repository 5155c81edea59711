"""How long ``gameday up`` takes until every service of the topology is healthy.

Runs the real CLI in a subprocess several times (8 routers by default) and
prints one JSON object: ``up_s`` (median, min, max wall seconds from launch to
the CLI returning with every health check answered) and ``down_s``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def _gameday(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )


def _figures(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--routers", type=int, default=8)
    opts = parser.parse_args()
    ups: list[float] = []
    downs: list[float] = []
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "GAMEDAY_HOME": home}
        for _ in range(opts.runs):
            start = time.perf_counter()
            done = _gameday("up", "--routers", str(opts.routers), "--json", env=env)
            ups.append(time.perf_counter() - start)
            run_id = json.loads(done.stdout)["run_id"]
            start = time.perf_counter()
            _gameday("down", run_id, env=env)
            downs.append(time.perf_counter() - start)
    print(
        json.dumps(
            {
                "bench": "up",
                "routers": opts.routers,
                "runs": opts.runs,
                "up_s": _figures(ups),
                "down_s": _figures(downs),
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
