"""``gameday images ...``: the docker backend's images, made without a registry.

``bootstrap`` makes the base (debootstrap of Debian bookworm, then ``docker
import``), ``build`` the services image from offline wheels, ``list`` shows
what the engine holds, ``prune`` removes what replaced builds left.
``docs/docker.md`` explains each step.
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
    from harness.images.engine import connect, engine_errors
    from harness.images.ensure import build_lock

    client = connect()
    with build_lock(), engine_errors("gameday images bootstrap"):
        ref = bootstrap_base(client, mirror=mirror, force=force, log=_log)
    out.print(ref, soft_wrap=True)


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
    from harness.images.engine import connect, engine_errors
    from harness.images.ensure import build_lock
    from harness.images.refs import check_registry, check_tag

    registry = check_registry(registry) if registry else None
    extra = tuple(check_tag(tag) for tag in tags)
    client = connect()
    with build_lock(), engine_errors("gameday images build"):
        built = build_services_image(
            client, base=base, registry=registry, extra_tags=extra, force=force, log=_log
        )
    verb = "built" if built.rebuilt else "up to date:"
    out.print(
        f"{verb} {built.ref} ({built.image_id.removeprefix('sha256:')[:12]}, "
        f"{_megabytes(built.size)}) in {built.seconds:.1f} s",
        soft_wrap=True,
    )
    for extra_ref in built.tags[1:]:
        out.print(f"  also {extra_ref}", soft_wrap=True)


@images.command(name="list")
def list_images() -> None:
    """The gameday images in the engine, and whether the services image is up to date."""
    from harness.images.build import wanted
    from harness.images.engine import connect, engine_errors
    from harness.images.refs import HASH_LABEL, KIND_LABEL

    client = connect()
    source_hash = wanted().source_hash
    table = Table(box=None)
    table.add_column("image", no_wrap=True)
    for name in ("id", "size", "kind", "source hash"):
        table.add_column(name, no_wrap=True)
    with engine_errors("gameday images list"):
        # Summaries in one call: an image removed meanwhile is not looked up again.
        found = client.api.images(filters={"label": KIND_LABEL})
    for image in found:
        labels = image.get("Labels") or {}
        digest = labels.get(HASH_LABEL, "")
        state = "" if not digest else " current" if digest == source_hash else " stale"
        tags = [t for t in image.get("RepoTags") or [] if t != "<none>:<none>"]
        table.add_row(
            "\n".join(tags) or "<none>",
            str(image["Id"]).removeprefix("sha256:")[:12],
            _megabytes(int(image.get("Size", 0))),
            # An untagged "base" is a build's dependency stage, kept as its cache.
            labels.get(KIND_LABEL, "") if tags or digest else "build stage",
            digest[:12] + state,
        )
    out.print(table)


@images.command()
def prune() -> None:
    """Remove gameday's untagged images: replaced builds and the cached dependency stage.

    The next build then installs the dependencies again (about a minute).
    """
    from harness.images.build import prune as prune_images
    from harness.images.engine import connect

    count, reclaimed = prune_images(connect())
    out.print(f"removed {count} image layers, {_megabytes(reclaimed)} reclaimed")
