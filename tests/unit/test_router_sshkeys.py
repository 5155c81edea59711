"""Per-topology SSH keys: generated once, never replaced, safe to race on."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path

import pytest

from services.sshkeys import KeyFileError, ensure_keys, load_keys, main


def test_keys_are_generated_once_and_kept(tmp_path: Path) -> None:
    keys = ensure_keys(tmp_path / "k")
    before = {name: path.read_bytes() for name, path in keys.files().items()}
    assert stat.S_IMODE(keys.host_key.stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.client_key.stat().st_mode) == 0o600
    again = ensure_keys(tmp_path / "k")
    assert {name: path.read_bytes() for name, path in again.files().items()} == before
    assert keys.authorized_keys.read_bytes() == keys.client_public_key.read_bytes()
    trusted, cas, revoked = keys.known_hosts()
    assert trusted[0].public_data == keys.load_host_key().public_data
    assert (cas, revoked) == ([], [])
    assert keys.load_client_key().algorithm == b"ssh-ed25519"


def test_a_lost_public_key_is_rebuilt_from_the_private_key(tmp_path: Path) -> None:
    keys = ensure_keys(tmp_path)
    public = keys.host_public_key.read_bytes()
    keys.host_public_key.unlink()
    ensure_keys(tmp_path)
    assert keys.host_public_key.read_bytes().split()[:2] == public.split()[:2]


def _race(directory: str) -> None:
    ensure_keys(Path(directory))


def test_processes_racing_agree_on_one_set_of_keys(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_race, args=(str(tmp_path),)) for _ in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(30)
        assert proc.exitcode == 0
    keys = load_keys(tmp_path)
    assert keys.load_client_key().export_public_key() == keys.authorized_keys.read_bytes()


def test_loading_missing_keys_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="ssh_host_ed25519_key: missing"):
        load_keys(tmp_path)


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path)]) == 0
    assert "authorized_keys" in capsys.readouterr().out
    assert main([]) == 2
