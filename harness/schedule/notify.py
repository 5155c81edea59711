"""Telling a team how its game day went: one JSON POST to the schedule's webhook.

The body (``GameDayNotice``) is the same for every outcome; a missed or skipped
game day has no run, so its run id, grade, scores and report path are null.
``post`` never raises: a webhook that fails, times out or answers an error
status is described in the returned text, which the scheduler logs and records.
"""

from __future__ import annotations

from typing import Final

import requests
from pydantic import BaseModel, ConfigDict

DEFAULT_TIMEOUT_S: Final = 10.0


class GameDayNotice(BaseModel):
    """What the webhook receives."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event: str = "gameday.scheduled_run"
    schedule_id: str
    drill: str
    team: str
    outcome: str
    due_at: str
    run_id: str | None = None
    grade: str | None = None
    points: float | None = None
    scores: dict[str, object] | None = None
    report_path: str | None = None
    detail: str = ""


def post(url: str, notice: GameDayNotice, timeout_s: float = DEFAULT_TIMEOUT_S) -> str:
    """POST ``notice`` as JSON to ``url``; ``"ok (HTTP 200)"`` or why it failed."""
    try:
        answer = requests.post(
            url,
            json=notice.model_dump(mode="json"),
            timeout=timeout_s,
            headers={"User-Agent": "gameday-scheduler"},
        )
    except requests.RequestException as exc:
        return f"failed: {type(exc).__name__}: {exc}"
    if 200 <= answer.status_code < 300:
        return f"ok (HTTP {answer.status_code})"
    return f"failed: HTTP {answer.status_code} {answer.reason}"
