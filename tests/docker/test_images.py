"""The services image on the real engine: it runs every service, says what it was built
from, is not rebuilt when current, and a bad ``--base`` is one line, exit 4.

The image comes from the ``services_image`` fixture (built once if missing or
stale); nothing here bootstraps a base. Containers made here carry
``gameday.run=test-images``, so ``gameday cleanup`` finds any a crash left.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docker
import pytest

from harness.errors import ExitCode
from harness.images import ensure, ensure_services_image
from harness.images.build import wanted
from harness.images.refs import BASE_ID_LABEL, HASH_LABEL, KIND_LABEL, gameday_version
from tests.docker.support import gameday

LABELS = {"gameday.run": "test-images"}
REGISTRY = "registry.example.com/test-images"


@pytest.fixture
def client(engine: str) -> Iterator[Any]:
    client = docker.from_env()
    try:
        yield client
    finally:
        for container in client.containers.list(
            all=True, filters={"label": "gameday.run=test-images"}
        ):
            container.remove(force=True)
        client.close()


@pytest.mark.parametrize("service", ["exchange", "toxiproxy"])
def test_a_service_runs_in_the_image(client: Any, services_image: str, service: str) -> None:
    command = ["python", "-m", f"services.{service}", "--help"]
    container = client.containers.run(services_image, command, labels=LABELS, detach=True)
    try:
        status = container.wait(timeout=60)["StatusCode"]
        output = container.logs().decode()
    finally:
        container.remove(force=True)
    assert status == 0, output
    assert f"usage: python -m services.{service}" in output


def test_the_image_says_what_it_was_built_from(client: Any, services_image: str) -> None:
    attrs = client.images.get(services_image).attrs
    labels = attrs["Config"]["Labels"]
    assert labels[HASH_LABEL] == wanted().source_hash
    assert labels[KIND_LABEL] == "services"
    assert labels[BASE_ID_LABEL].startswith("sha256:")
    assert attrs["Config"]["User"] == "gameday"  # not root


def test_ensure_is_a_no_op_when_the_image_is_current(
    client: Any, services_image: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("made an image although the current one was there")

    monkeypatch.setattr(ensure, "build_services_image", refuse)
    monkeypatch.setattr(ensure, "bootstrap_base", refuse)
    before = client.images.get(services_image).id
    said: list[str] = []
    assert ensure_services_image(log=said.append) == services_image
    assert said == []
    assert client.images.get(services_image).id == before


def test_a_registry_name_is_a_tag_of_the_current_image(
    client: Any, services_image: str, tmp_path: Path
) -> None:
    refs = [f"{REGISTRY}/gameday/services:{t}" for t in (gameday_version(), "latest", "rc1")]
    try:
        done = gameday(tmp_path, "images", "build", "--registry", REGISTRY, "--tag", "rc1")
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith(f"up to date: {refs[0]} ")
        ids = {client.images.get(ref).id for ref in refs}
        assert ids == {client.images.get(services_image).id}
    finally:
        for ref in refs:
            client.images.remove(ref, noprune=True) if _has(client, ref) else None


def _has(client: Any, ref: str) -> bool:
    try:
        client.images.get(ref)
    except docker.errors.ImageNotFound:
        return False
    return True


def test_an_unknown_base_is_one_line_and_exit_4(engine: str, tmp_path: Path) -> None:
    done = gameday(tmp_path, "images", "build", "--base", "localhost:1/no-such-base:never")
    assert done.returncode == ExitCode.USAGE_ERROR, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: --base localhost:1/no-such-base:never: no such image")
