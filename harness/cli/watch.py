"""``gameday watch``: the live desk view of a running drill."""

from __future__ import annotations

import time
from typing import Any

import click
from rich.console import Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from harness.cli.console import out
from harness.cli.control_client import request
from harness.errors import RunNotFound
from services.clock import format_hhmmss


def _positions(screen: dict[str, Any]) -> Table:
    """The risk monitor's screen as the profile shows it (lagged under knight-2012)."""
    lag = int(screen.get("lag_us", 0)) / 1e6
    title = f"positions (risk monitor, {screen.get('profile', '?')}"
    title += f", {lag:.0f} s behind)" if lag >= 1 else ")"
    table = Table(title=title, title_justify="left")
    for col in ("account", "symbol", "qty", "P&L"):
        table.add_column(col, justify="left" if col in ("account", "symbol") else "right")
    rows = sorted(screen.get("positions", []), key=lambda r: -abs(float(r.get("pnl_dollars", 0))))
    for row in rows[:8]:
        table.add_row(
            str(row.get("account")),
            str(row.get("symbol")),
            f"{int(row.get('qty', 0)):,}",
            f"${float(row.get('pnl_dollars', 0)):,.0f}",
        )
    if "limits" in screen:
        gross = screen["limits"].get("capital", {}).get("gross_dollars", 0)
        table.caption = f"gross ${float(gross):,.0f}"
    return table


def _render(view: dict[str, Any], plan: dict[str, Any] | None) -> Group:
    parts: list[RenderableType] = []
    thrown = "[red]thrown[/]" if view.get("kill_switch_thrown") else "not thrown"
    parts.append(
        Text.from_markup(
            f"drill time [bold]{format_hhmmss(int(view['now_us']))}[/]   "
            f"P&L ${view.get('pnl_usd', 0):,.0f}   kill switch {thrown}"
        )
    )
    pages = Table(title="pager", title_justify="left")
    for col in ("id", "time", "source", "kind", "acked"):
        pages.add_column(col)
    for p in view.get("pages", [])[-10:]:
        pages.add_row(
            str(p["id"]),
            format_hhmmss(int(p["at_us"])),
            p["source"],
            p["kind"],
            "yes" if p["acked"] else "[red]no[/]",
        )
    parts.append(pages)
    parts.append(_positions(view.get("positions", {})))
    inbox = "opened" if view.get("inbox_opened") else "[yellow]not opened[/]"
    parts.append(Text.from_markup(f"e-mail inbox: {view.get('inbox_count', 0)} messages, {inbox}"))
    if view.get("builds"):
        parts.append(Text(f"builds: {view['builds']} (expected {view.get('expected_build')})"))
    if plan is not None:
        faults = ", ".join(f"{s['fault']}@{s['at']}" for s in plan.get("timeline", []))
        parts.append(Text(f"fault plan: {faults}; in place: {plan.get('in_place', [])}"))
    return Group(*parts)


@click.command()
@click.argument("run_id")
@click.option("--as", "responder", default="responder", show_default=True, help="Your name.")
@click.option("--facilitator", is_flag=True, help="Also show the fault plan.")
def watch(run_id: str, responder: str, facilitator: bool) -> None:
    """Follow drill RUN_ID live, as a responder sees it (Ctrl-C to stop watching)."""
    role = "facilitator" if facilitator else "responder"
    with Live(console=out, refresh_per_second=2) as live:
        while True:
            try:
                _, view = request(run_id, "GET", f"/view?as={responder}", role=role)
                plan = request(run_id, "GET", "/plan", role=role)[1] if facilitator else None
            except RunNotFound:
                out.print("the drill has ended")
                return
            live.update(_render(view, plan))
            time.sleep(1.0)
