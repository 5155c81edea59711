"""``gameday faults``: every registered fault and every parameter, from the registry.

The tables are generated from each fault's ``Params`` JSON Schema, so a
third-party fault installed through the ``gameday.faults`` entry point is
listed exactly like a built-in one. ``--json`` prints the catalogue with each
fault's parameters as a JSON Schema.
"""

from __future__ import annotations

import json
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from faults.registry import catalogue
from harness.cli.console import out
from harness.drill.problems import did_you_mean
from harness.errors import UsageError

Schema = dict[str, Any]
_BOUNDS = (
    ("minimum", ">="),
    ("exclusiveMinimum", ">"),
    ("maximum", "<="),
    ("exclusiveMaximum", "<"),
    ("minLength", "length >="),
    ("maxLength", "length <="),
    ("minItems", "items >="),
    ("maxItems", "items <="),
)


def type_of(schema: Schema, defs: Schema) -> str:
    """A JSON Schema as a short type: ``integer (>= 1)``, ``"a" | "b"``, ``list[string]``."""
    if "$ref" in schema:
        target = defs.get(str(schema["$ref"]).rsplit("/", 1)[-1], {})
        return type_of(target, defs) if target else str(schema["$ref"])
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return " | ".join(json.dumps(v) for v in schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " | ".join(type_of(s, defs) for s in schema[key])
    kind = schema.get("type", "any")
    if isinstance(kind, list):
        text = " | ".join(str(k) for k in kind)
    elif kind == "array":
        text = f"list[{type_of(schema.get('items', {}), defs)}]"
    elif kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        text = f"mapping[string, {type_of(schema['additionalProperties'], defs)}]"
    elif kind == "object" and "properties" in schema:
        text = str(schema.get("title", "object"))
    else:
        text = str(kind)
    bounds = [f"{sign} {schema[key]}" for key, sign in _BOUNDS if key in schema]
    if "pattern" in schema:
        bounds.append(f"matching {schema['pattern']}")
    return f"{text} ({', '.join(bounds)})" if bounds else text


def parameters(schema: Schema) -> list[dict[str, str]]:
    """Each parameter of a fault: name, type, default (or ``required``) and description."""
    defs: Schema = schema.get("$defs", {})
    required = set(schema.get("required", []))
    rows = []
    for name, prop in schema.get("properties", {}).items():
        default = "required" if name in required else json.dumps(prop.get("default"))
        rows.append(
            {
                "name": name,
                "type": type_of(prop, defs),
                "default": default,
                "description": str(prop.get("description", "")),
            }
        )
    return rows


def _table(entry: dict[str, Any]) -> Table:
    table = Table(
        title=f"[bold magenta]{entry['name']}[/]  {escape(entry['summary'])}",
        title_justify="left",
        show_edge=False,
    )
    for column in ("parameter", "type", "default", "description"):
        table.add_column(column)
    rows = parameters(entry["params"])
    for row in rows:
        default = "[yellow]required[/]" if row["default"] == "required" else escape(row["default"])
        table.add_row(row["name"], escape(row["type"]), default, escape(row["description"]))
    if not rows:
        table.add_row("[dim](no parameters)[/]", "", "", "")
    return table


@click.command(name="faults")
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue with JSON Schemas.")
def faults_command(name: str | None, as_json: bool) -> None:
    """List every registered fault with its parameters (or one fault: NAME)."""
    entries = catalogue()
    if name is not None:
        names = [e["name"] for e in entries]
        if name not in names:
            hint = did_you_mean(name, names)
            raise UsageError(f"unknown fault {name!r}{hint} (`gameday faults` lists them)")
        entries = [e for e in entries if e["name"] == name]
    if as_json:
        out.print_json(json.dumps(entries))
        return
    if not entries:
        out.print("no faults are registered (entry point group gameday.faults)")
        return
    for i, entry in enumerate(entries):
        if i:
            out.print()
        out.print(_table(entry))
