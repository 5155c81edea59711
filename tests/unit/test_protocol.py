"""Property and edge tests for the wire protocol."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.protocol import (
    Ack,
    Cancel,
    CancelAck,
    CancelAll,
    DropCopy,
    Execution,
    Flags,
    FrameDecoder,
    Heartbeat,
    Logon,
    MarketData,
    Message,
    NewChild,
    NewParent,
    Reject,
    RejectReason,
    Side,
    TimeInForce,
    encode,
)

ascii_text = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=0, max_size=8
)
symbols = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ.", min_size=1, max_size=8)
u64 = st.integers(0, 2**64 - 1)
u32pos = st.integers(1, 2**32 - 1)
u32 = st.integers(0, 2**32 - 1)
price = st.integers(1, 2**63 - 1)
ts = st.integers(-(2**63), 2**63 - 1)
sides = st.sampled_from(Side)
flags = st.integers(0, Flags.KNOWN)
tifs = st.sampled_from(TimeInForce)

messages: st.SearchStrategy[Message] = st.one_of(
    st.builds(Logon, st.text(alphabet="abcdefgh-0123456789", max_size=16)),
    st.builds(NewParent, u64, symbols, sides, tifs, u32pos, price, ascii_text, ascii_text, flags),
    st.builds(NewChild, u64, u64, symbols, sides, tifs, u32pos, price, ascii_text, u32),
    st.builds(Cancel, u64, symbols),
    st.builds(CancelAll, ascii_text),
    st.builds(Ack, u64, ts),
    st.builds(
        Reject, u64, st.sampled_from(RejectReason), st.text(alphabet="abc xyz:", max_size=48)
    ),
    st.builds(Execution, u64, u64, symbols, sides, u32pos, st.integers(0, 2**63 - 1), u32, ts),
    st.builds(CancelAck, u64, u32),
    st.builds(Heartbeat, ts),
    st.builds(DropCopy, u64, u64, ascii_text, ascii_text, symbols, sides, u32pos, price, ts),
    st.builds(
        MarketData,
        symbols,
        st.integers(0, 2**63 - 1),
        u32,
        st.integers(0, 2**63 - 1),
        u32,
        st.integers(0, 2**63 - 1),
        ts,
    ),
)


@given(messages)
def test_every_message_round_trips(msg: Message) -> None:
    assert FrameDecoder().feed(encode(msg)) == [msg]


@given(st.lists(messages, max_size=20), st.data())
def test_any_chunking_yields_the_same_messages(msgs: list[Message], data: st.DataObject) -> None:
    stream = b"".join(encode(m) for m in msgs)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=10)))
    decoder = FrameDecoder()
    out: list[Message] = []
    prev = 0
    for cut in [*cuts, len(stream)]:
        out += decoder.feed(stream[prev:cut])
        prev = cut
    assert out == msgs
    assert decoder.pending == 0 and decoder.error is None


@given(st.binary(max_size=200))
def test_random_bytes_never_raise(blob: bytes) -> None:
    decoder = FrameDecoder()
    decoder.feed(blob)
    if decoder.error is not None:
        assert decoder.feed(encode(Heartbeat(1))) == []


def test_unknown_type_is_named() -> None:
    decoder = FrameDecoder()
    assert decoder.feed(struct.pack("<HB", 5, 99) + b"abcd") == []
    assert decoder.error is not None
    assert decoder.error.reason is RejectReason.UNKNOWN_TYPE
    assert "99" in decoder.error.text


def test_bad_length_is_named() -> None:
    frame = bytearray(encode(Heartbeat(1)))
    frame[0] += 1
    decoder = FrameDecoder()
    decoder.feed(bytes(frame))
    assert decoder.error is not None and decoder.error.reason is RejectReason.BAD_LENGTH
    assert "HEARTBEAT" in decoder.error.text


@pytest.mark.parametrize(
    ("offset", "value", "field"),
    [(19, 7, "side"), (20, 9, "tif"), (21, 0, "qty"), (52, 0x80, "flags")],
)
def test_bad_field_is_named(offset: int, value: int, field: str) -> None:
    frame = bytearray(encode(NewParent(1, "WZE", Side.BUY, TimeInForce.DAY, 100, 35000, "", "", 0)))
    # offsets count from the start of the frame: 2 length + 1 type + body offset
    frame[offset] = value
    if field == "qty":
        frame[offset : offset + 4] = b"\0\0\0\0"
    decoder = FrameDecoder()
    good = encode(Heartbeat(5))
    assert decoder.feed(good + bytes(frame)) == [Heartbeat(5)]
    assert decoder.error is not None and decoder.error.reason is RejectReason.BAD_FIELD
    assert field in decoder.error.text


def test_non_ascii_symbol_is_a_bad_field() -> None:
    frame = bytearray(encode(Cancel(1, "ABC")))
    frame[11] = 0xFF
    decoder = FrameDecoder()
    decoder.feed(bytes(frame))
    assert decoder.error is not None and "symbol" in decoder.error.text


def test_encoding_an_overlong_string_is_refused() -> None:
    with pytest.raises(ValueError, match="symbol"):
        encode(Cancel(1, "TOOLONGSYMBOL"))


def test_protocol_document_is_current() -> None:
    from pathlib import Path

    from services.protocol.doc import render

    doc = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
    assert doc.read_text() == render(), "run: python -m services.protocol.doc > docs/protocol.md"
