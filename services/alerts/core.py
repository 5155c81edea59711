"""The alert bus as a sans-I/O core: alerts in, channels and a log out, drill time passed in.

Three channels with three behaviours. The **pager** needs an acknowledgement:
every page is tracked until a person acks it, with its age while unacked. The
**email** channel is an inbox nobody watches: messages pile up unread until a
responder opens the inbox (``open_inbox``), which marks everything received
so far as seen at that moment. The **dashboard** just shows.

Every alert, ack, inbox opening and rule change goes into one log with its
drill time, which is what scorers read for time to detect and acknowledge.
The MiFID RTS 6 deadline is checked on arrival: an alert whose ``ts`` (when it
was raised) is more than ``deadline_us`` before it reached the bus is late.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from services.alerts.models import CHANNELS, AlertIn, ChannelName, RoutingRules
from services.clock import format_hhmmss
from services.risk.profiles import describe

_LOG_KEEP = 100_000


class AlertBusError(ValueError):
    """A request the bus cannot honour; ``status`` is the HTTP answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(slots=True)
class AlertRecord:
    """One alert as the bus received and routed it."""

    id: int
    alert: AlertIn
    received: int
    channels: list[ChannelName]
    muted: list[ChannelName]
    rule: str
    late: bool
    acked_at: int | None = None
    acked_by: str = ""
    seen_at: int | None = None
    seen_by: str = ""

    @property
    def raised(self) -> int:
        return self.received if self.alert.ts is None else self.alert.ts

    def as_dict(self) -> dict[str, Any]:
        a = self.alert
        return {
            "id": self.id,
            "source": a.source,
            "kind": a.kind,
            "severity": a.severity,
            "text": a.text,
            "control": a.control,
            "ts": self.raised,
            "received": self.received,
            "time": format_hhmmss(self.received),
            "latency_us": self.received - self.raised,
            "late": self.late,
            "channels": list(self.channels),
            "muted": list(self.muted),
            "rule": self.rule,
        }


class AlertBusCore:
    """Routes alerts to channels, tracks pages and the inbox, logs everything."""

    def __init__(self, rules: RoutingRules | None = None, deadline_us: int = 5_000_000) -> None:
        self.rules = rules or RoutingRules()
        self.deadline_us = deadline_us
        self.alerts: dict[int, AlertRecord] = {}
        self.channels: dict[ChannelName, list[int]] = {c: [] for c in CHANNELS}
        self.inbox_opens: list[dict[str, Any]] = []
        self.log: deque[dict[str, Any]] = deque(maxlen=_LOG_KEEP)
        self._seq = 0
        self._next_id = 1
        self._unseen_email: list[int] = []
        self.late = 0
        self.max_latency_us = 0

    def _record(self, event: str, now: int, **fields: Any) -> None:
        self._seq += 1
        self.log.append(
            {"seq": self._seq, "event": event, "ts": now, "time": format_hhmmss(now), **fields}
        )

    # alerts ----------------------------------------------------------------------
    def post(self, alert: AlertIn, now: int) -> AlertRecord:
        delivered, muted, rule = self.rules.route(alert)
        raised = now if alert.ts is None else alert.ts
        latency = max(0, now - raised)
        late = latency > self.deadline_us
        if late:
            self.late += 1
        self.max_latency_us = max(self.max_latency_us, latency)
        record = AlertRecord(self._next_id, alert, now, delivered, muted, rule, late)
        self._next_id += 1
        self.alerts[record.id] = record
        for channel in delivered:
            self.channels[channel].append(record.id)
        if "email" in delivered:
            self._unseen_email.append(record.id)
        self._record("alert", now, **record.as_dict())
        return record

    def ack(self, alert_id: int, by: str, now: int) -> dict[str, Any]:
        record = self.alerts.get(alert_id)
        if record is None:
            raise AlertBusError(404, f"id: no alert {alert_id}")
        if "pager" not in record.channels:
            raise AlertBusError(409, f"id: alert {alert_id} was not paged")
        already = record.acked_at is not None
        if not already:
            record.acked_at = now
            record.acked_by = by
            self._record(
                "ack", now, id=alert_id, by=by, age_us=now - record.received, kind=record.alert.kind
            )
        return {"already_acked": already, **self._page(record, now)}

    def open_inbox(self, by: str, now: int) -> dict[str, Any]:
        newly = 0
        for alert_id in self._unseen_email:
            record = self.alerts[alert_id]
            record.seen_at = now
            record.seen_by = by
            newly += 1
        self._unseen_email = []
        self.inbox_opens.append({"by": by, "ts": now, "time": format_hhmmss(now)})
        self._record("open_inbox", now, by=by, newly_seen=newly)
        return {"opened_by": by, "ts": now, "newly_seen": newly}

    def set_rules(self, patch: Mapping[str, Any], now: int) -> RoutingRules:
        """Replace the parts of the routing table present in ``patch``."""
        unknown = [k for k in patch if k not in RoutingRules.model_fields]
        if unknown:
            raise AlertBusError(
                400, f"{unknown[0]}: not a field of the rules (rules, default, muted)"
            )
        try:
            rules = RoutingRules.model_validate({**self.rules.model_dump(), **patch})
        except ValidationError as exc:
            raise AlertBusError(400, describe(exc)) from None
        self.rules = rules
        self._record("rules", now, rules=rules.model_dump())
        return rules

    # views ---------------------------------------------------------------------------
    def _page(self, record: AlertRecord, now: int) -> dict[str, Any]:
        end = now if record.acked_at is None else record.acked_at
        return {
            **record.as_dict(),
            "acked": record.acked_at is not None,
            "acked_at": record.acked_at,
            "acked_by": record.acked_by,
            "age_us": end - record.received,
        }

    def channel(self, name: ChannelName, now: int) -> dict[str, Any]:
        records = [self.alerts[i] for i in self.channels[name]]
        if name == "pager":
            pages = [self._page(r, now) for r in records]
            unacked = [p for p in pages if not p["acked"]]
            return {
                "channel": name,
                "alerts": pages,
                "unacked": len(unacked),
                "oldest_unacked_age_us": max((p["age_us"] for p in unacked), default=0),
            }
        if name == "email":
            mails = [{**r.as_dict(), "seen_at": r.seen_at, "seen_by": r.seen_by} for r in records]
            return {
                "channel": name,
                "alerts": mails,
                "unread": sum(1 for m in mails if m["seen_at"] is None),
                "opened": list(self.inbox_opens),
            }
        return {"channel": name, "alerts": [r.as_dict() for r in records]}

    def stats(self, now: int) -> dict[str, Any]:
        pager = self.channel("pager", now)
        return {
            "alerts": len(self.alerts),
            "by_channel": {c: len(ids) for c, ids in self.channels.items()},
            "muted": sum(1 for r in self.alerts.values() if r.muted),
            "unacked_pages": pager["unacked"],
            "oldest_unacked_age_us": pager["oldest_unacked_age_us"],
            "unread_email": len(self._unseen_email),
            "late": self.late,
            "max_latency_us": self.max_latency_us,
            "deadline_us": self.deadline_us,
        }
