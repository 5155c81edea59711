"""What a running topology is made of, kept on disk so other commands can find it.

``gameday up`` returns while the services keep running; ``status`` and ``down``
(possibly from another shell) read ``runs/<run id>/state.json``. The file is
rewritten atomically after every service starts, so even an ``up`` killed half
way leaves a record of every process it made.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from harness.errors import RunNotFound
from harness.paths import runs_dir


class ServiceRecord(BaseModel):
    """One started service process."""

    host: str = "127.0.0.1"
    ports: dict[str, int]
    pid: int
    module: str
    log: str = ""
    container: str | None = None
    """The container's name on the ``docker`` backend (``pid`` is then its main process)."""


class ProxyServerRecord(BaseModel):
    """The run's Toxiproxy-compatible server: recorded as soon as it is spawned."""

    kind: str
    host: str = "127.0.0.1"
    port: int
    pid: int
    log: str = ""
    container: str | None = None
    ports: dict[str, int] = Field(default_factory=dict)
    """On ``docker``: every published port of its container (the API's, the SSH links')."""


class DockerRecord(BaseModel):
    """What a ``docker`` run made besides its containers: found again by ``down``."""

    image: str
    network: str
    volumes: list[str] = Field(default_factory=list)


class LinkRecord(BaseModel):
    """One link of the topology and the address its client dials."""

    client: str
    server: str
    upstream: str
    listen: str
    proxy: str | None = None
    """The proxy's name on the server; None when the link is direct (``--netproxy off``)."""


class RunState(BaseModel):
    """A topology brought up by ``gameday up`` or by a drill."""

    run_id: str
    backend: str
    created: float
    epoch: float
    settings: dict[str, Any]
    run_dir: str
    services: dict[str, ServiceRecord] = Field(default_factory=dict)
    netproxy: ProxyServerRecord | None = None
    links: dict[str, LinkRecord] = Field(default_factory=dict)
    docker: DockerRecord | None = None

    def save(self) -> None:
        path = Path(self.run_dir) / "state.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(self.model_dump_json(indent=2))
        os.replace(tmp, path)

    def link_address(self, link: str) -> tuple[str, int]:
        """Where to connect for a link, e.g. ``router-8:ssh`` for a deploy to router 8."""
        host, _, port = self.links[link].listen.rpartition(":")
        return host, int(port)

    def summary(self) -> dict[str, Any]:
        """The ``--json`` shape: run id, every service's host, port and pid, and the links."""
        return {
            "run_id": self.run_id,
            "backend": self.backend,
            "services": {
                name: {
                    "host": rec.host,
                    "port": rec.ports.get("orders", rec.ports.get("admin")),
                    "ports": rec.ports,
                    "pid": rec.pid,
                }
                for name, rec in self.services.items()
            },
            "netproxy": self.netproxy.model_dump() if self.netproxy else None,
            "links": {
                name: {"listen": rec.listen, "upstream": rec.upstream, "proxied": bool(rec.proxy)}
                for name, rec in self.links.items()
            },
        }


def new_run_id() -> str:
    return "gd-" + secrets.token_hex(4)


def run_dir_for(run_id: str) -> Path:
    return runs_dir() / run_id


def load(run_id: str) -> RunState:
    path = run_dir_for(run_id) / "state.json"
    try:
        return RunState.model_validate_json(path.read_text())
    except FileNotFoundError:
        raise RunNotFound(f"no running topology {run_id!r} (see `gameday status`)") from None
    except (ValidationError, ValueError) as exc:
        raise RunNotFound(f"{path}: unreadable state ({exc.__class__.__name__})") from None


def all_runs() -> list[RunState]:
    base = runs_dir()
    if not base.is_dir():
        return []
    runs = []
    for child in sorted(base.iterdir()):
        if (child / "state.json").is_file():
            try:
                runs.append(load(child.name))
            except RunNotFound:
                continue
    return runs


def forget(run_id: str) -> None:
    shutil.rmtree(run_dir_for(run_id), ignore_errors=True)


def dump(state: RunState) -> str:
    return json.dumps(state.summary(), indent=2)
