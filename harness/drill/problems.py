"""One-line problem reports for files people write: ``FILE: FIELD.PATH: what was expected``.

Pydantic's errors are precise but shaped for programs (``('timeline', 2,
'fault')``, ``Extra inputs are not permitted``). This module turns the first
one into a line a person can act on, with the field path written the way the
YAML reads (``timeline[2].fault``) and a "did you mean" where a name was
mistyped.
"""

from __future__ import annotations

import difflib
import enum
import types
import typing
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

Loc = Sequence[str | int]


@dataclass(frozen=True)
class Problem:
    """What is wrong, and where: ``path`` is ``timeline[2].fault`` or empty for the whole file."""

    path: str
    message: str

    def line(self, file: str) -> str:
        return f"{file}: {self.path}: {self.message}" if self.path else f"{file}: {self.message}"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """``"; did you mean 'latency'?"`` for a close match, else ``""``."""
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def join_path(loc: Loc) -> str:
    """``('timeline', 2, 'fault')`` to ``timeline[2].fault``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def _data_path(loc: Loc, data: Any) -> list[str | int]:
    """The part of ``loc`` that names places in the input.

    Pydantic adds the names of union members and validators (``'float'``,
    ``'function-after[...]'``) to a location; walking the input alongside
    drops them. The last element may name a key that is absent (a missing
    field), so it is kept when the walk is still on a mapping.
    """
    kept: list[str | int] = []
    node = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        in_mapping = isinstance(node, dict) and part in node
        in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_mapping or in_list:
            node = node[part]
        elif isinstance(node, dict) and last:
            pass
        else:
            break
        kept.append(part)
    return kept


def _leaves(annotation: Any) -> list[Any]:
    """The types an annotation may hold, through ``Optional``, ``Annotated`` and containers."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _leaves(args[0])
    if origin in (typing.Union, types.UnionType):
        return [t for a in args if a is not type(None) for t in _leaves(a)]
    if origin in (list, tuple, dict, set, frozenset) and args:
        return _leaves(args[-1] if args[-1] is not Ellipsis else args[0])
    return [annotation]


def _model_of(info: FieldInfo) -> type[BaseModel] | None:
    for t in _leaves(info.annotation):
        if isinstance(t, type) and issubclass(t, BaseModel):
            return t
    return None


def _field_at(root: type[BaseModel], path: Sequence[str | int]) -> FieldInfo | None:
    """The model field a path ends on, found by following the annotations."""
    model: type[BaseModel] | None = root
    info: FieldInfo | None = None
    for part in path:
        if isinstance(part, int):
            continue
        if model is None:
            return None
        info = model.model_fields.get(part)
        if info is None:
            return None
        model = _model_of(info)
    return info


def _choices(info: FieldInfo | None) -> list[str]:
    if info is None:
        return []
    found: list[str] = []
    for t in _leaves(info.annotation):
        if typing.get_origin(t) is typing.Literal:
            found += [str(a) for a in typing.get_args(t)]
        elif isinstance(t, type) and issubclass(t, enum.Enum):
            found += [str(m.value) for m in t]
    return found


def _fields_of(root: type[BaseModel], path: Sequence[str | int]) -> list[str]:
    if not path:
        return list(root.model_fields)
    info = _field_at(root, path)
    model = _model_of(info) if info is not None else None
    return list(model.model_fields) if model is not None else []


def _describe_input(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def explain(error: ErrorDetails, root: type[BaseModel], data: Any) -> Problem:
    """One pydantic error as a ``Problem`` with the path as written in the file."""
    path = _data_path(error["loc"], data)
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        info = _field_at(root, path)
        hint = f" ({info.description})" if info is not None and info.description else ""
        return Problem(join_path(path), f"required field is missing{hint}")
    if kind == "extra_forbidden":
        name = str(path[-1]) if path else ""
        known = _fields_of(root, path[:-1])
        hint = did_you_mean(name, known)
        if not hint and known:
            hint = f"; expected one of: {', '.join(known)}"
        return Problem(join_path(path), f"unknown field{hint}")
    if kind in ("literal_error", "enum"):
        got = error["input"]
        hint = did_you_mean(str(got), _choices(_field_at(root, path)))
        expected = ctx.get("expected", "")
        return Problem(join_path(path), f"expected {expected}, got {got!r}{hint}")
    if kind == "value_error":
        return Problem(join_path(path), str(ctx.get("error", error["msg"])))
    message = error["msg"]
    message = message[0].lower() + message[1:] if message else kind
    return Problem(join_path(path), f"{message}, got {_describe_input(error['input'])}")


def _most_telling(errors: list[ErrorDetails]) -> ErrorDetails:
    """The error to report: a misspelled field rather than the missing field it was meant as."""
    first = errors[0]
    if first["type"] == "missing":
        parent = tuple(first["loc"][:-1])
        for other in errors:
            if other["type"] == "extra_forbidden" and tuple(other["loc"][:-1]) == parent:
                return other
    return first


def first_problem(
    exc: ValidationError, root: type[BaseModel], data: Any, prefix: Loc = ()
) -> Problem:
    """The first error of a validation failure, its path under ``prefix``."""
    problem = explain(_most_telling(exc.errors()), root, data)
    head = join_path(prefix)
    if head:
        path = f"{head}.{problem.path}" if problem.path else head
        return Problem(path.replace(".[", "["), problem.message)
    return problem
