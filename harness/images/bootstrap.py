"""``gameday/base:bookworm`` without a registry: debootstrap a Debian root, import it.

``debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates``
fetches bookworm from a Debian mirror (the host's own by default: an
air-gapped desk usually has one), the root is trimmed of documentation,
locales and apt's caches, and ``docker import`` turns it into an image. Needs
root (debootstrap chroots and creates device nodes) and debootstrap itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

from harness.errors import ImageError, UsageError
from harness.images.engine import ENGINE_ERRORS, Client, image_attrs, one_line
from harness.images.refs import BASE_REF, BASE_REPOSITORY, BASE_TAG, KIND_LABEL
from harness.paths import cache_home

Log = Callable[[str], None]

SUITE = "bookworm"
PACKAGES = ("python3", "python3-venv", "ca-certificates")
DEFAULT_MIRROR = "http://deb.debian.org/debian"
SOURCES = (Path("/etc/apt/sources.list.d/debian.sources"), Path("/etc/apt/sources.list"))
# What a container never needs from the root: docs, manuals, translations, apt's caches.
TRIM = ("usr/share/doc", "usr/share/man", "usr/share/info", "var/cache/apt", "var/lib/apt/lists")
# debootstrap prints a line per package; these are the ones worth showing.
_PER_PACKAGE = ("I: Retrieving ", "I: Validating ", "I: Extracting ", "I: Unpacking ",
                "I: Configuring ")  # fmt: skip


def _is_debian_archive(uri: str) -> bool:
    parsed = urlparse(uri)
    return parsed.scheme in ("http", "https", "ftp", "file") and "debian" in parsed.path.split("/")


def host_mirror(sources: tuple[Path, ...] = SOURCES) -> str | None:
    """The first Debian archive the host's apt sources name (deb822 or one-line form)."""
    for path in sources:
        try:
            text = path.read_text()
        except OSError:
            continue
        for raw in text.splitlines():
            line = raw.split("#", 1)[0].strip()
            if line.startswith("URIs:"):
                uris = line.removeprefix("URIs:").split()
            elif line.startswith("deb "):
                uris = [word for word in line.split()[1:] if not word.startswith("[")][:1]
                uris = [uri for uri in uris if "]" not in uri]
            else:
                continue
            for uri in uris:
                if _is_debian_archive(uri):
                    return uri.rstrip("/")
    return None


def base_present(client: Client) -> bool:
    return image_attrs(client, BASE_REF) is not None


def _debootstrap() -> str:
    found = shutil.which("debootstrap") or next(
        (str(p) for p in (Path("/usr/sbin/debootstrap"),) if p.is_file()), None
    )
    if found is None:
        raise UsageError(
            "gameday images bootstrap needs debootstrap: apt-get install debootstrap "
            "(or dnf install debootstrap); or pass --base IMAGE to gameday images build"
        )
    return found


def _run_debootstrap(command: list[str], log_path: Path, log: Log) -> None:
    with (
        log_path.open("w") as record,
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as proc,
    ):
        assert proc.stdout is not None
        last = ""
        for line in proc.stdout:
            record.write(line)
            line = line.rstrip()
            if line.startswith(("E:", "W:")):
                last = line
            if line and not line.startswith(_PER_PACKAGE):
                log(line)
        code = proc.wait()
    if code != 0:
        raise ImageError(
            f"debootstrap failed (exit {code}: {last or 'see the log'}); its log: {log_path}"
        )


def _trim(rootfs: Path) -> None:
    for name in TRIM:
        target = rootfs / name
        if target.is_dir():
            for child in target.iterdir():
                if child.is_dir() and not child.is_symlink():
                    shutil.rmtree(child)
                else:
                    child.unlink()
    locale = rootfs / "usr/share/locale"
    if locale.is_dir():
        for child in locale.iterdir():
            if child.is_dir():
                shutil.rmtree(child)


def _mounts_under(root: Path) -> list[str]:
    prefix = f"{root}/"
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return []
    # Field 5 is the mount point, with spaces and the like octal-escaped.
    points = [line.split()[4].encode().decode("unicode_escape") for line in lines]
    return sorted((p for p in points if p.startswith(prefix)), reverse=True)


def _remove_root(tmp: Path) -> None:
    """Remove the scratch root, never through a mount debootstrap failed to undo (a bind
    mount of the host's /dev/shm would otherwise be emptied with it)."""
    for point in _mounts_under(tmp):
        subprocess.run(["umount", "-l", point], check=False, capture_output=True)
    left = _mounts_under(tmp)
    if left:
        raise ImageError(f"{left[0]} is still mounted; unmount it and remove {tmp} by hand")
    shutil.rmtree(tmp, ignore_errors=True)


def _import(client: Client, rootfs: Path, tarball: Path, mirror: str) -> str:
    # The engine makes /dev, /proc and /sys of every container itself.
    subprocess.run(
        ["tar", "--numeric-owner", "-C", str(rootfs), "--exclude=./dev/*", "--exclude=./proc/*",
         "--exclude=./sys/*", "-cf", str(tarball), "."],
        check=True,
    )  # fmt: skip
    changes = [
        "ENV LANG=C.UTF-8",
        "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        'CMD ["python3"]',
        f"LABEL {KIND_LABEL}=base gameday.suite={SUITE} gameday.mirror={mirror}",
    ]
    try:
        client.api.import_image_from_file(
            str(tarball), repository=BASE_REPOSITORY, tag=BASE_TAG, changes=changes
        )
    except ENGINE_ERRORS as exc:
        raise ImageError(
            f"docker import of the bootstrapped root failed: {one_line(exc)}"
        ) from None
    attrs = image_attrs(client, BASE_REF)
    if attrs is None:
        raise ImageError(f"docker import reported success but {BASE_REF} is not in the engine")
    return str(attrs["Id"])


def bootstrap_base(
    client: Client, *, mirror: str | None = None, force: bool = False, log: Log = lambda _line: None
) -> str:
    """Make ``gameday/base:bookworm`` (unless it exists and not ``force``); its reference."""
    if not force and base_present(client):
        log(f"{BASE_REF} is already in the engine (--force makes it again)")
        return BASE_REF
    if os.geteuid() != 0:
        raise UsageError(
            "gameday images bootstrap runs debootstrap, which needs root: run it with sudo, "
            "or pass --base IMAGE to gameday images build"
        )
    debootstrap = _debootstrap()
    mirror = (mirror or host_mirror() or DEFAULT_MIRROR).rstrip("/")
    logs = cache_home() / "images"
    logs.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="gameday-bootstrap-"))
    try:
        rootfs = tmp / "rootfs"
        log(f"debootstrap {SUITE} from {mirror} (a minute or two)")
        command = [debootstrap, "--variant=minbase", f"--include={','.join(PACKAGES)}",
                   SUITE, str(rootfs), mirror]  # fmt: skip
        _run_debootstrap(command, logs / "bootstrap.log", log)
        _trim(rootfs)
        log(f"importing the root as {BASE_REF}")
        image = _import(client, rootfs, tmp / "rootfs.tar", mirror)
    finally:
        _remove_root(tmp)
    log(f"made {BASE_REF} ({image[:19]}) in {time.monotonic() - started:.0f} s")
    return BASE_REF
