"""Per-topology SSH keys for router management and the deploy tool.

One directory holds everything a topology needs: an ed25519 host key that
every router of the topology presents, and an ed25519 client key pair the
deploy tool logs in with (its public half in ``authorized_keys``). Sharing one
host key across the routers lets the deploy tool trust exactly that key for
every router (a peer presenting any other key is refused) without collecting
a key per host. There are no passwords anywhere.

Generation is idempotent and safe when several processes race on the same
directory (eight routers starting at once): an exclusive ``flock`` serialises
them and each file is written to a temporary name and renamed into place, so
nobody ever reads half a key.

Run ``python -m services.sshkeys DIR`` to create (or just list) the keys.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import asyncssh

HOST_KEY: Final = "ssh_host_ed25519_key"
CLIENT_KEY: Final = "deploy_ed25519_key"
AUTHORIZED_KEYS: Final = "authorized_keys"
_ALGORITHM: Final = "ssh-ed25519"


class KeyFileError(Exception):
    """A key directory is missing a key or holds one that cannot be read."""


@dataclass(frozen=True)
class TopologyKeys:
    """The key files of one topology, by role."""

    directory: Path

    @property
    def host_key(self) -> Path:
        return self.directory / HOST_KEY

    @property
    def host_public_key(self) -> Path:
        return self.directory / f"{HOST_KEY}.pub"

    @property
    def client_key(self) -> Path:
        return self.directory / CLIENT_KEY

    @property
    def client_public_key(self) -> Path:
        return self.directory / f"{CLIENT_KEY}.pub"

    @property
    def authorized_keys(self) -> Path:
        return self.directory / AUTHORIZED_KEYS

    def files(self) -> dict[str, Path]:
        return {
            "host_key": self.host_key,
            "host_public_key": self.host_public_key,
            "client_key": self.client_key,
            "client_public_key": self.client_public_key,
            "authorized_keys": self.authorized_keys,
        }

    def load_client_key(self) -> asyncssh.SSHKey:
        return _read_private(self.client_key)

    def load_host_key(self) -> asyncssh.SSHKey:
        return _read_private(self.host_key)

    def load_host_public_key(self) -> asyncssh.SSHKey:
        try:
            return asyncssh.read_public_key(self.host_public_key)
        except (OSError, asyncssh.KeyImportError) as exc:
            raise KeyFileError(f"{self.host_public_key}: {exc}") from None

    def known_hosts(self) -> tuple[list[asyncssh.SSHKey], list[asyncssh.SSHKey], list[str]]:
        """asyncssh's ``known_hosts`` argument trusting the topology's host key only."""
        return [self.load_host_public_key()], [], []


def _read_private(path: Path) -> asyncssh.SSHKey:
    try:
        return asyncssh.read_private_key(path)
    except (OSError, asyncssh.KeyImportError) as exc:
        raise KeyFileError(f"{path}: {exc}") from None


def _write_atomically(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _generate_pair(private: Path, public: Path, comment: str) -> asyncssh.SSHKey:
    key = asyncssh.generate_private_key(_ALGORITHM, comment=comment)
    _write_atomically(private, key.export_private_key(), 0o600)
    _write_atomically(public, key.export_public_key(), 0o644)
    return key


def ensure_keys(directory: Path) -> TopologyKeys:
    """Create whatever keys ``directory`` lacks; existing keys are never replaced."""
    directory.mkdir(parents=True, exist_ok=True)
    keys = TopologyKeys(directory)
    with (directory / ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not keys.host_key.exists():
                _generate_pair(keys.host_key, keys.host_public_key, "gameday-router-host")
            if not keys.client_key.exists():
                _generate_pair(keys.client_key, keys.client_public_key, "gameday-deploy")
            if not keys.authorized_keys.exists():
                client = keys.load_client_key()
                _write_atomically(keys.authorized_keys, client.export_public_key(), 0o644)
            # A public half lost on its own is rebuilt from the private key.
            if not keys.host_public_key.exists():
                _write_atomically(
                    keys.host_public_key, keys.load_host_key().export_public_key(), 0o644
                )
            if not keys.client_public_key.exists():
                _write_atomically(
                    keys.client_public_key, keys.load_client_key().export_public_key(), 0o644
                )
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return keys


def load_keys(directory: Path) -> TopologyKeys:
    """The keys of ``directory``; ``KeyFileError`` names the first missing file."""
    keys = TopologyKeys(directory)
    for path in keys.files().values():
        if not path.is_file():
            raise KeyFileError(f"{path}: missing (create the keys with ensure_keys)")
    return keys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0].startswith("-"):
        sys.stderr.write("usage: python -m services.sshkeys DIR\n")
        return 2
    try:
        keys = ensure_keys(Path(args[0]))
    except (OSError, KeyFileError) as exc:
        sys.stderr.write(f"sshkeys: {exc}\n")
        return 1
    sys.stdout.write(json.dumps({k: str(v) for k, v in keys.files().items()}) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
