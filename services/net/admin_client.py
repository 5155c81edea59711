"""Blocking client for a service's admin endpoint (used by the harness and tests)."""

from __future__ import annotations

import http.client
import json
from typing import Any


class AdminCallError(Exception):
    """An admin call failed: connection refused, timeout, or a non-200 answer."""


def call(
    host: str,
    port: int,
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    timeout: float = 5.0,
) -> dict[str, Any]:
    """One request; returns the JSON object or raises ``AdminCallError``."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        payload = json.dumps(body or {}).encode()
        conn.request(method, path, body=payload, headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        data = resp.read()
    except (OSError, http.client.HTTPException) as exc:
        raise AdminCallError(f"{method} http://{host}:{port}{path}: {exc}") from None
    finally:
        conn.close()
    try:
        parsed = json.loads(data) if data else {}
    except ValueError:
        raise AdminCallError(f"{method} {path}: answer is not JSON: {data[:80]!r}") from None
    if resp.status != 200:
        msg = parsed.get("error", "") if isinstance(parsed, dict) else ""
        raise AdminCallError(f"{method} {path}: HTTP {resp.status}: {msg}")
    if not isinstance(parsed, dict):
        raise AdminCallError(f"{method} {path}: expected a JSON object")
    return parsed
