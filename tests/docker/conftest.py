"""Tests against the real Docker Engine: marked ``docker``, skipped (with the reason) only
where no engine answers; the services image is built once if it is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.images import engine_available, ensure_services_image

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if Path(str(item.fspath)).is_relative_to(HERE):
            item.add_marker(pytest.mark.docker)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def engine() -> str:
    """The engine's description; the test is skipped, saying why, where none answers."""
    ok, why = engine_available()
    if not ok:
        pytest.skip(why)
    return why


@pytest.fixture(scope="session")
def services_image(engine: str) -> str:
    """The services image reference, built here (once) if it is missing or stale."""
    return ensure_services_image()
