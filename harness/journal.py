"""The run's journal: append-only, fsynced, hash-chained JSON lines.

``journal.jsonl`` in the report directory holds one record per event::

    {"event":{...},"hash":"<sha256>","prev":"<hash of the record before>","seq":0}

``hash`` is the SHA-256 of the canonical JSON (sorted keys, no spaces,
UTF-8) of ``{"event", "prev", "seq"}``; the first record's ``prev`` is 64
zeros. Each line is exactly the canonical JSON of its record, so any change
of a byte is seen. Beside it, ``journal.head`` holds the number of records and
the last hash, rewritten in place after each record, so that records cut off
the end are seen too. Every record and every head update is fsynced before
``append`` returns: what a crashed run did is on disk up to its last event.

``verify`` names the first bad record; ``read_journal`` turns records back
into typed events, also for a crashed run whose last line is torn.
``docs/journal.md`` describes the format.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import ValidationError

from harness.errors import ExitCode, GamedayError, UsageError
from harness.events import Event, event_from_dict

JOURNAL_NAME: Final = "journal.jsonl"
HEAD_NAME: Final = "journal.head"
GENESIS: Final = "0" * 64
_HEAD_SIZE: Final = 20 + 1 + 64 + 1


class JournalDamaged(GamedayError):
    """A journal failed verification; the message names its first bad record."""

    exit_code = ExitCode.EXPECTATIONS_FAILED


def canonical_json(value: Any) -> bytes:
    """The one byte form of a JSON value that hashes and digests are taken over."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def record_hash(seq: int, prev: str, event: Any) -> str:
    return hashlib.sha256(canonical_json({"event": event, "prev": prev, "seq": seq})).hexdigest()


def journal_path(path: str | Path) -> Path:
    """A report directory or a journal file, as the journal file."""
    p = Path(path)
    return p / JOURNAL_NAME if p.is_dir() else p


