"""Reading the YAML that people write, without YAML 1.1's surprises.

PyYAML's safe loader follows YAML 1.1, where ``9:30`` is the number 570
(base 60), ``on`` and ``no`` are booleans, and a repeated key silently
replaces the first. A drill is full of times of day, so this loader resolves
scalars the YAML 1.2 way (only ``true``/``false`` are booleans, no base 60)
and refuses repeated keys. Syntax errors name the file and the line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from harness.drill.problems import did_you_mean
from harness.errors import ConfigError

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT = re.compile(r"^[-+]?(?:0|[1-9][0-9_]*|0x[0-9a-fA-F_]+|0o[0-7_]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:[0-9][0-9_]*)?\.[0-9_]+(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


class _DuplicateKey(yaml.MarkedYAMLError):
    pass


class StrictLoader(yaml.SafeLoader):
    """Safe loading with YAML 1.2 scalars and no repeated keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool | None):
                continue
            if key in seen:
                raise _DuplicateKey(
                    problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _yaml12_resolvers() -> None:
    table: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    replaced = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items():
        table[first] = [(tag, rx) for tag, rx in resolvers if tag not in replaced]
    StrictLoader.yaml_implicit_resolvers = table
    StrictLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
    StrictLoader.add_implicit_resolver("tag:yaml.org,2002:int", _INT, list("-+0123456789"))
    StrictLoader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))


_yaml12_resolvers()


def parse_yaml(text: str, file: str, first_line: int = 1) -> Any:
    """The document in ``text``; ``first_line`` is where ``text`` starts in ``file``."""
    try:
        # StrictLoader derives from SafeLoader: no arbitrary objects are built.
        return yaml.load(text, Loader=StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{file}:{mark.line + first_line}" if mark is not None else file
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(f"{where}: invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{file}: invalid YAML: {exc}") from None


def read_text(path: Path, file: str) -> str:
    """The file's text; a missing or unreadable file is a ``ConfigError`` naming it."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{file}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"{file}: is a directory, expected a file") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{file}: not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read: {exc.strerror or exc}") from None


def looks_like_path(text: str) -> bool:
    return "/" in text or "\\" in text or text.endswith((".yaml", ".yml", ".md"))


def find_named(name: str, directories: list[Path], suffixes: tuple[str, ...], what: str) -> Path:
    """``name`` as a file ``NAME.SUFFIX`` in the first directory that has it.

    ``what`` is the kind of file for the message (``drill``, ``runbook``), which
    suggests the closest name among the files there.
    """
    known: list[str] = []
    for directory in directories:
        for suffix in suffixes:
            candidate = directory / f"{name}{suffix}"
            if candidate.is_file():
                return candidate
        if directory.is_dir():
            known += [p.stem for p in directory.iterdir() if p.suffix in suffixes]
    known = sorted(set(known) - {"README"})
    hint = did_you_mean(name, known)
    if not hint and known:
        hint = f"; known: {', '.join(known)}"
    raise ConfigError(f"no {what} named {name!r}{hint}")
