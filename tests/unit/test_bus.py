"""The event bus: typed subscriptions, order, stamping, and listeners that fail."""

from __future__ import annotations

import logging
import threading

import pytest

from harness.bus import Bus
from harness.events import (
    AlertRaised,
    Event,
    FaultInjected,
    KillSwitchThrown,
    PageAcked,
    RunEnded,
)
from services.clock import US, ManualClock


def fault(at_us: int = 0, name: str = "latency") -> FaultInjected:
    return FaultInjected(at_us=at_us, wall=0.0, fault_id=f"f-{name}", name=name)


def test_listeners_get_only_their_type_and_all_listeners_get_everything() -> None:
    bus = Bus()
    faults: list[FaultInjected] = []
    everything: list[Event] = []
    bus.subscribe(FaultInjected, faults.append)
    bus.subscribe_all(everything.append)
    kill = KillSwitchThrown(at_us=5, wall=0.0, by="gate", automatic=True)
    bus.publish(fault())
    bus.publish(kill)
    assert faults == [fault()]
    assert everything == [fault(), kill]
    assert bus.published == 2


def test_listeners_are_called_in_subscription_order() -> None:
    bus = Bus()
    calls: list[str] = []
    bus.subscribe_all(lambda e: calls.append("all-1"))
    bus.subscribe(FaultInjected, lambda e: calls.append("fault"))
    bus.subscribe_all(lambda e: calls.append("all-2"))
    bus.publish(fault())
    assert calls == ["all-1", "fault", "all-2"]


def test_a_failing_listener_is_logged_and_counted_and_stops_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = Bus()
    before: list[Event] = []
    after: list[Event] = []

    def broken(event: Event) -> None:
        raise RuntimeError("the live view crashed")

    bus.subscribe_all(before.append)
    bus.subscribe_all(broken, name="live-view")
    bus.subscribe_all(after.append)
    with caplog.at_level(logging.ERROR, logger="harness.bus"):
        bus.publish(fault(1))
        bus.publish(fault(2))
    assert len(before) == len(after) == 2
    assert bus.failed == 2 and bus.failure_counts["live-view"] == 2
    assert bus.failures[0].listener == "live-view"
    assert bus.failures[0].event == "fault_injected"
    assert "RuntimeError: the live view crashed" in bus.failures[0].error
    assert "live-view failed on fault_injected" in caplog.text


def test_emit_stamps_drill_and_wall_time() -> None:
    clock = ManualClock(9 * 3600 * US)
    bus = Bus(clock=clock, wall=lambda: 1234.5)
    got: list[PageAcked] = []
    bus.subscribe(PageAcked, got.append)
    clock.advance(2 * US)
    event = bus.emit(PageAcked, page_id="p1", by="alice")
    assert got == [event]
    assert event.at_us == 9 * 3600 * US + 2 * US and event.wall == 1234.5
    assert bus.emit(PageAcked, at_us=7, page_id="p2", by="bob").at_us == 7


def test_emit_without_a_clock_needs_a_drill_time() -> None:
    bus = Bus()
    with pytest.raises(RuntimeError, match="no clock"):
        bus.emit(RunEnded)
    assert bus.emit(RunEnded, at_us=3).outcome == "completed"


def test_events_published_by_a_listener_come_after_the_current_one_for_everyone() -> None:
    bus = Bus()
    first: list[str] = []
    second: list[str] = []
    bus.subscribe_all(lambda e: first.append(e.tag))

    def page_on_fault(event: FaultInjected) -> None:
        bus.publish(
            AlertRaised(at_us=event.at_us, wall=0.0, channel="pager", kind="k", source="gate")
        )

    bus.subscribe(FaultInjected, page_on_fault)
    bus.subscribe_all(lambda e: second.append(e.tag))
    bus.publish(fault())
    assert first == second == ["fault_injected", "alert_raised"]


def test_a_cancelled_subscription_gets_nothing_more() -> None:
    bus = Bus()
    got: list[Event] = []
    sub = bus.subscribe_all(got.append)
    bus.publish(fault(1))
    sub.cancel()
    bus.publish(fault(2))
    assert [e.at_us for e in got] == [1]
    assert bus.listeners == 0


def test_publishing_from_threads_delivers_every_event_once() -> None:
    bus = Bus()
    got: list[Event] = []
    bus.subscribe_all(got.append)

    def publish_many(base: int) -> None:
        for i in range(200):
            bus.publish(fault(base + i))

    threads = [threading.Thread(target=publish_many, args=(n * 1000,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(e.at_us for e in got) == sorted(
        n * 1000 + i for n in range(4) for i in range(200)
    )


def test_keyboard_interrupt_in_a_listener_is_not_swallowed_and_the_bus_still_works() -> None:
    bus = Bus()

    def interrupted(event: Event) -> None:
        raise KeyboardInterrupt

    sub = bus.subscribe_all(interrupted)
    with pytest.raises(KeyboardInterrupt):
        bus.publish(fault())
    sub.cancel()
    got: list[Event] = []
    bus.subscribe_all(got.append)
    bus.publish(fault(9))
    assert [e.at_us for e in got] == [9]
    assert bus.failed == 0
