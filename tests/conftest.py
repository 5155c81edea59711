"""Fixtures shared by every test layer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.processes import ServiceProcess, start_service


class ServiceStarter:
    """Starts service processes for one test and stops every one of them afterwards."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[ServiceProcess] = []

    def __call__(self, name: str, module: str, *args: str) -> ServiceProcess:
        proc = start_service(name, module, list(args), self.log_dir / f"{name}.log")
        self.started.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in reversed(self.started):
            proc.stop()


@pytest.fixture
def services(tmp_path: Path) -> Iterator[ServiceStarter]:
    """``services("exchange", "exchange", "--orders-port", "0")`` -> ServiceProcess."""
    starter = ServiceStarter(tmp_path / "logs")
    try:
        yield starter
    finally:
        starter.stop_all()
