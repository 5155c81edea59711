"""Talking to a running drill's control API from another shell."""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from typing import Any

from harness.errors import RunNotFound, UsageError
from harness.runner.control_api import CONTROL_FILE, FACILITATOR
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


def token_for(control: dict[str, Any], role: str, name: str | None) -> tuple[str, str]:
    """The bearer token and the name it acts as, for the facilitator or a responder."""
    if role == FACILITATOR:
        return str(control["facilitator_token"]), FACILITATOR
    tokens: dict[str, str] = dict(control.get("responders") or {})
    if name is None:
        if len(tokens) != 1:
            names = ", ".join(sorted(tokens))
            raise UsageError(f"--as: this drill has several responders ({names}); say which")
        name = next(iter(tokens))
    if name not in tokens:
        names = ", ".join(sorted(tokens)) or "none"
        raise UsageError(f"--as: no responder {name!r} in this drill (responders: {names})")
    return tokens[name], name


def request(
    run_id: str,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    role: str = "responder",
    name: str | None = None,
    token: str | None = None,
) -> tuple[int, dict[str, Any]]:
    """One call to the run's control API; returns (status, JSON body).

    ``token`` is for a person who was handed one (the control file is readable by
    the account that runs the drill only); otherwise it comes from the control file.
    """
    control = control_of(run_id)
    if token is None:
        token, _ = token_for(control, role, name)
    conn = http.client.HTTPConnection(control["host"], int(control["port"]), timeout=30)
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
    if resp.status == 401:
        raise UsageError(f"drill {run_id}: the control API refused the token")
    return resp.status, payload
