"""Loading runbooks: Markdown with YAML front matter between ``---`` lines.

```
---
title: Runaway orders
summary: One line on when to open this runbook.
steps:
  - {id: halt, title: Throw the kill switch, action: kill_switch, deadline: 2m after detection}
forbidden: []
---
# Runaway orders
Prose for the person on the desk.
```
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from harness.drill.files import find_named, looks_like_path, parse_yaml, read_text
from harness.drill.problems import display_path, first_problem
from harness.errors import ConfigError
from harness.paths import bundled
from harness.runbook.models import Runbook

_FENCE = "---"


def bundled_runbooks() -> list[Path]:
    """Every runbook shipped with gameday (``runbooks/*.md`` but the README)."""
    root = bundled("runbooks")
    return sorted(p for p in root.glob("*.md") if p.name != "README.md")


def find_runbook(name_or_path: str | Path, near: Path | None = None) -> Path:
    """A runbook's file from a path, or a name looked up beside ``near`` and then in the bundle.

    ``near`` is a drill's file: a name is looked for in ``../runbooks/`` from
    it (a team's own drills and runbooks side by side), then in the bundle.
    A relative path is taken from ``near``'s directory.
    """
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or looks_like_path(text):
        path = Path(text)
        if not path.is_absolute() and near is not None:
            path = near.parent / path
        return path
    directories = [near.parent.parent / "runbooks"] if near is not None else []
    return find_named(text, [*directories, bundled("runbooks")], (".md",), "runbook")


def split_front_matter(text: str, file: str) -> tuple[str, str]:
    """The front matter's YAML and the Markdown body."""
    lines = text.lstrip("\ufeff").splitlines(keepends=True)
    if not lines or lines[0].strip() != _FENCE:
        raise ConfigError(
            f"{file}:1: expected YAML front matter between '---' lines at the top "
            "(see docs/runbooks.md)"
        )
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() in (_FENCE, "..."):
            return "".join(lines[1:i]), "".join(lines[i + 1 :])
    raise ConfigError(f"{file}: front matter has no closing '---' line")


def parse_runbook(path: Path) -> Runbook:
    """A runbook from its file; every problem is a one-line ``ConfigError``."""
    file = display_path(path)
    front, body = split_front_matter(read_text(path, file), file)
    data = parse_yaml(front, file, first_line=2)
    if data is None:
        raise ConfigError(f"{file}: empty front matter; expected title, summary and steps")
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: front matter should be a mapping of fields, not a value")
    name = path.stem
    if "name" in data and data["name"] != name:
        raise ConfigError(f"{file}: name: expected the file's name {name!r}, got {data['name']!r}")
    if "body" in data:
        raise ConfigError(f"{file}: body: unknown field; the prose goes below the front matter")
    data = {"name": name, **data}
    try:
        return Runbook.model_validate({**data, "body": body})
    except ValidationError as exc:
        raise ConfigError(first_problem(exc, Runbook, data).line(file)) from None


def load_runbook(name_or_path: str | Path, near: Path | None = None) -> Runbook:
    """A validated runbook by name (``runaway-orders``) or path."""
    return parse_runbook(find_runbook(name_or_path, near))
