"""Message throttle: cap the messages one session sends in a short window.

Counted per order session (per connection), over every order message: new
orders, cancels and cancel-alls. Past ``reject_at`` in the window new orders
are refused (cancels still pass: they only take risk off); past ``logout_at``
the session is closed. CME's published numbers are the modern defaults:
reject at 1,000 messages a second and log out at 1,500, over a 3 s window.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from services.protocol import RejectReason
from services.risk.controls.base import Control, ControlSettings, RiskState
from services.risk.trips import Action, Breach
from services.risk.window import SlidingWindowCounter


class MessageThrottleSettings(ControlSettings):
    """Messages per session per window before rejecting, and before logging out."""

    window_us: int = Field(default=3_000_000, gt=0, description="window, drill µs")
    reject_at: int = Field(default=3_000, gt=0, description="messages in the window before rejects")
    logout_at: int = Field(default=4_500, gt=0, description="messages in the window before logout")

    @model_validator(mode="after")
    def _ordered(self) -> MessageThrottleSettings:
        if self.logout_at < self.reject_at:
            raise ValueError("logout_at: must not be below reject_at")
        return self


class MessageThrottle(Control[MessageThrottleSettings]):
    """Sliding-window message counts per session id."""

    name = "message_throttle"

    def __init__(self, settings: MessageThrottleSettings, state: RiskState) -> None:
        self._windows: dict[int, SlidingWindowCounter] = {}
        super().__init__(settings, state)

    def configure(self, settings: MessageThrottleSettings) -> None:
        super().configure(settings)
        # A new window length applies from now on: start the counts afresh.
        self._windows = {}

    def admit(self, sid: int, session: str, now: int) -> Breach | None:
        """Count one message; a breach when the session is over its limits."""
        window = self._windows.get(sid)
        if window is None:
            window = self._windows[sid] = SlidingWindowCounter(self.settings.window_us)
        count = window.add(now)
        if count <= self.settings.reject_at:
            return None
        if count > self.settings.logout_at:
            return Breach(
                self.name,
                RejectReason.MESSAGE_THROTTLE,
                f"{count} msgs in window > logout {self.settings.logout_at}",
                session,
                Action.LOGOUT,
            )
        return Breach(
            self.name,
            RejectReason.MESSAGE_THROTTLE,
            f"{count} msgs in window > {self.settings.reject_at}",
            session,
        )

    def forget(self, sid: int) -> None:
        self._windows.pop(sid, None)

    def report(self) -> dict[str, Any]:
        return {"sessions_counted": len(self._windows)}
