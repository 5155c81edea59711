"""Typed views of what the Toxiproxy API returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from .errors import InvalidArgument

__all__ = ["Address", "ProxyInfo", "Stream", "ToxicInfo", "ToxicType", "parse_address"]

Stream = Literal["upstream", "downstream"]
ToxicType = Literal[
    "latency", "bandwidth", "slow_close", "timeout", "reset_peer", "slicer", "limit_data", "noop"
]


@dataclass(frozen=True, slots=True)
class Address:
    """A TCP address; ``str()`` gives ``host:port`` (IPv6 hosts in brackets)."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


def parse_address(value: str | Address | tuple[str, int]) -> Address:
    """``"127.0.0.1:8000"``, ``("127.0.0.1", 8000)`` or an Address, as an Address."""
    if isinstance(value, Address):
        return value
    if isinstance(value, tuple):
        return Address(value[0], int(value[1]))
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        raise InvalidArgument(f"address {value!r} is not host:port")
    return Address(host.strip("[]"), int(port))


@dataclass(frozen=True, slots=True)
class ToxicInfo:
    """A toxic as the server reports it."""

    name: str
    type: str
    stream: str
    toxicity: float
    attributes: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ToxicInfo:
        # noxious-server calls the stream "direction".
        stream = data.get("stream", data.get("direction", "downstream"))
        return cls(
            name=str(data["name"]),
            type=str(data["type"]),
            stream=str(stream),
            toxicity=float(data.get("toxicity", 1.0)),
            attributes={str(k): int(v) for k, v in (data.get("attributes") or {}).items()},
        )


@dataclass(frozen=True, slots=True)
class ProxyInfo:
    """A proxy as the server reports it; ``listen`` is the bound address once enabled."""

    name: str
    listen: str
    upstream: str
    enabled: bool
    toxics: tuple[ToxicInfo, ...] = ()

    @property
    def listen_address(self) -> Address:
        return parse_address(self.listen)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ProxyInfo:
        return cls(
            name=str(data["name"]),
            listen=str(data["listen"]),
            upstream=str(data["upstream"]),
            enabled=bool(data["enabled"]),
            toxics=tuple(ToxicInfo.from_json(t) for t in data.get("toxics") or ()),
        )
