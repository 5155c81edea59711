"""Router builds: the manifest, its features, and what they make the router do.

A build is a manifest (``version``, ``sha256`` of the payload, ``features``)
plus a payload. The router's behaviour comes from the features of the active
build, never from its version string, so a drill can make a build that says
``2012.07`` on the label and still runs Power Peg.

Features:

- ``power_peg``: the Power Peg code is present. Flag bit 3 reaches it unless
  the build also has ``rlp``.
- ``rlp``: Retail Liquidity Program; flag bit 3 means RLP and Power Peg, if
  present, can no longer be reached.
- ``power_peg_cum_qty``: Power Peg consults the cumulative-quantity counter
  (the code before the 2005 refactor). No generated build has it: in 2012 the
  counter was detached from Power Peg.

Unknown features are kept and reported but change nothing, so a newer build
can be loaded by an older router.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Final

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

FEATURE_POWER_PEG: Final = "power_peg"
FEATURE_RLP: Final = "rlp"
FEATURE_POWER_PEG_CUM_QTY: Final = "power_peg_cum_qty"
KNOWN_FEATURES: Final = frozenset({FEATURE_POWER_PEG, FEATURE_RLP, FEATURE_POWER_PEG_CUM_QTY})

# Knight's servers: the old code (Power Peg reachable, its counter detached since
# 2005) and the RLP code that reused Power Peg's flag without removing Power Peg.
KNOWN_BUILDS: Final[dict[str, tuple[str, ...]]] = {
    "2003.1": (FEATURE_POWER_PEG,),
    "2012.07": (FEATURE_POWER_PEG, FEATURE_RLP),
}

# A version names a directory on routers and in the registry: keep it a plain word.
Version = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]
_PAYLOAD_BLOCKS: Final = 2048


class BuildError(Exception):
    """A build that cannot be used: bad manifest, wrong checksum, unsafe archive."""


class Manifest(BaseModel):
    """``manifest.json`` of a build artifact."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Version
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    features: tuple[str, ...] = ()

    @field_validator("features")
    @classmethod
    def _canonical(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for feature in value:
            if not feature or len(feature) > 64 or not feature.isascii():
                raise ValueError(f"feature names are short ASCII words, got {feature!r}")
        return tuple(sorted(set(value)))

    @classmethod
    def parse(cls, raw: bytes, where: str) -> Manifest:
        try:
            return cls.model_validate_json(raw)
        except ValueError as exc:
            first = str(exc).splitlines()
            detail = "; ".join(line.strip() for line in first[1:3]) or str(exc)
            raise BuildError(f"{where}: invalid manifest: {detail}") from None

    def dump(self) -> bytes:
        return (json.dumps(self.model_dump(mode="json"), indent=2, sort_keys=True) + "\n").encode()


class FlagMeaning(StrEnum):
    """What flag bit 3 of a parent order means under a build."""

    RLP = "rlp"
    POWER_PEG = "power_peg"
    IGNORED = "ignored"


@dataclass(frozen=True, slots=True)
class BuildBehaviour:
    """The decisions a router takes from a build's features."""

    bit3: FlagMeaning
    power_peg_cum_qty: bool

    @classmethod
    def from_features(cls, features: tuple[str, ...] | list[str]) -> BuildBehaviour:
        names = set(features)
        if FEATURE_RLP in names:
            bit3 = FlagMeaning.RLP
        elif FEATURE_POWER_PEG in names:
            bit3 = FlagMeaning.POWER_PEG
        else:
            bit3 = FlagMeaning.IGNORED
        return cls(bit3, FEATURE_POWER_PEG_CUM_QTY in names)


def payload_sha256(payload: bytes) -> str:
    return hashlib.sha256(payload).hexdigest()


def generate_payload(version: str, features: tuple[str, ...] | list[str]) -> bytes:
    """Deterministic stand-in for a build's binaries (64 KiB plus a header).

    Only its checksum matters: the same inputs always give the same bytes, so
    no binary file is kept in the repository and two registries generated
    apart agree on every sha256.
    """
    header = {"product": "SMARS", "version": version, "features": sorted(set(features))}
    out = bytearray(json.dumps(header, sort_keys=True).encode() + b"\n")
    for block in range(_PAYLOAD_BLOCKS):
        out += hashlib.sha256(f"smars/{version}/{block}".encode()).digest()
    return bytes(out)


@dataclass(frozen=True)
class Artifact:
    """A build in memory: its manifest and its payload, checked against each other."""

    manifest: Manifest
    payload: bytes

    @property
    def version(self) -> str:
        return self.manifest.version

    def verify(self) -> None:
        actual = payload_sha256(self.payload)
        if actual != self.manifest.sha256:
            raise BuildError(
                f"build {self.version}: payload sha256 {actual[:12]}... does not match "
                f"the manifest's {self.manifest.sha256[:12]}..."
            )


def generate_build(version: str, features: tuple[str, ...] | list[str] | None = None) -> Artifact:
    """A build made by code; ``features`` defaults to those of a known version."""
    if features is None:
        if version not in KNOWN_BUILDS:
            known = ", ".join(KNOWN_BUILDS)
            raise BuildError(f"no generated build {version!r} (known: {known})")
        features = KNOWN_BUILDS[version]
    payload = generate_payload(version, features)
    try:
        manifest = Manifest(
            version=version, sha256=payload_sha256(payload), features=tuple(features)
        )
    except ValueError as exc:
        raise BuildError(f"build {version!r}: {exc}") from None
    return Artifact(manifest, payload)
