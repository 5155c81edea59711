"""What the docker tests share: the CLI in a subprocess, journals, what the engine holds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import docker


def gameday(home: Path, *args: str, timeout: float = 400) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GAMEDAY_HOME": str(home)}
    try:
        return subprocess.run(
            [sys.executable, "-m", "harness.cli.main", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=timeout,
        )
    except BaseException:
        # A timeout kills the harness with SIGKILL: sweep what its runs left in the engine.
        for state in sorted((home / "runs").glob("*/state.json")):
            subprocess.run(
                [sys.executable, "-m", "harness.cli.main", "cleanup", "--run", state.parent.name],
                capture_output=True,
                env=env,
                timeout=120,
                check=False,
            )
        raise


def journal(report_dir: Path) -> list[dict[str, Any]]:
    lines = (report_dir / "journal.jsonl").read_text().splitlines()
    return [json.loads(line)["event"] for line in lines]


def report_of(directory: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((directory / "report.json").read_text())
    return data


def labelled(run_id: str) -> dict[str, list[str]]:
    """Every container, network and volume in the engine with the run's label."""
    client = docker.from_env()
    found = {"label": f"gameday.run={run_id}"}
    try:
        return {
            "containers": [c.name for c in client.containers.list(all=True, filters=found)],
            "networks": [n.name for n in client.networks.list(filters=found)],
            "volumes": [v.name for v in client.volumes.list(filters=found)],
        }
    finally:
        client.close()


NOTHING: dict[str, list[str]] = {"containers": [], "networks": [], "volumes": []}

FAULTS_DRILL = """\
name: docker-faults
description: |
  Knight's eighth server on two routers; the exchange dies, then the runaway router is cut off.
  router-2 keeps the Power Peg build and runs away from the open. At 09:31 the exchange container is
  killed (and started again at 09:32); from 09:39 to 09:41 router-2 is partitioned off the network.
  Nobody responds and the knight-2012 controls stop nothing, so the runaway goes on once it is back.
controls: knight-2012
topology: {routers: 2, initial_build: "2003.1", symbols: 20}
clock: {start: "09:20", end: "09:45", speed: 60}
seed: 1
scale: 0.25
runbook: runaway-orders
script:
  - at: "09:20:30"
    deploy: {build: "2012.07", mode: legacy}
timeline:
  - fault: skip_server_on_deploy
    at: "09:20:00"
    params: {router: router-2}
    until: deploy_finished
  - fault: repurposed_flag
    at: deploy_finished
  - fault: kill
    at: "09:31:00"
    until: "09:32:00"
    params: {service: exchange}
  - fault: partition
    at: "09:39:00"
    until: "09:41:00"
    params: {service: router-2}
expectations:
  - loss_usd < 1_000_000_000
"""
