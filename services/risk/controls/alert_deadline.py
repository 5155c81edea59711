"""Automated alerts and their deadline (MiFID RTS 6 Art. 16: real-time alerts within 5 s).

``enabled`` decides whether the gate and the monitor raise alerts at all on a
control trip (Knight's PMON raised none). ``deadline_us`` is how long an alert
may take from the trip to the alert bus; a sender keeps retrying an alert the
bus did not take until the deadline has passed and then counts it as missed,
and the bus marks any alert that arrives later than its deadline as late.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from services.risk.controls.base import ControlSettings

Severity = Literal["info", "warning", "critical"]


class AlertSettings(ControlSettings):
    """Whether trips raise alerts, and how fast they must reach the alert bus."""

    deadline_us: int = Field(default=5_000_000, gt=0, description="trip to alert bus, drill µs")


class AlertDeadline:
    """Judges whether an alert raised at ``raised`` is still within its deadline at ``now``."""

    def __init__(self, settings: AlertSettings) -> None:
        self.settings = settings

    def within(self, raised: int, now: int) -> bool:
        return now - raised <= self.settings.deadline_us


def severity_for(action: str) -> Severity:
    """Severity of an alert about a trip with this action."""
    return "warning" if action == "notify" else "critical"
