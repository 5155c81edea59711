"""Network faults that are one Toxiproxy toxic on one link.

Each adds its toxic to every connection of the link, live ones included, and
removes it on revert. What each does on the wire is in ``docs/faults.md``.
"""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from faults.links import LinkParams, ToxicFault


class LatencyParams(LinkParams):
    """A delay added to every chunk of data."""

    latency_ms: int = Field(500, ge=0, le=600_000, description="delay of each chunk, in ms")
    jitter_ms: int = Field(
        0, ge=0, le=600_000, description="random extra delay, up to plus or minus this, in ms"
    )


class Latency(ToxicFault[LatencyParams]):
    """Data on the link arrives late (order acks, drop copies, market data)."""

    name = "latency"
    summary = "Delay the data on a link by latency_ms (plus or minus jitter_ms)."
    Params = LatencyParams
    toxic_type = "latency"

    def attributes(self) -> dict[str, int]:
        return {"latency": self.params.latency_ms, "jitter": self.params.jitter_ms}


class BandwidthParams(LinkParams):
    """A cap on the link's throughput."""

    rate_kbps: int = Field(
        10, ge=1, description="kilobytes per second (1 KB = 1000 bytes), per connection"
    )


class Bandwidth(ToxicFault[BandwidthParams]):
    """The link is slow: each connection gets at most rate_kbps."""

    name = "bandwidth"
    summary = "Limit each connection of a link to rate_kbps kilobytes per second."
    Params = BandwidthParams
    toxic_type = "bandwidth"

    def attributes(self) -> dict[str, int]:
        return {"rate": self.params.rate_kbps}


class TimeoutParams(LinkParams):
    """Silence, then (optionally) a close."""

    timeout_ms: int = Field(
        0,
        ge=0,
        description="close a connection after this long without data, in ms;"
        " 0: stay open and silent until reverted",
    )


class Timeout(ToxicFault[TimeoutParams]):
    """Data on the link is swallowed: a peer that stops answering but keeps the socket."""

    name = "timeout"
    summary = "Swallow the data on a link; close connections after timeout_ms of silence."
    Params = TimeoutParams
    toxic_type = "timeout"

    def attributes(self) -> dict[str, int]:
        return {"timeout": self.params.timeout_ms}


class ResetPeerParams(LinkParams):
    """A TCP reset once data flows."""

    timeout_ms: int = Field(
        0, ge=0, description="wait this long after the first data, in ms, then reset"
    )


class ResetPeer(ToxicFault[ResetPeerParams]):
    """Connections on the link are reset (RST): the peer sees 'connection reset by peer'."""

    name = "reset_peer"
    summary = "Reset the connections of a link (TCP RST) once data flows, after timeout_ms."
    Params = ResetPeerParams
    toxic_type = "reset_peer"

    def attributes(self) -> dict[str, int]:
        return {"timeout": self.params.timeout_ms}


class SlicerParams(LinkParams):
    """Data cut into small pieces, sent with a pause between them."""

    average_size: int = Field(16, ge=1, description="average size of a piece, in bytes")
    size_variation: int = Field(0, ge=0, description="pieces vary in size by up to this many bytes")
    delay_us: int = Field(0, ge=0, description="pause after each piece, in microseconds")

    @model_validator(mode="after")
    def _variation_below_average(self) -> Self:
        if self.size_variation >= self.average_size:
            raise ValueError(
                f"size_variation ({self.size_variation}) must be below average_size"
                f" ({self.average_size})"
            )
        return self


class Slicer(ToxicFault[SlicerParams]):
    """Messages arrive in fragments: frames split across reads, as on a congested path."""

    name = "slicer"
    summary = "Cut the data on a link into pieces of about average_size bytes."
    Params = SlicerParams
    toxic_type = "slicer"

    def attributes(self) -> dict[str, int]:
        p = self.params
        return {
            "average_size": p.average_size,
            "size_variation": p.size_variation,
            "delay": p.delay_us,
        }


class LimitDataParams(LinkParams):
    """A byte budget per connection."""

    bytes: int = Field(
        1024, ge=0, description="close each connection once this many bytes have passed"
    )


class LimitData(ToxicFault[LimitDataParams]):
    """Connections on the link are cut after a number of bytes (a session dropped mid-day)."""

    name = "limit_data"
    summary = "Close each connection of a link after it has carried `bytes` bytes."
    Params = LimitDataParams
    toxic_type = "limit_data"

    def attributes(self) -> dict[str, int]:
        return {"bytes": self.params.bytes}
