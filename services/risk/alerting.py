"""Alerts raised by the gate and the monitor, and their delivery to the alert bus.

A core turns a new ``Trip`` into an alert (a plain JSON object in the alert
bus's ``POST /alerts`` shape) when its profile has automated alerts on; the
service's ``AlertSender`` posts it. The MiFID RTS 6 deadline is enforced on the
sending side: an alert the bus did not take is retried until the deadline has
passed in drill time, then counted as missed, never silently lost.
"""

from __future__ import annotations

import asyncio
from typing import Any

from services.clock import Clock
from services.net.admin_async import AsyncAdminError, request
from services.risk.controls.alert_deadline import severity_for
from services.risk.trips import Trip

_RETRY_WALL_S = 0.1


def trip_alert(trip: Trip) -> dict[str, Any]:
    """The alert-bus body for a control trip."""
    kind = "kill_switch" if trip.control == "kill_switch" else "control_trip"
    return {
        "source": trip.source,
        "kind": kind,
        "severity": severity_for(trip.action.value),
        "text": f"{trip.control} [{trip.key}]: {trip.text} -> {trip.action.value}",
        "ts": trip.ts,
        "control": trip.control,
    }


class AlertSender:
    """Posts alerts to the bus, retrying each until its deadline (drill time) passes."""

    def __init__(self, host: str, port: int, clock: Clock, deadline_us: int) -> None:
        self.host = host
        self.port = port
        self.clock = clock
        self.deadline_us = deadline_us
        self.sent = 0
        self.late = 0
        self.missed = 0
        self.last_error = ""
        self._tasks: set[asyncio.Task[None]] = set()

    def send(self, alert: dict[str, Any]) -> None:
        task = asyncio.get_running_loop().create_task(self._deliver(alert))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, alert: dict[str, Any]) -> None:
        raised = int(alert.get("ts", self.clock.now()))
        while True:
            try:
                await request(self.host, self.port, "POST", "/alerts", alert, timeout=2.0)
            except AsyncAdminError as exc:
                self.last_error = str(exc)
                if self.clock.now() - raised > self.deadline_us:
                    self.missed += 1
                    return
                await asyncio.sleep(_RETRY_WALL_S)
                continue
            self.sent += 1
            if self.clock.now() - raised > self.deadline_us:
                self.late += 1
            return

    def stats(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "late": self.late,
            "missed": self.missed,
            "in_flight": len(self._tasks),
            "last_error": self.last_error,
        }

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
