"""Builds, artifacts, the router's build store and the deploy registry."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from services.router.artifacts import from_tar, read_dir, to_tar, write_dir
from services.router.builds import (
    Artifact,
    BuildBehaviour,
    BuildError,
    FlagMeaning,
    Manifest,
    generate_build,
)
from services.router.registry import BuildRegistry
from services.router.store import BuildStore


def test_generated_builds_are_deterministic_and_distinct() -> None:
    a, b = generate_build("2003.1"), generate_build("2003.1")
    assert a == b and to_tar(a) == to_tar(b)
    new = generate_build("2012.07")
    assert new.manifest.sha256 != a.manifest.sha256
    assert a.manifest.features == ("power_peg",)
    assert new.manifest.features == ("power_peg", "rlp")


@pytest.mark.parametrize(
    ("features", "bit3"),
    [
        (("power_peg",), FlagMeaning.POWER_PEG),
        (("power_peg", "rlp"), FlagMeaning.RLP),
        (("rlp",), FlagMeaning.RLP),
        ((), FlagMeaning.IGNORED),
        (("something_new",), FlagMeaning.IGNORED),
    ],
)
def test_flag_bit_3_meaning_follows_the_features(
    features: tuple[str, ...], bit3: FlagMeaning
) -> None:
    assert BuildBehaviour.from_features(features).bit3 is bit3


def test_tar_round_trip_verifies_the_checksum() -> None:
    build = generate_build("2012.07")
    assert from_tar(to_tar(build)) == build
    tampered = Artifact(build.manifest, build.payload[:-1] + b"X")
    with pytest.raises(BuildError, match="sha256"):
        from_tar(to_tar_unchecked(tampered))


def to_tar_unchecked(artifact: Artifact, extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    files = {"manifest.json": artifact.manifest.dump(), "payload.bin": artifact.payload}
    files.update(extra or {})
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def test_gzipped_archive_under_a_folder_is_accepted() -> None:
    build = generate_build("2003.1")
    data = to_tar_unchecked(build)
    assert from_tar(data) == build
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for name, body in (("2003.1/manifest.json", build.manifest.dump()),
                           ("2003.1/payload.bin", build.payload)):  # fmt: skip
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    assert from_tar(buf.getvalue()) == build


@pytest.mark.parametrize("name", ["../evil", "/etc/passwd", "a/b/c", "payload.sh"])
def test_archive_with_other_members_is_refused(name: str) -> None:
    build = generate_build("2003.1")
    with pytest.raises(BuildError, match=r"only manifest\.json"):
        from_tar(to_tar_unchecked(build, {name: b"x"}))


def test_archive_with_a_link_or_garbage_is_refused() -> None:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("payload.bin")
        info.type = tarfile.SYMTYPE
        info.linkname = "/etc/shadow"
        tar.addfile(info)
    with pytest.raises(BuildError):
        from_tar(buf.getvalue())
    with pytest.raises(BuildError, match="tar"):
        from_tar(b"\x00garbage" * 100)


@pytest.mark.parametrize(
    "manifest",
    [
        {"version": "../x", "sha256": "0" * 64},
        {"version": "1", "sha256": "abc"},
        {"version": "1", "sha256": "0" * 64, "extra": 1},
        [],
    ],
)
def test_bad_manifests_name_the_problem(manifest: object) -> None:
    with pytest.raises(BuildError, match="invalid manifest"):
        Manifest.parse(json.dumps(manifest).encode(), "test")


def test_store_installs_activates_and_remembers(tmp_path: Path) -> None:
    store = BuildStore(tmp_path / "b")
    first = store.startup_build("2003.1")
    assert first.version == "2003.1" and store.active_version() == "2003.1"
    store.install(generate_build("2012.07"))
    assert store.installed() == ["2003.1", "2012.07"]
    store.set_active("2012.07")
    # A restart runs what was activated, not the initial build.
    again = BuildStore(tmp_path / "b").startup_build("2003.1")
    assert again.version == "2012.07"


def test_store_refuses_a_payload_changed_on_disk(tmp_path: Path) -> None:
    store = BuildStore(tmp_path)
    store.install(generate_build("2012.07"))
    (tmp_path / "2012.07" / "payload.bin").write_bytes(b"patched")
    with pytest.raises(BuildError, match="does not match"):
        store.load("2012.07")
    with pytest.raises(BuildError, match="not installed"):
        store.load("2099.1")
    with pytest.raises(BuildError, match="invalid version"):
        store.load("../2003.1")


def test_write_dir_replaces_a_build_atomically(tmp_path: Path) -> None:
    write_dir(generate_build("2003.1"), tmp_path / "x")
    other = generate_build("2003.1", ["rlp"])
    write_dir(other, tmp_path / "x")
    assert read_dir(tmp_path / "x") == other
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x"]


def test_registry_moves_current_and_previous(tmp_path: Path) -> None:
    registry = BuildRegistry.create(tmp_path / "reg")
    assert registry.versions() == ["2003.1", "2012.07"]
    assert registry.state.current == "2003.1" and registry.state.previous is None
    with pytest.raises(BuildError, match="no previous"):
        registry.rollback_target()
    registry.record_deployed("2012.07")
    assert (registry.state.current, registry.state.previous) == ("2012.07", "2003.1")
    registry.record_deployed("2012.07")  # a re-deploy keeps previous
    assert registry.rollback_target() == "2003.1"
    registry.record_deployed("2003.1")
    assert (registry.state.current, registry.state.previous) == ("2003.1", "2012.07")
    assert registry.artifact("2012.07") == generate_build("2012.07")
    with pytest.raises(BuildError, match="no build 1999"):
        registry.artifact("1999")
    assert BuildRegistry.create(tmp_path / "reg").state.current == "2003.1"


def test_opening_a_directory_that_is_not_a_registry_fails(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="not a build registry"):
        BuildRegistry(tmp_path)
