"""Container faults in a drill on the docker backend: seen by the risk monitor, and scored.

``gameday run`` in a subprocess runs a short drill (``support.FAULTS_DRILL``)
whose runaway router is the only unintended flow: the exchange container is
killed for a drill minute, later the runaway router is partitioned off the
network for two. The monitor's count of unintended executions (the journal's
market snapshots) stands still while the exchange is dead, grows again once it
is back, stands still while the router is cut off and grows again when it
rejoins: the runaway was interrupted twice and never stopped, and the score
says so (no mitigation). Then the same drill is SIGKILLed half way and
``gameday cleanup`` must leave nothing of it in the engine.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from .support import FAULTS_DRILL, NOTHING, gameday, journal, labelled, report_of

US = 1_000_000
DRAIN_US = 30 * US


def hms(text: str) -> int:
    h, m = text.split(":")
    return (int(h) * 3600 + int(m) * 60) * US


@pytest.fixture(scope="module")
def drill_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("drills") / "docker-faults.yaml"
    path.write_text(FAULTS_DRILL)
    return path


def executions_between(events: list[dict[str, Any]], start: int, end: int) -> list[int]:
    """The monitor's count of unintended executions in each snapshot from ``start`` to ``end``."""
    return [
        int(e["executions"])
        for e in events
        if e["type"] == "market_snapshot" and start <= int(e["at_us"]) <= end
    ]


def test_an_exchange_kill_and_a_router_partition_are_seen_and_scored(
    drill_file: Path, tmp_path: Path, services_image: str
) -> None:
    out = tmp_path / "report"
    done = gameday(tmp_path, "run", str(drill_file), "--backend", "docker",
                   "--responder", "asleep", "--report-dir", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    events = journal(out)
    at = {(e["type"], e["name"]): int(e["at_us"]) for e in events if e["type"].startswith("fault_")}
    reverted = [e for e in events if e["type"] == "fault_reverted"]
    assert len(reverted) == 4 and all(e["ok"] for e in reverted), reverted
    kill, back = at[("fault_injected", "kill")], at[("fault_reverted", "kill")]
    cut, healed = at[("fault_injected", "partition")], at[("fault_reverted", "partition")]

    # While the exchange is dead the monitor sees no new unintended execution (a few
    # drop copies already in flight may still land; the observer's polls stall on the
    # dead exchange, so there may be only one snapshot in that drill minute)...
    dead = executions_between(events, kill, back)
    assert dead and dead[-1] - dead[0] <= 10, dead
    # ...once it is back on its ports, the gate and the monitor reconnect and it goes on...
    assert executions_between(events, back, cut)[-1] > dead[-1] + 10
    # ...with router-2 cut off, its children reach nobody (once what the gate held for the
    # exchange while it was gone has drained)...
    silent = executions_between(events, cut + DRAIN_US, hms("09:41") - 15 * US)
    assert silent and len(set(silent)) == 1, silent
    # ...and once it rejoins, TCP delivers what it kept sending: the runaway goes on.
    assert executions_between(events, healed, hms("09:46"))[-1] > silent[-1]
    report = report_of(out)
    assert report["scores"]["onset_s"] is not None
    assert report["scores"]["time_to_mitigate_s"] is None  # interrupted twice, never stopped
    faults = {f["name"]: f for f in report["faults"]}
    assert faults.keys() >= {"kill", "partition"}
    assert all(f["reverted_at"] is not None for f in faults.values())
    assert "ready" in (out / "logs" / "exchange.log").read_text()  # the containers' logs


def test_a_harness_killed_mid_drill_leaves_nothing_after_cleanup(
    drill_file: Path, tmp_path: Path, services_image: str
) -> None:
    out = tmp_path / "report"
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness.cli.main", "run", str(drill_file), "--backend",
         "docker", "--responder", "asleep", "--report-dir", str(out)],
        env={**os.environ, "GAMEDAY_HOME": str(tmp_path)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    path = out / "journal.jsonl"
    deadline = time.monotonic() + 180
    try:
        while '"fault_injected"' not in (path.read_text() if path.exists() else ""):
            assert proc.poll() is None, proc.communicate()[1][-2000:]
            assert time.monotonic() < deadline, "no fault injected in time"
            time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGKILL)  # no finally of the harness runs
        proc.communicate(timeout=30)
    run_id = str(journal(out)[0]["run_id"])
    assert labelled(run_id)["containers"], "the run's containers outlive the harness"
    done = gameday(tmp_path, "cleanup", "--run", run_id)
    assert done.returncode == 0, done.stderr
    assert labelled(run_id) == NOTHING
    assert gameday(tmp_path, "cleanup", "--run", run_id).returncode == 4  # nothing left
