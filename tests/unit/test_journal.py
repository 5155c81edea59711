"""The journal: hash chain, fsync per record, reading back, and each kind of damage named."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from harness.bus import Bus
from harness.errors import UsageError
from harness.events import (
    EVENT_TYPES,
    Aborted,
    AlertRaised,
    ClockPaused,
    ClockResumed,
    ClockSpeedChanged,
    ControlTripped,
    Event,
    ExpectationSpec,
    FaultInjected,
    FaultReverted,
    FlowStarted,
    HintGiven,
    InboxOpened,
    KillSwitchThrown,
    MarketSnapshot,
    PageAcked,
    PageSent,
    ResponderAction,
    RunbookGraded,
    RunEnded,
    RunStarted,
    ScenarioAction,
    SymbolPosition,
    TopologyUp,
)
from harness.journal import (
    GENESIS,
    HEAD_NAME,
    JOURNAL_NAME,
    JournalWriter,
    canonical_json,
    read_journal,
    verify,
)


def one_of_each() -> list[Event]:
    """One event of every type, with every kind of field filled in."""
    t = 8 * 3600 * 1_000_000
    return [
        RunStarted(
            at_us=t,
            wall=1.5,
            run_id="gd-1",
            drill="knight-2012",
            backend="sim",
            seed=3,
            speed=60,
            scale=0.25,
            controls="modern",
            responder="by-the-book",
            settings={"routers": 8, "nested": {"ok": [1, 2.5, None, "é"]}},
            expectations=(ExpectationSpec(metric="grade", op=">=", value="B"),),
            reference="knight-2012",
        ),
        TopologyUp(at_us=t + 1, wall=2.0, services=("exchange", "gate")),
        FlowStarted(at_us=t + 2, wall=2.1, parents=212),
        FaultInjected(
            at_us=t + 3,
            wall=2.2,
            fault_id="f1",
            name="drop_ssh",
            params={"router": "router-8"},
            target="router-8",
        ),
        ScenarioAction(
            at_us=t + 4,
            wall=2.3,
            action="deploy",
            by="deploy",
            report={"skipped": ["router-8"], "ok": True},
        ),
        AlertRaised(
            at_us=t + 5,
            wall=2.4,
            alert_id="a1",
            channel="email",
            kind="power_peg_disabled",
            source="router-8",
            text="Power Peg disabled",
        ),
        PageSent(at_us=t + 6, wall=2.5, page_id="p1", source="gate", kind="collar"),
        PageAcked(at_us=t + 7, wall=2.6, page_id="p1", by="alice"),
        InboxOpened(at_us=t + 8, wall=2.7, by="bob"),
        ResponderAction(
            at_us=t + 9,
            wall=2.8,
            responder="alice",
            action="disable_router",
            args={"router": "router-8"},
            result={"disabled": True},
        ),
        ControlTripped(
            at_us=t + 10,
            wall=2.9,
            control="price_collar",
            layer="gate",
            detail="9.5% through",
            key="router-8/WIZ",
            action="reject",
        ),
        ClockPaused(at_us=t + 10, wall=2.91, by="facilitator"),
        HintGiven(at_us=t + 10, wall=2.92, to="alice", text="check the builds"),
        ClockResumed(at_us=t + 10, wall=2.95, paused_wall_s=0.04),
        ClockSpeedChanged(at_us=t + 10, wall=2.96, by="fast-forward", speed=600.0),
        KillSwitchThrown(at_us=t + 11, wall=3.0, by="monitor", reason="loss", automatic=True),
        MarketSnapshot(
            at_us=t + 12,
            wall=3.1,
            executions=10,
            shares=990,
            loss_usd=-12.5,
            onset_us=t + 11,
            last_us=t + 12,
            positions=(
                SymbolPosition(
                    symbol="WIZ", executions=10, shares=990, net_shares=990, net_usd=3465.0
                ),
            ),
        ),
        RunbookGraded(
            at_us=t + 13,
            wall=3.2,
            runbook="runaway-orders",
            adherence=0.75,
            detail={"missed": ["page the desk head"]},
        ),
        Aborted(at_us=t + 14, wall=3.3, reason="max loss"),
        FaultReverted(
            at_us=t + 15, wall=3.4, fault_id="f1", name="drop_ssh", ok=False, error="router gone"
        ),
        RunEnded(at_us=t + 16, wall=3.5, outcome="interrupted", detail="SIGTERM"),
    ]


def write(directory: Path, events: list[Event]) -> Path:
    with JournalWriter(directory) as writer:
        for event in events:
            writer.append(event)
    return directory / JOURNAL_NAME


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def test_every_event_type_reads_back_as_the_same_typed_event(tmp_path: Path) -> None:
    events = one_of_each()
    assert {e.tag for e in events} == set(EVENT_TYPES)
    contents = read_journal(write(tmp_path, events))
    assert list(contents.events) == events
    assert [type(e) for e in contents.events] == [type(e) for e in events]
    assert contents.torn_line is None


def test_records_are_canonical_and_chained_from_the_genesis(tmp_path: Path) -> None:
    path = write(tmp_path, one_of_each())
    prev = GENESIS
    for seq, raw in enumerate(lines_of(path)):
        record = json.loads(raw)
        assert canonical_json(record) + b"\n" == raw
        assert record["seq"] == seq and record["prev"] == prev
        body = canonical_json({"event": record["event"], "prev": prev, "seq": seq})
        assert record["hash"] == hashlib.sha256(body).hexdigest()
        prev = record["hash"]
    result = verify(tmp_path)
    assert result.ok and result.records == len(one_of_each()) and result.head == prev
    assert (tmp_path / HEAD_NAME).read_text() == f"{len(one_of_each()):020d} {prev}\n"


def test_each_record_is_fsynced_before_append_returns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    synced: list[int] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        real_fsync(fd)
        if os.readlink(f"/proc/self/fd/{fd}").endswith(JOURNAL_NAME):
            synced.append(len((tmp_path / JOURNAL_NAME).read_bytes().splitlines()))

    monkeypatch.setattr(os, "fsync", spy)
    with JournalWriter(tmp_path) as writer:
        for n, event in enumerate(one_of_each()[:5], start=1):
            writer.append(event)
            assert synced[-1] == n  # the fsync covered this record
    assert synced == [1, 2, 3, 4, 5]


def test_the_head_is_fsynced_after_every_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    heads: list[str] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        real_fsync(fd)
        if os.readlink(f"/proc/self/fd/{fd}").endswith(HEAD_NAME):
            heads.append((tmp_path / HEAD_NAME).read_text()[:20])

    monkeypatch.setattr(os, "fsync", spy)
    write(tmp_path, one_of_each()[:3])
    assert [int(h) for h in heads] == [0, 1, 2, 3]


def test_a_journal_is_never_rewritten(tmp_path: Path) -> None:
    write(tmp_path, one_of_each()[:2])
    with pytest.raises(UsageError, match="already exists"):
        JournalWriter(tmp_path)
    assert verify(tmp_path).records == 2


def test_the_writer_is_a_bus_listener(tmp_path: Path) -> None:
    bus = Bus()
    writer = JournalWriter(tmp_path / "run")
    bus.subscribe_all(writer.append, name="journal")
    for event in one_of_each():
        bus.publish(event)
    writer.close()
    bus.publish(one_of_each()[0])  # a closed journal fails as a listener, not the drill
    assert bus.failure_counts["journal"] == 1
    assert read_journal(tmp_path / "run").events == tuple(one_of_each())


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    return write(tmp_path, one_of_each()[:6])


def problem(path: Path) -> tuple[str, int | None, str]:
    result = verify(path)
    assert not result.ok and result.problem is not None
    return result.problem.kind, result.problem.line, str(result.problem)


def test_an_edited_record_is_named(journal: Path) -> None:
    lines = lines_of(journal)
    edited = lines[1].replace(b'"services":["exchange","gate"]', b'"services":["exchange"]')
    assert edited != lines[1]
    lines[1] = edited
    journal.write_bytes(b"".join(lines))
    kind, line, text = problem(journal)
    assert (kind, line) == ("edited", 2)
    assert text == "line 2: record 1 does not match its hash (edited)"


def test_an_edited_and_rehashed_record_breaks_the_next_link(journal: Path) -> None:
    lines = lines_of(journal)
    record = json.loads(lines[1])
    record["event"]["services"] = ["exchange"]
    body = canonical_json({"event": record["event"], "prev": record["prev"], "seq": 1})
    record["hash"] = hashlib.sha256(body).hexdigest()
    lines[1] = canonical_json(record) + b"\n"
    journal.write_bytes(b"".join(lines))
    assert problem(journal)[:2] == ("edited", 3)


def test_a_rehashed_last_record_disagrees_with_the_head(journal: Path) -> None:
    lines = lines_of(journal)
    record = json.loads(lines[-1])
    record["event"]["text"] = "all fine"
    body = canonical_json({"event": record["event"], "prev": record["prev"], "seq": 5})
    record["hash"] = hashlib.sha256(body).hexdigest()
    lines[-1] = canonical_json(record) + b"\n"
    journal.write_bytes(b"".join(lines))
    kind, line, text = problem(journal)
    assert (kind, line) == ("edited", 6) and HEAD_NAME in text


@pytest.mark.parametrize(
    ("index", "expected"),
    [(0, ("removed", 1)), (3, ("removed", 4)), (5, ("removed", 6))],
)
def test_a_removed_record_is_named(
    journal: Path, index: int, expected: tuple[str, int | None]
) -> None:
    lines = lines_of(journal)
    del lines[index]
    journal.write_bytes(b"".join(lines))
    assert problem(journal)[:2] == expected


def test_swapped_records_are_named_as_reordered(journal: Path) -> None:
    lines = lines_of(journal)
    lines[1], lines[4] = lines[4], lines[1]
    journal.write_bytes(b"".join(lines))
    kind, line, text = problem(journal)
    assert (kind, line) == ("reordered", 2)
    assert text == "line 2: record 1 comes later (reordered); found 4"


def test_a_duplicated_record_is_named(journal: Path) -> None:
    lines = lines_of(journal)
    lines.insert(3, lines[2])
    journal.write_bytes(b"".join(lines))
    assert problem(journal)[:2] == ("reordered", 4)


def test_reformatting_a_record_counts_as_editing_it(journal: Path) -> None:
    lines = lines_of(journal)
    lines[0] = json.dumps(json.loads(lines[0]), indent=None).encode() + b"\n"
    journal.write_bytes(b"".join(lines))
    assert problem(journal)[:2] == ("edited", 1)


def test_a_line_that_is_not_a_record_is_named(journal: Path) -> None:
    lines = lines_of(journal)
    lines[2] = b"hello\n"
    journal.write_bytes(b"".join(lines))
    assert problem(journal)[:2] == ("malformed", 3)
    with pytest.raises(UsageError, match=r"line 3: not a journal record"):
        read_journal(journal)


def test_a_torn_last_line_is_reported_and_the_rest_still_reads(journal: Path) -> None:
    data = journal.read_bytes()
    journal.write_bytes(data + data.splitlines(keepends=True)[0][:40])
    kind, line, text = problem(journal)
    assert (kind, line) == ("torn", 7) and "torn" in text
    assert verify(journal).torn_only and verify(journal).records == 6
    contents = read_journal(journal)
    assert len(contents.events) == 6 and contents.torn_line == 7


def test_a_crash_between_record_and_head_still_verifies(journal: Path) -> None:
    # The writer fsyncs the record, then the head: a crash in between leaves the head one behind.
    fifth = json.loads(lines_of(journal)[4])
    journal.with_name(HEAD_NAME).write_bytes(f"{5:020d} {fifth['hash']}\n".encode())
    assert verify(journal).ok


def test_records_appended_beyond_the_head_are_named(journal: Path) -> None:
    head = journal.with_name(HEAD_NAME)
    first = json.loads(lines_of(journal)[0])
    head.write_bytes(f"{1:020d} {first['hash']}\n".encode())
    assert problem(journal)[:2] == ("inserted", 2)


def test_a_missing_or_edited_head_is_named(journal: Path) -> None:
    head = journal.with_name(HEAD_NAME)
    head.write_bytes(b"garbage")
    assert problem(journal)[0] == "head"
    head.unlink()
    kind, line, text = problem(journal)
    assert kind == "head" and line is None and "missing" in text


def test_an_unknown_event_type_is_a_usage_error_naming_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, one_of_each()[:1])
    record = json.loads(path.read_bytes())
    record["event"]["type"] = "martian"
    path.write_bytes(canonical_json(record) + b"\n")
    with pytest.raises(UsageError, match=r"line 1: not a known event"):
        read_journal(tmp_path)


def test_an_empty_journal_is_intact(tmp_path: Path) -> None:
    JournalWriter(tmp_path).close()
    result = verify(tmp_path)
    assert result.ok and result.records == 0 and result.head == GENESIS
    assert read_journal(tmp_path).events == ()


def test_no_journal_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no journal"):
        verify(tmp_path)
