"""Decoding JSON values into flat records with Go's struct rules.

A Go struct field receives a JSON key when the names are equal ignoring case; unknown keys are
dropped, ``null`` leaves the field alone, and a value of the wrong JSON type is an
``UnmarshalTypeError`` whose text names the struct, the key path and the Go type.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from .gojson import DecodeError, Float32, JsonObject, Number, json_kind, to_float32, to_int64

__all__ = ["Field", "decode_struct", "expect_array", "expect_object"]

FieldKind = Literal["string", "bool", "int64", "int", "float32", "object"]

_GO_TYPES: dict[FieldKind, str] = {
    "string": "string",
    "bool": "bool",
    "int64": "int64",
    "int": "int",
    "float32": "float32",
    "object": "map[string]interface {}",
}


@dataclass(frozen=True, slots=True)
class Field:
    """One struct field: its JSON key and the Go kind that decides what values it accepts."""

    key: str
    kind: FieldKind
    go_type: str = ""

    @property
    def type_name(self) -> str:
        return self.go_type or _GO_TYPES[self.kind]


def _type_error(what: str, struct: str, path: str, go_type: str) -> DecodeError:
    return DecodeError(
        f"json: cannot unmarshal {what} into Go struct field {struct}.{path} of type {go_type}"
    )


def _convert(value: Any, field: Field, struct: str, path: str) -> Any:
    kind = field.kind
    if kind == "string" and isinstance(value, str):
        return value
    if kind == "bool" and isinstance(value, bool):
        return value
    if kind == "object" and isinstance(value, JsonObject):
        return value
    if isinstance(value, Number):
        if kind in ("int64", "int"):
            number = to_int64(value)
            if number is not None:
                return number
            raise _type_error(f"number {value.text}", struct, path, field.type_name)
        if kind == "float32":
            real = to_float32(value)
            if real is not None:
                return Float32(real)
            raise _type_error(f"number {value.text}", struct, path, field.type_name)
    raise _type_error(json_kind(value), struct, path, field.type_name)


def expect_object(value: Any, go_type: str) -> JsonObject | None:
    """The pairs of a top-level object; None for ``null``; Go's error for anything else."""
    if value is None:
        return None
    if isinstance(value, JsonObject):
        return value
    raise DecodeError(f"json: cannot unmarshal {json_kind(value)} into Go value of type {go_type}")


def expect_array(value: Any, go_type: str) -> list[Any] | None:
    """The items of a top-level array; None for ``null``; Go's error for anything else."""
    if value is None:
        return None
    if isinstance(value, list) and not isinstance(value, JsonObject):
        return value
    raise DecodeError(f"json: cannot unmarshal {json_kind(value)} into Go value of type {go_type}")


def decode_struct(
    pairs: JsonObject | None,
    fields: Sequence[Field],
    *,
    struct: str,
    prefix: str = "",
) -> dict[str, Any]:
    """Values for the fields named in ``pairs``; later duplicates win, as in Go.

    ``prefix`` is the key path of a nested struct, used only in error messages. Like Go, a type
    error does not stop the decoding, but the first one is what the caller reports.
    """
    if pairs is None:
        return {}
    by_folded = {f.key.casefold(): f for f in fields}
    decoded: dict[str, Any] = {}
    first_error: DecodeError | None = None
    for key, value in pairs:
        field = by_folded.get(key.casefold())
        if field is None or value is None:
            continue
        try:
            decoded[field.key] = _convert(value, field, struct, prefix + field.key)
        except DecodeError as exc:
            first_error = first_error or exc
    if first_error is not None:
        raise first_error
    return decoded
