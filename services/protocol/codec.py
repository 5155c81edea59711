"""Encoding and incremental decoding of protocol frames (sans-I/O).

``FrameDecoder`` is fed whatever bytes a socket produced, in any chunking, and
returns whole messages. A malformed frame raises ``ProtocolError`` carrying the
reject reason and a text naming the problem; the caller answers with a REJECT,
closes the session and counts it. The decoder never reads past a bad frame: a
stream that has lost framing cannot be trusted again.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any, Final

from services.protocol.messages import (
    LAYOUTS,
    MESSAGE_CLASSES,
    STRUCTS,
    Flags,
    Message,
    MsgType,
    RejectReason,
    Side,
    TimeInForce,
)

_LEN: Final = struct.Struct("<H")
_TYPE_AND_LEN: Final = struct.Struct("<HB")
HEADER_SIZE: Final = _LEN.size
MAX_FRAME: Final = 1 + max(s.size for s in STRUCTS.values())


class ProtocolError(Exception):
    """A frame that cannot be accepted; ``reason`` goes into the REJECT."""

    def __init__(self, reason: RejectReason, text: str) -> None:
        super().__init__(text)
        self.reason = reason
        self.text = text


def _str_field(name: str, width: int) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    def enc(value: Any) -> bytes:
        raw: bytes = value.encode("ascii")
        if len(raw) > width:
            raise ValueError(f"{name} longer than {width} bytes: {value!r}")
        return raw

    def dec(raw: Any) -> str:
        text = bytes(raw).rstrip(b"\0")
        if not text.isascii() or b"\0" in text:
            raise ProtocolError(RejectReason.BAD_FIELD, f"{name}: not ASCII text")
        return text.decode("ascii")

    return enc, dec


def _enum_field(name: str, enum: type[Any]) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    def dec(raw: Any) -> Any:
        try:
            return enum(raw)
        except ValueError:
            raise ProtocolError(RejectReason.BAD_FIELD, f"{name}: invalid value {raw}") from None

    return int, dec


def _positive_field(name: str) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    def dec(raw: Any) -> Any:
        if raw <= 0:
            raise ProtocolError(RejectReason.BAD_FIELD, f"{name}: must be positive, got {raw}")
        return raw

    return int, dec


def _non_negative_field(name: str) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    def dec(raw: Any) -> Any:
        if raw < 0:
            raise ProtocolError(RejectReason.BAD_FIELD, f"{name}: must not be negative, got {raw}")
        return raw

    return int, dec


_ENUMS: Final[dict[str, type[Any]]] = {"side": Side, "tif": TimeInForce, "reason": RejectReason}
# Zero quantities and prices are never meaningful on these messages.
_POSITIVE: Final = {
    (MsgType.NEW_PARENT, "qty"),
    (MsgType.NEW_PARENT, "price"),
    (MsgType.NEW_CHILD, "qty"),
    (MsgType.NEW_CHILD, "price"),
    (MsgType.EXECUTION, "qty"),
    (MsgType.DROP_COPY, "qty"),
    (MsgType.DROP_COPY, "price"),
}


def _flags_field(name: str) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    def dec(raw: Any) -> Any:
        if raw & ~Flags.KNOWN:
            raise ProtocolError(RejectReason.BAD_FIELD, f"{name}: reserved bits set ({raw:#x})")
        return raw

    return int, dec


def _identity(v: Any) -> Any:
    return v


class _Codec:
    """Pre-computed pack/unpack plan for one message type."""

    __slots__ = ("cls", "decoders", "encoders", "fields", "frame_len", "needs_check", "struct")

    def __init__(self, mtype: MsgType) -> None:
        self.struct = STRUCTS[mtype]
        self.cls = MESSAGE_CLASSES[mtype]
        self.fields = tuple(name for name, _, _ in LAYOUTS[mtype])
        self.frame_len = 1 + self.struct.size
        encoders: list[Callable[[Any], Any]] = []
        decoders: list[Callable[[Any], Any]] = []
        for name, code, _ in LAYOUTS[mtype]:
            if code.endswith("s"):
                enc, dec = _str_field(name, int(code[:-1]))
            elif name in _ENUMS:
                enc, dec = _enum_field(name, _ENUMS[name])
            elif name == "flags":
                enc, dec = _flags_field(name)
            elif (mtype, name) in _POSITIVE:
                enc, dec = _positive_field(name)
            elif code in "qi" and name not in ("ts",):
                enc, dec = _non_negative_field(name)
            else:
                enc, dec = _identity, _identity
            encoders.append(enc)
            decoders.append(dec)
        self.encoders = tuple(encoders)
        self.decoders = tuple(decoders)
        self.needs_check = any(d is not _identity for d in decoders)


_CODECS: Final[dict[int, _Codec]] = {int(t): _Codec(t) for t in MsgType}


def encode(msg: Message) -> bytes:
    """One frame: length prefix, type byte, struct body."""
    codec = _CODECS[msg.TYPE]
    values = [enc(getattr(msg, f)) for f, enc in zip(codec.fields, codec.encoders, strict=True)]
    try:
        body = codec.struct.pack(*values)
    except struct.error as exc:
        raise ValueError(f"{msg.TYPE.name}: {exc}") from None
    return _TYPE_AND_LEN.pack(codec.frame_len, msg.TYPE) + body


def decode_body(mtype: int, body: bytes | memoryview) -> Message:
    """Decode one frame body of a known type; raises ``ProtocolError``."""
    codec = _CODECS.get(mtype)
    if codec is None:
        raise ProtocolError(RejectReason.UNKNOWN_TYPE, f"unknown message type {mtype}")
    if len(body) != codec.struct.size:
        raise ProtocolError(
            RejectReason.BAD_LENGTH,
            f"{MsgType(mtype).name}: body of {len(body)} bytes, expected {codec.struct.size}",
        )
    raw = codec.struct.unpack(body)
    values = [dec(v) for dec, v in zip(codec.decoders, raw, strict=True)]
    return codec.cls(*values)


class FrameDecoder:
    """Accumulates bytes and yields whole messages."""

    __slots__ = ("_buf", "error", "frames")

    def __init__(self) -> None:
        self._buf = bytearray()
        self.frames = 0
        self.error: ProtocolError | None = None

    @property
    def pending(self) -> int:
        """Bytes held that do not yet make a whole frame."""
        return len(self._buf)

    def feed(self, data: bytes) -> list[Message]:
        """Messages completed by ``data``.

        The messages before a bad frame are still returned; ``error`` is then
        set and every later call returns nothing.
        """
        if self.error is not None:
            return []
        buf = self._buf
        buf += data
        out: list[Message] = []
        pos = 0
        end = len(buf)
        try:
            while end - pos >= HEADER_SIZE + 1:
                (length,) = _LEN.unpack_from(buf, pos)
                mtype = buf[pos + HEADER_SIZE]
                codec = _CODECS.get(mtype)
                if codec is None:
                    raise ProtocolError(RejectReason.UNKNOWN_TYPE, f"unknown message type {mtype}")
                if length != codec.frame_len:
                    raise ProtocolError(
                        RejectReason.BAD_LENGTH,
                        f"{codec.cls.TYPE.name}: frame length {length}, expected {codec.frame_len}",
                    )
                if end - pos < HEADER_SIZE + length:
                    break
                start = pos + HEADER_SIZE + 1
                raw = codec.struct.unpack_from(buf, start)
                if codec.needs_check:
                    raw = tuple(dec(v) for dec, v in zip(codec.decoders, raw, strict=True))
                out.append(codec.cls(*raw))
                pos += HEADER_SIZE + length
        except ProtocolError as exc:
            self.error = exc
        finally:
            del buf[:pos]
            self.frames += len(out)
        return out
