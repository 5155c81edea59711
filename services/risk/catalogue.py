"""The table of every control setting in both profiles, rendered from the models.

``docs/risk-controls.md`` embeds this table between two markers and a test
checks that it matches, so the documented values cannot drift from the code.
"""

from __future__ import annotations

import json
from typing import Any

from services.risk.profiles import knight_2012, modern
from services.risk.settings import CONTROL_NAMES, POST_TRADE, PRE_TRADE

BEGIN = "<!-- settings-table:begin -->"
END = "<!-- settings-table:end -->"


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:g}"
    return json.dumps(value)


def layer(name: str) -> str:
    where = []
    if name in PRE_TRADE:
        where.append("gate")
    if name in POST_TRADE:
        where.append("monitor")
    return " + ".join(where) or ("gate + monitor" if name == "alerts" else "monitor")


def settings_table() -> str:
    """Markdown: control, layer, setting, knight-2012 value, modern value."""
    knight, current = knight_2012().model_dump(), modern().model_dump()
    lines = [
        "| control | layer | setting | knight-2012 | modern |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name in CONTROL_NAMES:
        for i, field in enumerate(knight[name]):
            label = (f"`{name}`", layer(name)) if i == 0 else ("", "")
            lines.append(
                f"| {label[0]} | {label[1]} | `{field}` "
                f"| {_show(knight[name][field])} | {_show(current[name][field])} |"
            )
    return "\n".join(lines)


def embedded(doc: str) -> str:
    """The table a document holds between the markers."""
    start = doc.index(BEGIN) + len(BEGIN)
    return doc[start : doc.index(END)].strip()


if __name__ == "__main__":
    print(settings_table())
