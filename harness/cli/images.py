"""``gameday images ...``: the docker backend's images, made without a registry.

``bootstrap`` makes the base (debootstrap of Debian bookworm, then ``docker
import``), ``build`` the services image from offline wheels, ``list`` shows
what the engine holds. ``docs/docker.md`` explains each step.
"""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from harness.cli.console import err, out


def _log(line: str) -> None:
    err.print(f"[dim]{escape(line)}[/]", soft_wrap=True)


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.0f} MB"


@click.group(name="images")
def images() -> None:
    """The docker backend's images: bootstrap a base offline, build the services image."""


@images.command()
@click.option(
    "--mirror",
    metavar="URL",
    help="Debian mirror (default: the host's apt sources, else deb.debian.org).",
)
@click.option("--force", is_flag=True, help="Make the base again even if the engine has it.")
def bootstrap(mirror: str | None, force: bool) -> None:
    """Make gameday/base:bookworm with debootstrap and docker import: no registry needed.

    Runs as root (debootstrap chroots); reaches only the Debian mirror. Skipped when
    the image exists, unless --force.
    """
    from harness.images.bootstrap import bootstrap_base
    from harness.images.engine import connect
    from harness.images.ensure import build_lock

    client = connect()
    with build_lock():
        ref = bootstrap_base(client, mirror=mirror, force=force, log=_log)
    out.print(ref)


@images.command()
@click.option(
    "--base",
    metavar="IMAGE",
    help="Base image (default: gameday/base:bookworm, else python:3.11-slim, "
    "whichever the engine has).",
)
@click.option(
    "--tag",
    "tags",
    multiple=True,
    metavar="TAG",
    help="Another tag besides <version> and latest (repeatable).",
)
@click.option(
    "--registry",
    metavar="PREFIX",
    help="Name the image for a registry, e.g. registry.example.com/trading.",
)
@click.option("--force", is_flag=True, help="Build even if the image is up to date.")
def build(base: str | None, tags: tuple[str, ...], registry: str | None, force: bool) -> None:
    """Build gameday/services:<version> (and :latest) from local wheels, offline.

    Skipped when the image's gameday.source-hash label matches the sources and the
    dependency set and it was built on the same base.
    """
    from harness.images.build import build_services_image
    from harness.images.engine import connect
    from harness.images.ensure import build_lock
    from harness.images.refs import check_registry, check_tag

    registry = check_registry(registry) if registry else None
    extra = tuple(check_tag(tag) for tag in tags)
    client = connect()
    with build_lock():
        built = build_services_image(
            client, base=base, registry=registry, extra_tags=extra, force=force, log=_log
        )
    verb = "built" if built.rebuilt else "up to date:"
    out.print(
        f"{verb} {built.ref} ({built.image_id.removeprefix('sha256:')[:12]}, "
        f"{_megabytes(built.size)}) in {built.seconds:.1f} s"
    )
    for extra_ref in built.tags[1:]:
        out.print(f"  also {extra_ref}")


@images.command(name="list")
def list_images() -> None:
    """The gameday images in the engine, and whether the services image is up to date."""
    from harness.images.build import wanted
    from harness.images.engine import connect, image_labels
    from harness.images.refs import HASH_LABEL, KIND_LABEL

    client = connect()
    source_hash = wanted().source_hash
    table = Table("image", "id", "size", "created", "kind", "source hash")
    for image in client.images.list(filters={"label": KIND_LABEL}):
        labels = image_labels(image.attrs)
        digest = labels.get(HASH_LABEL, "")
        state = "" if not digest else " (current)" if digest == source_hash else " (stale)"
        table.add_row(
            ", ".join(image.tags) or "<none>",
            image.short_id.removeprefix("sha256:"),
            _megabytes(int(image.attrs.get("Size", 0))),
            str(image.attrs.get("Created", ""))[:19].replace("T", " "),
            labels.get(KIND_LABEL, ""),
            digest[:12] + state,
        )
    out.print(table)
