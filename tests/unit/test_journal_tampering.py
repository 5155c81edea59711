"""Property: whatever is done to a journal's bytes, ``verify`` notices, at the right line."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.journal import HEAD_NAME, JOURNAL_NAME, verify
from tests.unit.test_journal import one_of_each, write

Pristine = tuple[list[bytes], bytes]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Pristine:
    """The lines and head of an intact journal of 17 records."""
    directory = tmp_path_factory.mktemp("pristine")
    path = write(directory, one_of_each())
    return path.read_bytes().splitlines(keepends=True), (directory / HEAD_NAME).read_bytes()


def check(pristine: Pristine, lines: list[bytes]) -> tuple[str, int | None]:
    """Verify the tampered lines beside the untouched head; returns (kind, line)."""
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / JOURNAL_NAME).write_bytes(b"".join(lines))
        (directory / HEAD_NAME).write_bytes(pristine[1])
        result = verify(directory)
    assert not result.ok and result.problem is not None, "tampering went unnoticed"
    return result.problem.kind, result.problem.line


def test_the_pristine_journal_is_intact(pristine: Pristine, tmp_path: Path) -> None:
    (tmp_path / JOURNAL_NAME).write_bytes(b"".join(pristine[0]))
    (tmp_path / HEAD_NAME).write_bytes(pristine[1])
    assert verify(tmp_path).ok


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_changed_byte_is_found_on_its_line(pristine: Pristine, data: st.DataObject) -> None:
    lines = list(pristine[0])
    index = data.draw(st.integers(0, len(lines) - 1), label="line")
    line = bytearray(lines[index])
    pos = data.draw(st.integers(0, len(line) - 1), label="byte")
    new = data.draw(st.integers(0, 255).filter(lambda b: b != line[pos]), label="new byte")
    line[pos] = new
    lines[index] = bytes(line)
    _, reported = check(pristine, lines)
    assert reported == index + 1


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_any_removed_record_is_found(pristine: Pristine, data: st.DataObject) -> None:
    lines = list(pristine[0])
    index = data.draw(st.integers(0, len(lines) - 1), label="line")
    count = data.draw(st.integers(1, len(lines) - index), label="how many")
    del lines[index : index + count]
    assert check(pristine, lines) == ("removed", index + 1)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_any_swap_of_two_records_is_found(pristine: Pristine, data: st.DataObject) -> None:
    lines = list(pristine[0])
    i = data.draw(st.integers(0, len(lines) - 2), label="first")
    j = data.draw(st.integers(i + 1, len(lines) - 1), label="second")
    lines[i], lines[j] = lines[j], lines[i]
    assert check(pristine, lines) == ("reordered", i + 1)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_any_truncation_is_found(pristine: Pristine, data: st.DataObject) -> None:
    blob = b"".join(pristine[0])
    cut = data.draw(st.integers(0, len(blob) - 1), label="cut at")
    kept = blob[:cut].splitlines(keepends=True)
    kind, line = check(pristine, kept)
    complete = blob[:cut].count(b"\n")
    # A cut inside a line leaves a torn line; a cut at a line's end loses whole records.
    assert (kind, line) in (("torn", complete + 1), ("removed", complete + 1))


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_any_duplicated_record_is_found(pristine: Pristine, data: st.DataObject) -> None:
    lines = list(pristine[0])
    source = data.draw(st.integers(0, len(lines) - 1), label="copied line")
    target = data.draw(st.integers(0, len(lines)), label="inserted before")
    lines.insert(target, lines[source])
    kind, line = check(pristine, lines)
    assert kind == "reordered"
    assert line is not None and line <= max(source, target) + 2
