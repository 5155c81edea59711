"""Finding and loading drills: by name from the bundle, or from a path.

Every problem is one ``ConfigError`` line naming the file, the field and what
was expected::

    drills/x.yaml: timeline[2].fault: unknown fault 'latncy'; did you mean 'latency'?
    drills/x.yaml:14: invalid YAML: mapping values are not allowed here

>>> drill = load_drill("knight-2012")            # doctest: +SKIP
>>> drill.graded_against.steps[0].id             # doctest: +SKIP
'halt'
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from faults.registry import registry
from harness.drill.checks import FaultTable, check_faults, check_times
from harness.drill.files import find_named, looks_like_path, parse_yaml, read_text
from harness.drill.models import Drill
from harness.drill.problems import Problem, display_path, first_problem
from harness.errors import ConfigError
from harness.paths import bundled
from harness.runbook.loader import find_runbook, parse_runbook
from harness.runbook.models import Runbook

SUFFIXES = (".yaml", ".yml")


def bundled_drills() -> list[Path]:
    """Every drill shipped with gameday, by name."""
    root = bundled("drills")
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.suffix in SUFFIXES and p.is_file())


def find_drill(name_or_path: str | Path) -> Path:
    """A drill's file: an existing path as given, else a name in the bundled drills."""
    text = str(name_or_path)
    path = Path(text)
    if isinstance(name_or_path, Path) or looks_like_path(text) or path.is_file():
        return path
    return find_named(text, [bundled("drills")], SUFFIXES, "drill")


def parse_drill(path: Path) -> Drill:
    """The drill in ``path``, checked field by field (not against the registry or runbook)."""
    file = display_path(path)
    data = parse_yaml(read_text(path, file), file)
    if data is None:
        raise ConfigError(f"{file}: empty file; expected a drill (see docs/drills.md)")
    if not isinstance(data, dict):
        raise ConfigError(f"{file}: expected a mapping of drill fields at the top level")
    try:
        return Drill.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(first_problem(exc, Drill, data).line(file)) from None


def _runbook(drill: Drill, path: Path) -> Runbook:
    try:
        return parse_runbook(find_runbook(drill.runbook, near=path))
    except ConfigError as exc:
        raise ConfigError(Problem("runbook", str(exc)).line(display_path(path))) from None


def check_drill(drill: Drill, path: Path, faults: FaultTable | None = None) -> Drill:
    """Check what needs more than one field; attach the source and the runbook.

    ``faults`` defaults to the registry of installed faults (entry points).
    """
    try:
        table = registry() if faults is None else faults
    except (ImportError, TypeError, AttributeError) as exc:
        # A broken plugin in the gameday.faults entry points is an installation
        # problem the user must fix, not a crash.
        raise ConfigError(f"cannot load the fault registry: {exc}") from None
    problems = check_times(drill) + check_faults(drill, table)
    if problems:
        raise ConfigError(problems[0].line(display_path(path)))
    drill.attach(path, _runbook(drill, path))
    return drill


def load_drill(name_or_path: str | Path, faults: FaultTable | None = None) -> Drill:
    """A fully validated drill from a name (``knight-2012``) or a path to a YAML file."""
    path = find_drill(name_or_path)
    return check_drill(parse_drill(path), path, faults)
