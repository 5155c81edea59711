"""Every drill run, remembered: a SQLite database at ``state_home()/history.sqlite``.

``record_run(directory, source=..., team=...)`` adds a finished run from its
report directory; ``HistoryStore`` queries the runs back; ``trends`` turns them
into distributions per team and per responder (``docs/history.md``).
"""

from __future__ import annotations

from harness.history.models import GameDayOutcome, GameDayRow, HistoryRow, ResponderRow, Source
from harness.history.record import record_run, row_of
from harness.history.store import SCHEMA_VERSION, HistoryStore, history_path

__all__ = [
    "SCHEMA_VERSION",
    "GameDayOutcome",
    "GameDayRow",
    "HistoryRow",
    "HistoryStore",
    "ResponderRow",
    "Source",
    "history_path",
    "record_run",
    "row_of",
]
