"""JSON reading and writing with the rules of Go's ``encoding/json``.

Toxiproxy clients were written against a Go server, so request bodies are decoded the way Go
does it: keys match case-insensitively, unknown keys are ignored, ``null`` leaves a field
unchanged, integer fields refuse ``100.0``, and only the first JSON value of a body is read.
Error messages follow Go's wording because some clients and tests compare them verbatim.
"""

from __future__ import annotations

import json
import math
import struct
from decimal import Decimal
from typing import Any

__all__ = [
    "DecodeError",
    "Float32",
    "JsonObject",
    "Number",
    "encode",
    "parse",
]

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


class DecodeError(Exception):
    """A body that Go's decoder would refuse; ``str()`` is Go's message."""


class JsonObject(list[tuple[str, Any]]):
    """A decoded JSON object kept as ordered key/value pairs, duplicates included."""


class Number:
    """A JSON number kept as its literal text, so int and float rules can be Go's."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"Number({self.text!r})"


class Float32(float):
    """A float that is written the way Go prints a ``float32``."""


def _reject_constant(name: str) -> Any:
    raise DecodeError(f"invalid character {_quote_char(name[0])} looking for beginning of value")


_DECODER = json.JSONDecoder(
    object_pairs_hook=JsonObject,
    parse_float=Number,
    parse_int=Number,
    parse_constant=_reject_constant,
)
_WHITESPACE = " \t\r\n"


def parse(body: bytes) -> Any:
    """Decode the first JSON value of ``body``; trailing bytes are ignored, as in Go."""
    text = body.decode("utf-8", errors="replace")
    start = 0
    while start < len(text) and text[start] in _WHITESPACE:
        start += 1
    if start == len(text):
        raise DecodeError("EOF")
    try:
        value, _end = _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise DecodeError(_go_syntax_message(exc, text)) from None
    except RecursionError:
        raise DecodeError("exceeded max depth") from None
    return value


def _quote_char(ch: str) -> str:
    if ch == "'":
        return "'\\''"
    if ch.isprintable():
        return f"'{ch}'"
    escapes = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
    if ch in escapes:
        return f"'{escapes[ch]}'"
    return f"'\\x{ord(ch):02x}'" if ord(ch) < 0x100 else f"'\\u{ord(ch):04x}'"


def _innermost_container(text: str, pos: int) -> str:
    """'{' or '[' that encloses ``pos``; strings are skipped so brackets inside them don't count."""
    stack: list[str] = []
    in_string = escaped = False
    for ch in text[:pos]:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "{[":
            stack.append(ch)
        elif ch in "}]" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def _go_syntax_message(exc: json.JSONDecodeError, text: str) -> str:
    pos = exc.pos
    if pos >= len(text) or exc.msg.startswith("Unterminated string"):
        return "unexpected EOF"
    char = _quote_char(text[pos])
    if exc.msg.startswith("Expecting property name"):
        return f"invalid character {char} looking for beginning of object key string"
    if exc.msg.startswith("Expecting ':'"):
        return f"invalid character {char} after object key"
    if exc.msg.startswith("Expecting ','"):
        where = (
            "object key:value pair" if _innermost_container(text, pos) == "{" else "array element"
        )
        return f"invalid character {char} after {where}"
    if exc.msg.startswith("Invalid control character"):
        return f"invalid character {char} in string literal"
    if exc.msg.startswith("Invalid \\escape") or exc.msg.startswith("Invalid \\u"):
        return f"invalid character {char} in string escape code"
    return f"invalid character {char} looking for beginning of value"


def json_kind(value: Any) -> str:
    """The JSON type name Go uses in ``cannot unmarshal X into ...`` messages."""
    if isinstance(value, JsonObject):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, Number):
        return "number"
    return "null"


def to_int64(value: Number) -> int | None:
    """The int64 a literal denotes, or None where Go refuses it (fractions, exponents, overflow)."""
    text = value.text
    if any(c in text for c in ".eE"):
        return None
    number = int(text)
    return number if INT64_MIN <= number <= INT64_MAX else None


def to_float32(value: Number) -> float | None:
    """Round to float32 the way Go does; None where the value overflows float32."""
    try:
        rounded: float = struct.unpack("<f", struct.pack("<f", float(value.text)))[0]
    except OverflowError:
        return None
    return None if math.isinf(rounded) else rounded


def format_float32(value: float) -> str:
    """Go's shortest float32 text: ``1``, ``0.5``, ``0.2`` rather than ``0.20000000298``."""
    packed = struct.pack("<f", value)
    digits = repr(value)
    for precision in range(1, 10):
        candidate = f"{value:.{precision}g}"
        if struct.pack("<f", float(candidate)) == packed:
            digits = candidate
            break
    magnitude = abs(float(digits))
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        mantissa, _, exponent = digits.partition("e")
        return f"{mantissa}e{int(exponent):+03d}".replace("e+0", "e+").replace("e-0", "e-")
    plain = format(Decimal(digits), "f")
    if "." in plain:
        plain = plain.rstrip("0").rstrip(".")
    return plain or "0"


_GO_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def _encode_str(value: str) -> str:
    return json.dumps(value, ensure_ascii=False).translate(_GO_ESCAPES)


def encode(value: Any) -> str:
    """Compact JSON in Go's style: HTML characters escaped, float32 printed shortest."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Float32):
        return format_float32(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return _encode_str(value)
    if isinstance(value, dict):
        items = ",".join(f"{_encode_str(str(k))}:{encode(v)}" for k, v in value.items())
        return "{" + items + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(encode(v) for v in value) + "]"
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")
