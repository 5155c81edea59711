"""Talking to a running drill's control API from another shell."""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from typing import Any

from harness.errors import RunNotFound, UsageError
from harness.runner.control_api import CONTROL_FILE
from harness.runstate import run_dir_for


def control_of(run_id: str) -> dict[str, Any]:
    path: Path = run_dir_for(run_id) / CONTROL_FILE
    try:
        data: dict[str, Any] = json.loads(path.read_text())
    except FileNotFoundError:
        raise RunNotFound(f"no drill {run_id!r} is running (see `gameday status`)") from None
    except ValueError:
        raise UsageError(f"{path}: unreadable control file") from None
    return data


def request(
    run_id: str, method: str, path: str, body: dict[str, Any] | None = None, role: str = "responder"
) -> tuple[int, dict[str, Any]]:
    """One call to the run's control API; returns (status, JSON body)."""
    control = control_of(run_id)
    conn = http.client.HTTPConnection(control["host"], int(control["port"]), timeout=30)
    token = control[f"{role}_token"]
    try:
        conn.request(
            method,
            path,
            body=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        resp = conn.getresponse()
        payload = json.loads(resp.read() or b"{}")
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise RunNotFound(f"drill {run_id}: control API not answering ({exc})") from None
    finally:
        conn.close()
    return resp.status, payload
