"""``gameday validate FILE...``: check drills and runbooks, one line per bad file.

A drill is a ``.yaml``/``.yml`` file, a runbook a ``.md`` file; a directory
stands for the drills and runbooks in it, and a bare name for a bundled
drill. Exit 0 when every file is valid, else 4 with one line per bad file on
stderr: ``error: FILE: FIELD: what was expected``.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from harness.cli.console import err, out
from harness.drill.files import looks_like_path
from harness.drill.loader import SUFFIXES, find_drill, load_drill
from harness.drill.problems import display_path
from harness.errors import ConfigError
from harness.runbook.loader import parse_runbook


def _expand(arguments: tuple[str, ...]) -> list[Path]:
    """Files to check, in the order given; a directory expands to its drills and runbooks."""
    found: list[Path] = []
    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            found += sorted(
                p
                for p in path.iterdir()
                if p.is_file() and (p.suffix in SUFFIXES or p.suffix == ".md")
                if p.name != "README.md"
            )
        elif path.exists() or looks_like_path(argument):
            found.append(path)
        else:
            try:
                found.append(find_drill(argument))
            except ConfigError:
                found.append(path)
    return found


def check_file(path: Path) -> str:
    """What the valid file is (``drill knight-2012``); a ``ConfigError`` when it is not."""
    file = display_path(path)
    if path.suffix == ".md":
        return f"runbook {parse_runbook(path).name}"
    if path.suffix in SUFFIXES:
        return f"drill {load_drill(path).name}"
    if not path.exists():
        if not looks_like_path(str(path)) and not path.suffix:
            find_drill(str(path))  # raises "no drill named ...; did you mean ...?"
        raise ConfigError(f"{file}: no such file")
    raise ConfigError(f"{file}: expected a drill (.yaml, .yml) or a runbook (.md)")


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
def validate(files: tuple[str, ...]) -> None:
    """Check drill and runbook files; exit 4 with one line per bad file."""
    targets = _expand(files)
    if not targets:
        raise ConfigError(f"no drills or runbooks in {' '.join(files)}")
    problems: list[str] = []
    for path in targets:
        try:
            what = check_file(path)
        except ConfigError as exc:
            problems.append(str(exc))
        else:
            out.print(f"ok {display_path(path)} ({what})", markup=False, soft_wrap=True)
    if not problems:
        return
    # The last line goes out through the CLI's one error handler (which also
    # sets exit code 4); the others are printed the same way before it.
    for line in problems[:-1]:
        err.print(f"[bold red]error:[/] {escape(line)}", soft_wrap=True)
    raise ConfigError(problems[-1])
