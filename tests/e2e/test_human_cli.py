"""A human game day: two people with their own tokens, a facilitator who pauses
the whole topology and gives a hint, then grades and a debrief that tell the
one who followed the runbook from the one who rolled back before verifying."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli.main", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "GAMEDAY_HOME": str(home), "COLUMNS": "200"},
        timeout=120,
    )


def call(
    port: int, method: str, path: str, token: str | None, body: dict[str, Any] | None = None
) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    resp = conn.getresponse()
    answer = json.loads(resp.read() or b"{}")
    conn.close()
    return resp.status, answer


def drill_time_of_every_service(home: Path, run_id: str) -> dict[str, int]:
    state = json.loads((home / "runs" / run_id / "state.json").read_text())
    times = {}
    for name in ("exchange", "flow", "router-8", "monitor"):
        record = state["services"][name]
        status, health = call(record["ports"]["admin"], "GET", "/health", None)
        assert status == 200
        times[name] = health["now_us"]
    return times


def test_two_people_a_facilitator_grades_and_the_debrief(tmp_path: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "report"
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness.cli.main", "run", "bad-rollback", "--responder", "human",
         "--people", "alice,bob", "--speed", "120", "--report-dir", str(out)],
        env={**os.environ, "GAMEDAY_HOME": str(home)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        controls: list[Path] = []
        while not controls and time.monotonic() < deadline:
            controls = list((home / "runs").glob("*/control.json")) if home.exists() else []
            time.sleep(0.2)
        assert controls, "the run wrote no control file"
        run_id = controls[0].parent.name
        control = json.loads(controls[0].read_text())
        port, tokens = int(control["port"]), control["responders"]
        facilitator = control["facilitator_token"]
        assert sorted(tokens) == ["alice", "bob"]

        # The facilitator pauses first: everything slow below happens in stopped time.
        done = cli(home, "pause", run_id)
        assert done.returncode == 0 and "clock paused" in done.stdout, done.stderr
        before = drill_time_of_every_service(home, run_id)
        time.sleep(1.0)  # 120 drill seconds, were the clock running
        assert drill_time_of_every_service(home, run_id) == before
        assert len(set(before.values())) == 1

        # Each token is one person; the plan is the facilitator's.
        assert call(port, "GET", "/plan", None)[0] == 401
        assert call(port, "GET", "/plan", tokens["alice"])[0] == 403
        status, plan = call(port, "GET", "/plan", facilitator)
        assert status == 200 and plan["responders"] == ["alice", "bob"]
        assert plan["clock"]["paused"] is True
        done = cli(home, "act", run_id, "escalate", "--as", "bob", "--token", tokens["alice"])
        assert done.returncode == 4 and "acts as alice, not bob" in done.stderr
        done = cli(home, "act", run_id, "escalate")
        assert done.returncode == 4 and "several responders" in done.stderr
        done = cli(home, "act", run_id, "escalate", "--as", "alice")
        assert done.returncode == 1 and "paused" in done.stdout  # the desk is frozen

        done = cli(home, "hint", run_id, "Who knows what each router runs?", "--to", "alice")
        assert done.returncode == 0, done.stderr
        assert call(port, "GET", "/view", tokens["alice"])[1]["hints"][0]["text"].startswith("Who")
        assert call(port, "GET", "/view", tokens["bob"])[1]["hints"] == []
        assert call(port, "GET", "/view", tokens["bob"])[1]["clock_paused"] is True
        done = cli(home, "speed", run_id, "120")
        assert done.returncode == 0 and "paused at 120x" in done.stdout, done.stderr
        assert drill_time_of_every_service(home, run_id) == before
        done = cli(home, "resume", run_id)
        assert done.returncode == 0 and "clock running" in done.stdout
        time.sleep(0.5)
        after = drill_time_of_every_service(home, run_id)
        assert all(after[name] > before[name] for name in before)

        # At the runaway's onset: alice works the kill-switch card; bob rolls back blind.
        journal = out / "journal.jsonl"
        while '"onset_us":' not in journal.read_text().replace('"onset_us":null', ""):
            assert proc.poll() is None, "the drill ended before the runaway began"
            time.sleep(0.1)
        for action in ("kill_switch", "cancel_all", "escalate"):
            status, result = call(port, "POST", "/act", tokens["alice"], {"action": action})
            assert status == 200, result
        status, result = call(port, "POST", "/act", tokens["bob"], {"action": "rollback"})
        assert result["responder"] == "bob"
        status, result = call(port, "POST", "/act", tokens["alice"], {"action": "verify_builds"})
        assert status == 200, result
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 2, stderr

    done = cli(home, "grade", str(out), "--json")
    assert done.returncode == 0, done.stderr
    cards = {c["responder"]: c for c in json.loads(done.stdout)["responders"]}
    assert sorted(cards) == ["alice", "bob"]
    assert [f["rule"] for f in cards["bob"]["forbidden"]] == ["rollback-under-kill"]
    assert cards["alice"]["forbidden"] == []
    assert {"halt", "cancel-all", "escalate", "verify-builds"} <= set(cards["alice"]["steps_done"])
    assert cards["alice"]["points"] > cards["bob"]["points"]
    assert cards["alice"]["grade"] < cards["bob"]["grade"]  # "A" sorts before "F"

    done = cli(home, "debrief", str(out))
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "paused the drill" in text and "resumed the drill" in text
    assert "hint to alice: Who knows what each router runs?" in text
    assert "FORBIDDEN: rollback-under-kill" in text
    assert "step verify-builds" in text
