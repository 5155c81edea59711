"""A human responder on a running drill: the control API, its tokens, ``gameday act``."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness.cli.main", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "GAMEDAY_HOME": str(home)},
        timeout=120,
    )


def get(control: dict[str, object], path: str, token: str | None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", int(str(control["port"])), timeout=10)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    conn.request("GET", path, headers=headers)
    status = conn.getresponse().status
    conn.close()
    return status


def test_a_person_acts_through_the_control_api(tmp_path: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "report"
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness.cli.main", "run", "flag-reuse", "--responder", "human",
         "--speed", "120", "--report-dir", str(out)],
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

        assert get(control, "/plan", None) == 401
        assert get(control, "/plan", str(control["responder_token"])) == 403
        assert get(control, "/plan", str(control["facilitator_token"])) == 200
        assert get(control, "/view?as=alice", str(control["responder_token"])) == 200

        done = cli(home, "act", run_id, "open_inbox", "--as", "alice")
        assert done.returncode == 0, done.stderr
        done = cli(home, "act", run_id, "disable_router", "router=router-99", "--as", "bob")
        assert done.returncode == 1 and "router-99" in done.stdout
        done = cli(home, "act", run_id, "no_such_action")
        assert done.returncode == 4
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=120)
    assert proc.returncode == 2
    events = [
        json.loads(line)["event"] for line in (out / "journal.jsonl").read_text().splitlines()
    ]
    acts = [
        (e["responder"], e["action"], e["ok"]) for e in events if e["type"] == "responder_action"
    ]
    assert ("alice", "open_inbox", True) in acts
    assert ("bob", "disable_router", False) in acts
