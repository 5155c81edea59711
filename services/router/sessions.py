"""Strategy sessions on the router's orders port: who is who, and protocol discipline.

FrameSession already rejects frames that cannot be decoded. What is left are
well-formed messages that make no sense on this port: anything before LOGON,
a second LOGON, or a message a strategy never sends (an EXECUTION, a
NEW_CHILD...). Each gets a REJECT naming the problem and closes the session;
the rest of the router carries on.
"""

from __future__ import annotations

from services.protocol import (
    Cancel,
    CancelAll,
    Heartbeat,
    Logon,
    Message,
    NewParent,
    Reject,
    RejectReason,
)
from services.router.actions import Action, CloseStrategy, RouterCounters, ToStrategy

_ORDER_MESSAGES = (NewParent, Cancel, CancelAll)


class StrategySessions:
    """Session ids (the wrapper's) to LOGON names, and back."""

    def __init__(self, counters: RouterCounters) -> None:
        self._counters = counters
        self._names: dict[int, str] = {}
        self._by_name: dict[str, int] = {}
        self._broken: set[int] = set()

    def opened(self, session: int) -> None:
        self._names[session] = ""

    def closed(self, session: int) -> None:
        name = self._names.pop(session, "")
        self._broken.discard(session)
        if name and self._by_name.get(name) == session:
            del self._by_name[name]

    def name(self, session: int) -> str:
        return self._names.get(session, "")

    def by_name(self, name: str) -> int | None:
        """The open session of that name (a strategy that logs on again gets its reports)."""
        return self._by_name.get(name)

    def open_count(self) -> int:
        return len(self._names)

    def admit(self, session: int, msg: Message, out: list[Action]) -> bool:
        """True if ``msg`` is an order message for the core to act on."""
        if session in self._broken:
            return False
        name = self._names.setdefault(session, "")
        if isinstance(msg, Logon):
            if name:
                self._error(session, RejectReason.BAD_FIELD, f"already logged on as {name}", out)
            elif not msg.session:
                self._error(session, RejectReason.BAD_FIELD, "LOGON: empty session name", out)
            else:
                self._names[session] = msg.session
                self._by_name[msg.session] = session
            return False
        if isinstance(msg, Heartbeat):
            return False
        if not name:
            text = f"log on first: got {msg.TYPE.name}"
            self._error(session, RejectReason.NOT_LOGGED_ON, text, out)
            return False
        if not isinstance(msg, _ORDER_MESSAGES):
            text = f"{msg.TYPE.name} is not accepted from a strategy"
            self._error(session, RejectReason.UNKNOWN_TYPE, text, out)
            return False
        return True

    def _error(self, session: int, reason: RejectReason, text: str, out: list[Action]) -> None:
        self._broken.add(session)
        self._counters.session_errors += 1
        self._counters.reject_sent(reason)
        out.append(ToStrategy(session, Reject(0, reason, text[:48])))
        out.append(CloseStrategy(session, reason, text))
