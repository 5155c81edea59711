"""The gate's view of one router session and of the exchange session opened for it."""

from __future__ import annotations

from enum import StrEnum

from services.protocol import Message


class Upstream(StrEnum):
    """State of the exchange session opened for one router session."""

    NONE = "none"  # not logged on yet
    CONNECTING = "connecting"  # first attempt under way; orders are held
    UP = "up"
    DOWN = "down"  # lost or refused; orders are rejected until it is back


class KillSwitchDisabled(Exception):
    """``POST /kill`` while the kill switch control is switched off."""


class RouterLink:
    """One router session and the state of its exchange session."""

    __slots__ = ("name", "pending", "sid", "upstream")

    def __init__(self, sid: int) -> None:
        self.sid = sid
        self.name = ""
        self.upstream = Upstream.NONE
        self.pending: list[Message] = []
