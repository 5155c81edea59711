"""The image machinery that needs no engine: names, pins, hashes, wheel tags, mirrors."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from docker.errors import ImageNotFound
from packaging.tags import parse_tag

from harness.cli.main import main
from harness.errors import ExitCode, UsageError
from harness.images import bootstrap, engine_available, ensure, services_image_ref
from harness.images.bootstrap import bootstrap_base, host_mirror
from harness.images.pins import runtime_pins
from harness.images.refs import check_registry, gameday_version
from harness.images.source import ProjectSource, fingerprint, project_source
from harness.images.wheels import image_tags, installed_wheel

DEB822 = """\
Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example.net/debian
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
"""


def test_the_mirror_comes_from_the_hosts_apt_sources(tmp_path: Path) -> None:
    sources = tmp_path / "debian.sources"
    sources.write_text(DEB822)
    assert host_mirror((sources,)) == "http://mirror.example.net/debian"
    one_line = tmp_path / "sources.list"
    one_line.write_text(
        "# deb http://old.example/debian bookworm main\n"
        "deb [signed-by=/k.gpg] https://snapshot.debian.org/archive/debian/20250520T000000Z/ "
        "bookworm main\n"
    )
    assert host_mirror((tmp_path / "absent", one_line)) == (
        "https://snapshot.debian.org/archive/debian/20250520T000000Z"
    )


def test_an_ubuntu_host_has_no_debian_mirror(tmp_path: Path) -> None:
    sources = tmp_path / "sources.list"
    sources.write_text("deb http://archive.ubuntu.com/ubuntu jammy main\n")
    assert host_mirror((sources,)) is None


def test_bootstrap_says_it_needs_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bootstrap, "base_present", lambda _client: False)
    monkeypatch.setattr(bootstrap.os, "geteuid", lambda: 1000)
    with pytest.raises(UsageError, match="needs root: run it with sudo"):
        bootstrap_base(client=None)


class EmptyEngine:
    """An engine that answers and has no image at all."""

    class images:  # the SDK's attribute name
        @staticmethod
        def get(ref: str) -> None:
            raise ImageNotFound(f"No such image: {ref}")

    def close(self) -> None:
        pass


def test_ensure_without_a_base_or_root_says_what_to_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("GAMEDAY_IMAGE", raising=False)
    monkeypatch.setenv("GAMEDAY_CACHE", str(tmp_path))
    monkeypatch.setattr(ensure, "connect", EmptyEngine)
    monkeypatch.setattr(ensure.os, "geteuid", lambda: 1000)
    with pytest.raises(UsageError, match="run sudo gameday images bootstrap once"):
        ensure.ensure_services_image()


def test_image_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GAMEDAY_IMAGE", raising=False)
    assert services_image_ref() == f"gameday/services:{gameday_version()}"
    assert services_image_ref("registry.example.com:5000/trading/", "rc1") == (
        "registry.example.com:5000/trading/gameday/services:rc1"
    )
    monkeypatch.setenv("GAMEDAY_IMAGE", "registry.example.com/trading/gameday/services:rc1")
    assert services_image_ref() == "registry.example.com/trading/gameday/services:rc1"


@pytest.mark.parametrize("prefix", ["https://registry.example.com", "Registry/Trading", "a b"])
def test_a_registry_prefix_is_checked(prefix: str) -> None:
    with pytest.raises(UsageError, match=r"--registry: .* is not a registry prefix"):
        check_registry(prefix)


@pytest.mark.parametrize(
    "args",
    [["--registry", "https://registry.example.com"], ["--tag", "not a tag"]],
)
def test_bad_build_options_are_usage_errors(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["images", "build", *args]) == ExitCode.USAGE_ERROR
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --")


def test_no_engine_is_a_reason_not_an_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
    ok, why = engine_available()
    assert not ok
    assert why.startswith("no Docker engine answers at tcp://127.0.0.1:1")


def test_the_pins_are_the_runtime_closure_as_installed() -> None:
    names = {pin.name for pin in runtime_pins()}
    assert {"pydantic", "pydantic-core", "asyncssh", "cryptography", "uvloop", "docker"} <= names
    assert {"toxiproxy-python", "future", "typing-extensions"} <= names
    assert not names & {"gameday", "pytest", "mypy", "hypothesis", "ruff"}


def _tree(root: Path) -> ProjectSource:
    for name, text in {
        "harness/a.py": "A = 1\n",
        "harness/__pycache__/a.cpython-311.pyc": "junk",
        "harness/.a.py.swp": "junk",
        "services/b.py": "B = 2\n",
        "pyproject.toml": "[project]\n",
        "compose/Dockerfile": "FROM x\n",
        "compose/knight.yml": "generated: true\n",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return ProjectSource(root, checkout=True)


def test_the_source_hash_covers_sources_and_pins_only(tmp_path: Path) -> None:
    source = _tree(tmp_path)
    pins = runtime_pins()
    assert source.files() == [
        "compose/Dockerfile", "harness/a.py", "pyproject.toml", "services/b.py",
    ]  # fmt: skip
    first = fingerprint(source, pins)
    (tmp_path / "harness/__pycache__/a.cpython-311.pyc").write_text("other junk")
    (tmp_path / "compose/knight.yml").write_text("generated: again\n")
    assert fingerprint(source, pins) == first
    assert fingerprint(source, pins[1:]) != first
    (tmp_path / "services/b.py").write_text("B = 3\n")
    assert fingerprint(source, pins) != first


@pytest.mark.parametrize(
    ("tag", "fits"),
    [
        ("cp311-abi3-manylinux_2_34_x86_64", True),  # cryptography: glibc 2.34 <= 2.36
        ("cp311-cp311-manylinux2014_x86_64", True),
        ("py3-none-any", True),
        ("cp311-cp311-manylinux_2_39_x86_64", False),  # newer glibc than bookworm's
        ("cp312-cp312-manylinux2014_x86_64", False),  # another interpreter
        ("cp311-cp311-musllinux_1_2_x86_64", False),
    ],
)
def test_wheel_tags_that_install_in_the_image(tag: str, fits: bool) -> None:
    assert bool(parse_tag(tag) & image_tags("x86_64")) is fits


def test_an_installed_gameday_makes_a_wheel_again(tmp_path: Path) -> None:
    checkout = project_source().root
    wheel = installed_wheel(ProjectSource(checkout, checkout=False), tmp_path)
    assert wheel.name == f"gameday-{gameday_version()}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        info = f"gameday-{gameday_version()}.dist-info"
        assert {"harness/cli/main.py", "services/exchange/__main__.py", "faults/__init__.py"} <= (
            names
        )
        assert (
            "gameday = harness.cli.main:main" in archive.read(f"{info}/entry_points.txt").decode()
        )
        rows = list(csv.reader(io.StringIO(archive.read(f"{info}/RECORD").decode())))
        for name, digest, size in rows:
            if name == f"{info}/RECORD":
                continue
            data = archive.read(name)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert (digest, int(size)) == (f"sha256={expected.decode()}", len(data))
        assert {row[0] for row in rows} == names
