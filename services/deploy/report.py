"""What a deploy was asked to do and what it did, as JSON-ready models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from services.router.registry import RegistryState

DeployMode = Literal["legacy", "verified"]
HostOutcome = Literal["ok", "skipped", "failed", "not_attempted"]


class HostSpec(BaseModel):
    """One router's SSH endpoint: ``router-3=127.0.0.1:40022`` or just ``HOST:PORT``."""

    model_config = ConfigDict(frozen=True)

    name: str
    host: str
    port: int

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @classmethod
    def parse(cls, text: str) -> HostSpec:
        name, sep, address = text.partition("=")
        if not sep:
            name, address = text, text
        host, colon, port = address.rpartition(":")
        if not colon or not port.isdigit() or not 0 < int(port) < 65536 or not name:
            raise ValueError(f"expected NAME=HOST:PORT or HOST:PORT, got {text!r}")
        return cls(name=name, host=host or "127.0.0.1", port=int(port))


class HostResult(BaseModel):
    """One host's part in a deploy.

    ``version`` and ``sha256`` are what the host reported after activation
    (verified mode, status queries) or what was pushed to it (legacy mode,
    which never asks).
    """

    name: str
    address: str
    status: HostOutcome
    canary: bool = False
    version: str | None = None
    sha256: str | None = None
    error: str | None = None


class DeployReport(BaseModel):
    """The JSON report a deploy, rollback or status query prints."""

    action: Literal["deploy", "rollback", "status"]
    mode: DeployMode
    version: str | None
    sha256: str | None
    ok: bool
    hosts: list[HostResult]
    canary: list[str] = []
    failed: list[str] = []
    skipped: list[str] = []
    registry: RegistryState | None = None
    registry_updated: bool = False
    message: str = ""

    def host(self, name: str) -> HostResult:
        for result in self.hosts:
            if result.name == name:
                return result
        raise KeyError(name)
