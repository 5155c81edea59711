"""``compose/knight.yml`` comes up with ``docker-compose up -d`` and goes with ``down -v``.

``up -d`` returns once every tier's health check has passed (each tier waits
for the one before it), so a zero exit is the whole topology healthy. Skipped
where the ``docker-compose`` tool is not installed; the file's equality with
the generator's output is a unit test (``tests/unit/test_docker_plan.py``).
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time

import pytest

from harness.backends.compose_file import COMPOSE_NAME, COMPOSE_RUN
from harness.paths import bundled

from .support import labelled


def compose(project: str, image: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["docker-compose", "-p", project, "-f", str(bundled("compose") / COMPOSE_NAME), *args],
        capture_output=True,
        text=True,
        env={**os.environ, "GAMEDAY_IMAGE": image},
        timeout=180,
    )


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="no docker-compose tool")
def test_the_compose_file_comes_up_healthy_and_goes(services_image: str) -> None:
    project = f"gdtest{secrets.token_hex(3)}"
    try:
        up = compose(project, services_image, "up", "-d")
        assert up.returncode == 0, up.stderr[-3000:]
        # up -d waits for every tier but the last (the flow, which nothing depends on).
        deadline = time.monotonic() + 60
        while (ps := compose(project, services_image, "ps")).stdout.count("(healthy)") < 14:
            assert time.monotonic() < deadline, ps.stdout  # 13 services and the proxy
            time.sleep(1)
        port = compose(project, services_image, "port", "gate", "8080").stdout.strip()
        assert port.startswith("127.0.0.1:")
    finally:
        down = compose(project, services_image, "down", "-v", "--timeout", "2")
    assert down.returncode == 0, down.stderr[-3000:]
    left = labelled(COMPOSE_RUN)
    assert not [name for names in left.values() for name in names if project in name]
