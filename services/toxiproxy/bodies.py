"""Request bodies of the API, decoded with Go's rules and checked in Toxiproxy's order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import errors
from .gojson import DecodeError, Float32, JsonObject, parse
from .gostruct import Field, decode_struct, expect_array, expect_object
from .toxics import DOWNSTREAM, TOXIC_TYPES, UPSTREAM, ToxicBehaviour, ToxicSpec

__all__ = [
    "ProxyFields",
    "decode_populate",
    "decode_proxy",
    "decode_toxic",
    "decode_toxic_update",
]

_PROXY_FIELDS = (
    Field("name", "string"),
    Field("listen", "string"),
    Field("upstream", "string"),
    Field("enabled", "bool"),
)
_TOXIC_FIELDS = (
    Field("name", "string"),
    Field("type", "string"),
    Field("stream", "string"),
    Field("toxicity", "float32"),
    Field("attributes", "object", "toxics.Toxic"),
)


@dataclass(slots=True)
class ProxyFields:
    """The proxy keys a request body set; absent keys are None."""

    name: str | None = None
    listen: str | None = None
    upstream: str | None = None
    enabled: bool | None = None

    @classmethod
    def from_pairs(cls, pairs: JsonObject | None) -> ProxyFields:
        values = decode_struct(pairs, _PROXY_FIELDS, struct="Proxy")
        return cls(**values)


def _parse(body: bytes) -> Any:
    try:
        return parse(body)
    except DecodeError as exc:
        raise errors.bad_body(str(exc)) from None


def decode_proxy(body: bytes) -> ProxyFields:
    """Body of ``POST /proxies`` and of a proxy update."""
    try:
        return ProxyFields.from_pairs(expect_object(_parse(body), "toxiproxy.Proxy"))
    except DecodeError as exc:
        raise errors.bad_body(str(exc)) from None


def decode_populate(body: bytes) -> list[ProxyFields]:
    """Body of ``POST /populate``; every entry is checked before anything is created."""
    try:
        items = expect_array(_parse(body), "[]toxiproxy.Proxy") or []
        entries = [ProxyFields.from_pairs(expect_object(i, "toxiproxy.Proxy")) for i in items]
    except DecodeError as exc:
        raise errors.bad_body(str(exc)) from None
    for required in ("name", "upstream"):
        for number, entry in enumerate(entries, start=1):
            if not getattr(entry, required):
                raise errors.missing_field(required, f" at proxy {number}")
    return entries


def _attributes(
    behaviour: type[ToxicBehaviour], pairs: Any, current: dict[str, int]
) -> dict[str, int]:
    fields = [Field(name, "int64") for name in behaviour.attribute_names]
    try:
        decoded = decode_struct(
            expect_object(pairs, f"toxics.{behaviour.go_struct}"),
            fields,
            struct=behaviour.go_struct,
        )
    except DecodeError as exc:
        raise errors.bad_body(str(exc)) from None
    merged = {
        name: int(decoded.get(name, current.get(name, 0))) for name in behaviour.attribute_names
    }
    reason = behaviour.check(merged)
    if reason is not None:
        raise errors.ApiError(400, f"invalid toxic attributes: {reason}")
    return merged


def decode_toxic(body: bytes, name_taken: Callable[[str], bool]) -> ToxicSpec:
    """Body of ``POST /proxies/{p}/toxics``, checked in the order Toxiproxy checks it."""
    try:
        values = decode_struct(
            expect_object(_parse(body), "toxiproxy.ToxicWrapper"),
            _TOXIC_FIELDS,
            struct="ToxicWrapper",
        )
    except DecodeError as exc:
        raise errors.bad_body(str(exc)) from None
    stream: str = values.get("stream", DOWNSTREAM)
    direction = stream.lower()
    if direction not in (UPSTREAM, DOWNSTREAM):
        raise errors.invalid_stream()
    kind: str = values.get("type", "")
    name: str = values.get("name") or f"{kind}_{stream}"
    behaviour = TOXIC_TYPES.get(kind)
    if behaviour is None:
        raise errors.invalid_toxic_type()
    if name_taken(name):
        raise errors.toxic_exists()
    return ToxicSpec(
        name=name,
        behaviour=behaviour,
        stream=stream,
        direction=direction,
        toxicity=values.get("toxicity", Float32(1.0)),
        attributes=_attributes(behaviour, values.get("attributes"), {}),
    )


def decode_toxic_update(body: bytes, current: ToxicSpec) -> ToxicSpec:
    """Body of a toxic update: attributes merge into the current ones, toxicity is optional."""
    try:
        values = decode_struct(
            expect_object(_parse(body), "toxiproxy.ToxicWrapper"),
            _TOXIC_FIELDS,
            struct="ToxicWrapper",
        )
    except DecodeError as exc:
        raise errors.bad_body(str(exc)) from None
    return ToxicSpec(
        name=current.name,
        behaviour=current.behaviour,
        stream=current.stream,
        direction=current.direction,
        toxicity=values.get("toxicity", current.toxicity),
        attributes=_attributes(current.behaviour, values.get("attributes"), current.attributes),
    )