def _head_path(journal: Path) -> Path:
    return journal.with_name(HEAD_NAME)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class JournalWriter:
    """Appends events to a new journal; ``append`` is a bus listener.

    >>> writer = JournalWriter(run_dir)          # doctest: +SKIP
    >>> bus.subscribe_all(writer.append)         # doctest: +SKIP
    """

    def __init__(self, path: str | Path) -> None:
        target = Path(path)
        # A directory (existing or not) unless it is named like a journal file.
        self.path = target if target.suffix == ".jsonl" else target / JOURNAL_NAME
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o644)
        except FileExistsError:
            raise UsageError(f"{self.path} already exists: a journal is never rewritten") from None
        self._head_fd = os.open(_head_path(self.path), os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
        self._lock = threading.Lock()
        self.records = 0
        self.head = GENESIS
        self._write_head()
        _fsync_dir(self.path.parent)

    def append(self, event: Event) -> str:
        """Write, flush and fsync one event; returns its record's hash."""
        body = event.to_dict()
        with self._lock:
            if self._fd < 0:
                raise RuntimeError(f"journal {self.path} is closed")
            digest = record_hash(self.records, self.head, body)
            record = {"event": body, "hash": digest, "prev": self.head, "seq": self.records}
            _write_all(self._fd, canonical_json(record) + b"\n")
            os.fsync(self._fd)
            self.records += 1
            self.head = digest
            self._write_head()
        return digest

    def _write_head(self) -> None:
        # One fixed-size write at offset 0: a sector is written whole or not at all.
        os.pwrite(self._head_fd, b"%020d %s\n" % (self.records, self.head.encode()), 0)
        os.fsync(self._head_fd)

    def close(self) -> None:
        with self._lock:
            if self._fd >= 0:
                os.close(self._fd)
                os.close(self._head_fd)
                self._fd = self._head_fd = -1

    def __enter__(self) -> JournalWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


ProblemKind = Literal["malformed", "edited", "removed", "reordered", "inserted", "torn", "head"]


@dataclass(frozen=True, slots=True)
class JournalProblem:
    """The first bad record of a journal: its line (1-based), kind and what is wrong."""

    kind: ProblemKind
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        return f"{where}{self.message}"


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """Whether a journal is intact: records checked before any problem, and the head hash."""

    path: Path
    records: int
    head: str
    problem: JournalProblem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None

    @property
    def torn_only(self) -> bool:
        """Intact except for a torn last line: a run that crashed mid-write."""
        return self.problem is not None and self.problem.kind == "torn"


def _split(path: Path) -> tuple[list[bytes], bytes]:
    """Complete lines, and whatever follows the last newline (a torn record)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"no journal at {path}") from None
    *lines, tail = data.split(b"\n")
    return lines, tail


def _parse_record(raw: bytes) -> dict[str, Any] | None:
    try:
        record = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(record, dict) or set(record) != {"event", "hash", "prev", "seq"}:
        return None
    if type(record["seq"]) is not int or not all(
        isinstance(record[k], str) for k in ("hash", "prev")
    ):
        return None
    return record


def verify(path: str | Path) -> VerifyResult:
    """Check the chain of a journal (file or report directory); name the first bad record."""
    jpath = journal_path(path)
    lines, tail = _split(jpath)
    records = [_parse_record(raw) for raw in lines]
    later: dict[int, int] = {}
    for index, rec in enumerate(records):
        if rec is not None:
            later.setdefault(rec["seq"], index)
    prev, hashes = GENESIS, [GENESIS]

    def result(problem: JournalProblem | None) -> VerifyResult:
        return VerifyResult(jpath, len(hashes) - 1, prev, problem)

    for index, (raw, rec) in enumerate(zip(lines, records, strict=True)):
        line, seq = index + 1, index
        if rec is None:
            return result(JournalProblem("malformed", line, "not a journal record (edited)"))
        if canonical_json(rec) != raw:
            return result(JournalProblem("edited", line, "not in canonical form (edited)"))
        if rec["seq"] > seq:
            kind: ProblemKind = "reordered" if later.get(seq, -1) > index else "removed"
            how = "comes later (reordered)" if kind == "reordered" else "is missing (removed)"
            found = rec["seq"]
            return result(JournalProblem(kind, line, f"record {seq} {how}; found {found}"))
        if rec["seq"] < seq:
            msg = f"record {rec['seq']} again after record {seq - 1} (reordered or duplicated)"
            return result(JournalProblem("reordered", line, msg))
        if rec["prev"] != prev:
            msg = f"record {seq} does not chain to the record before it (edited or inserted)"
            return result(JournalProblem("edited", line, msg))
        if record_hash(seq, prev, rec["event"]) != rec["hash"]:
            msg = f"record {seq} does not match its hash (edited)"
            return result(JournalProblem("edited", line, msg))
        prev = rec["hash"]
        hashes.append(prev)
    problem = _check_head(jpath, hashes) or _check_tail(tail, len(lines) + 1)
    return result(problem)


def _check_head(jpath: Path, hashes: list[str]) -> JournalProblem | None:
    count = len(hashes) - 1
    try:
        text = _head_path(jpath).read_bytes()
    except FileNotFoundError:
        return JournalProblem("head", None, f"{HEAD_NAME} is missing: the end cannot be checked")
    fields = text.split()
    if len(text) != _HEAD_SIZE or len(fields) != 2 or not fields[0].isdigit():
        return JournalProblem("head", None, f"{HEAD_NAME} is malformed (edited)")
    head_count, head_hash = int(fields[0]), fields[1].decode("ascii", "replace")
    if head_count > count:
        msg = f"records {count} to {head_count - 1} are missing from the end (removed)"
        return JournalProblem("removed", count + 1, msg)
    # The writer fsyncs a record before the head, so a crash may leave the head one behind.
    if head_count < count - 1:
        msg = f"records after record {head_count - 1} were added outside the writer (inserted)"
        return JournalProblem("inserted", head_count + 1, msg)
    if hashes[head_count] != head_hash:
        if head_count == 0:
            return JournalProblem("head", None, f"{HEAD_NAME} is malformed (edited)")
        msg = f"record {head_count - 1} does not match {HEAD_NAME} (edited)"
        return JournalProblem("edited", head_count, msg)
    return None


def _check_tail(tail: bytes, line: int) -> JournalProblem | None:
    if not tail:
        return None
    return JournalProblem("torn", line, "torn last record: the run stopped while writing it")


@dataclass(frozen=True, slots=True)
class JournalContents:
    """The events of a journal in order; ``torn_line`` is set when the last line was torn."""

    path: Path
    events: tuple[Event, ...]
    torn_line: int | None = None


def read_journal(path: str | Path) -> JournalContents:
    """Typed events of a journal (file or report directory), without checking the chain.

    A torn last line (a crash mid-write) is skipped and reported; any other line
    that is not a record of a known event is a ``UsageError`` naming it.
    """
    jpath = journal_path(path)
    lines, tail = _split(jpath)
    events: list[Event] = []
    for index, raw in enumerate(lines):
        rec = _parse_record(raw)
        if rec is None:
            raise UsageError(f"{jpath}: line {index + 1}: not a journal record")
        try:
            events.append(event_from_dict(rec["event"]))
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise UsageError(
                f"{jpath}: line {index + 1}: not a known event ({where}: {first['msg']})"
            ) from None
    return JournalContents(jpath, tuple(events), len(lines) + 1 if tail else None)
