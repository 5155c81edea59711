"""The alert bus core: routing, pages and acks, the unwatched inbox, rules, the deadline."""

from __future__ import annotations

import pytest

from services.alerts.core import AlertBusCore, AlertBusError
from services.alerts.models import AlertIn, RoutingRules
from services.clock import MARKET_OPEN_US, US

T0 = MARKET_OPEN_US


def alert(source: str, kind: str, severity: str = "info", ts: int | None = None) -> AlertIn:
    return AlertIn.model_validate(
        {"source": source, "kind": kind, "severity": severity, "text": "t", "ts": ts}
    )


@pytest.mark.parametrize(
    ("source", "kind", "severity", "channels"),
    [
        ("router-3", "power_peg_disabled", "info", ["email"]),
        ("router-3", "power_peg_disabled", "critical", ["email"]),
        ("gate", "control_trip", "critical", ["pager", "dashboard"]),
        ("monitor", "control_trip", "warning", ["pager", "dashboard"]),
        ("deploy", "rollback", "critical", ["pager", "dashboard"]),
        ("deploy", "done", "info", ["email"]),
    ],
)
def test_default_routing(source: str, kind: str, severity: str, channels: list[str]) -> None:
    bus = AlertBusCore()
    assert bus.post(alert(source, kind, severity), T0).channels == channels


def test_pages_stay_unacked_until_a_person_acks() -> None:
    bus = AlertBusCore()
    page = bus.post(alert("gate", "kill_switch", "critical"), T0)
    view = bus.channel("pager", T0 + 30 * US)
    assert view["unacked"] == 1 and view["oldest_unacked_age_us"] == 30 * US
    acked = bus.ack(page.id, "alice", T0 + 40 * US)
    assert acked["acked_by"] == "alice" and acked["age_us"] == 40 * US
    assert bus.ack(page.id, "bob", T0 + 50 * US)["already_acked"]
    assert bus.channel("pager", T0 + 60 * US)["unacked"] == 0
    events = [e["event"] for e in bus.log]
    assert events == ["alert", "ack"]


def test_ack_errors_name_the_field() -> None:
    bus = AlertBusCore()
    mail = bus.post(alert("router-1", "power_peg_disabled"), T0)
    with pytest.raises(AlertBusError, match="id: no alert 99"):
        bus.ack(99, "alice", T0)
    with pytest.raises(AlertBusError, match="was not paged"):
        bus.ack(mail.id, "alice", T0)


def test_the_inbox_is_unread_until_someone_opens_it() -> None:
    bus = AlertBusCore()
    for _ in range(97):
        bus.post(alert("router-8", "power_peg_disabled"), T0)
    assert bus.channel("email", T0)["unread"] == 97
    opened = bus.open_inbox("bob", T0 + 3600 * US)
    assert opened["newly_seen"] == 97
    inbox = bus.channel("email", T0 + 3600 * US)
    assert inbox["unread"] == 0
    assert inbox["alerts"][0]["seen_at"] == T0 + 3600 * US
    assert inbox["opened"][0]["by"] == "bob"


def test_a_fault_can_mute_the_pager_or_send_criticals_to_the_inbox() -> None:
    bus = AlertBusCore()
    bus.set_rules({"muted": ["pager"]}, T0)
    muted = bus.post(alert("gate", "control_trip", "critical"), T0)
    assert muted.channels == ["dashboard"] and muted.muted == ["pager"]
    bus.set_rules(
        {"muted": [], "rules": [{"name": "all-mail", "channels": ["email"]}]},
        T0,
    )
    assert bus.post(alert("monitor", "control_trip", "critical"), T0).channels == ["email"]
    bus.set_rules(RoutingRules().model_dump(), T0)
    assert bus.post(alert("monitor", "control_trip", "critical"), T0).channels == [
        "pager",
        "dashboard",
    ]


def test_bad_rules_name_the_field() -> None:
    bus = AlertBusCore()
    with pytest.raises(AlertBusError, match=r"muted\.0: Input should be 'pager'"):
        bus.set_rules({"muted": ["telegraph"]}, T0)
    with pytest.raises(AlertBusError, match="route: not a field"):
        bus.set_rules({"route": []}, T0)


def test_alerts_past_the_deadline_are_late() -> None:
    bus = AlertBusCore(deadline_us=5 * US)
    on_time = bus.post(alert("monitor", "control_trip", "critical", ts=T0), T0 + 5 * US)
    late = bus.post(alert("monitor", "control_trip", "critical", ts=T0), T0 + 6 * US)
    assert not on_time.late and late.late
    stats = bus.stats(T0 + 6 * US)
    assert stats["late"] == 1 and stats["max_latency_us"] == 6 * US
