"""How long ``gameday up --backend docker`` takes until every container is healthy.

With the services image cached (it is made first, outside the timing), runs the
real CLI in a subprocess several times and prints one JSON object: ``up_s``
(median, min, max wall seconds from launch to the CLI returning with every
``/health`` answered on its published port) and ``down_s`` (``gameday down``:
every container, the network and the logs gone). Aim: ``up_s`` under 20 s.
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

from harness.images import engine_available, ensure_services_image


def _gameday(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "harness.cli.main", *args],
        capture_output=True,
        text=True,
        env=env,
    )
    if done.returncode != 0:
        raise SystemExit(f"gameday {' '.join(args)}: exit {done.returncode}: {done.stderr[-800:]}")
    return done


def _figures(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 2),
        "min": round(min(values), 2),
        "max": round(max(values), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--routers", type=int, default=8)
    opts = parser.parse_args()
    ok, why = engine_available()
    if not ok:
        raise SystemExit(f"docker_up: {why}")
    image = ensure_services_image()
    ups: list[float] = []
    downs: list[float] = []
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "GAMEDAY_HOME": home}
        for _ in range(opts.runs):
            start = time.perf_counter()
            done = _gameday(
                "up", "--backend", "docker", "--routers", str(opts.routers), "--json", env=env
            )
            ups.append(time.perf_counter() - start)
            run_id = json.loads(done.stdout)["run_id"]
            start = time.perf_counter()
            _gameday("down", run_id, env=env)
            downs.append(time.perf_counter() - start)
    print(
        json.dumps(
            {
                "bench": "docker_up",
                "image": image,
                "routers": opts.routers,
                "containers": opts.routers + 6,
                "runs": opts.runs,
                "up_s": _figures(ups),
                "down_s": _figures(downs),
                "cpus": os.cpu_count(),
            }
        )
    )


if __name__ == "__main__":
    main()
