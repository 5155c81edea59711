"""``gameday watch``: the live desk view of a running drill."""

from __future__ import annotations

import select
import sys
import termios
import time
import tty
from pathlib import Path
from typing import Any

import click
from rich.console import Group, RenderableType
from rich.live import Live
from rich.table import Table
from rich.text import Text

from harness.cli.console import out
from harness.cli.control_client import control_of, request
from harness.cli.facilitate import print_debrief
from harness.errors import RunNotFound
from harness.report.debrief import debrief_run
from harness.runner.control_api import FACILITATOR
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


def _plan(plan: dict[str, Any]) -> list[RenderableType]:
    """The facilitator's extra: the fault plan, the clock, the hints, the people."""
    parts: list[RenderableType] = []
    faults = ", ".join(f"{s['fault']}@{s['at']}" for s in plan.get("timeline", []))
    parts.append(Text(f"fault plan: {faults}; in place: {plan.get('in_place', [])}"))
    clock = plan.get("clock") or {}
    if clock:
        state = "[yellow]PAUSED[/]" if clock.get("paused") else "running"
        people = ", ".join(plan.get("responders", [])) or "-"
        parts.append(Text.from_markup(f"drill clock {state}; responders: {people}"))
        for h in clock.get("hints", [])[-5:]:
            to = h.get("to") or "everyone"
            parts.append(Text(f"hint {format_hhmmss(int(h['at_us']))} to {to}: {h['text']}"))
    return parts


def _render(view: dict[str, Any], plan: dict[str, Any] | None) -> Group:
    parts: list[RenderableType] = []
    thrown = "[red]thrown[/]" if view.get("kill_switch_thrown") else "not thrown"
    paused = "   [yellow]PAUSED by the facilitator[/]" if view.get("clock_paused") else ""
    parts.append(
        Text.from_markup(
            f"drill time [bold]{format_hhmmss(int(view['now_us']))}[/]   "
            f"P&L ${view.get('pnl_usd', 0):,.0f}   kill switch {thrown}{paused}"
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
    for h in view.get("hints", [])[-3:]:
        parts.append(Text(f"hint from the facilitator: {h['text']}", style="cyan"))
    if plan is not None:
        parts.extend(_plan(plan))
    return Group(*parts)


class _Keys:
    """Single keys from a terminal without Enter (the facilitator's p and h); off elsewhere."""

    def __init__(self) -> None:
        self.on = sys.stdin.isatty()
        self._saved: Any = None

    def __enter__(self) -> _Keys:
        if self.on:
            self._saved = termios.tcgetattr(sys.stdin)
            tty.setcbreak(sys.stdin)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._saved is not None:
            termios.tcsetattr(sys.stdin, termios.TCSADRAIN, self._saved)

    def read(self, timeout: float) -> str:
        if not self.on:
            time.sleep(timeout)
            return ""
        ready, _, _ = select.select([sys.stdin], [], [], timeout)
        return sys.stdin.read(1) if ready else ""

    def line(self, prompt: str) -> str:
        """A line typed in normal (echoing) mode."""
        if self._saved is not None:
            termios.tcsetattr(sys.stdin, termios.TCSADRAIN, self._saved)
        try:
            return input(prompt)
        finally:
            if self._saved is not None:
                tty.setcbreak(sys.stdin)


def _facilitate(run_id: str, key: str, keys: _Keys, live: Live, token: str | None) -> None:
    if key == "p":
        _, plan = request(run_id, "GET", "/plan", role=FACILITATOR, token=token)
        action = "resume" if (plan.get("clock") or {}).get("paused") else "pause"
        request(run_id, "POST", "/clock", {"action": action}, role=FACILITATOR, token=token)
    elif key == "h":
        live.stop()
        try:
            text = keys.line("hint (empty to cancel): ").strip()
            to = keys.line("to (a responder, empty for everyone): ").strip() if text else ""
        finally:
            live.start()
        if text:
            status, answer = request(
                run_id, "POST", "/hint", {"text": text, "to": to}, role=FACILITATOR, token=token
            )
            if status != 200:
                out.print(f"hint not given: {answer.get('error', answer)}")


def _debrief_when_done(report_dir: str) -> None:
    """After the drill: the debrief, once the runner has journalled its end."""
    if not report_dir:
        return
    journal = Path(report_dir) / "journal.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if journal.is_file() and '"run_ended"' in journal.read_text():
            print_debrief(debrief_run(report_dir))
            return
        time.sleep(0.5)
    out.print(f"no debrief: the journal {journal} has no end yet (`gameday debrief` later)")


@click.command()
@click.argument("run_id")
@click.option("--as", "responder", help="Your name (needed when the drill has several people).")
@click.option(
    "--facilitator",
    is_flag=True,
    help="The facilitator's view: the plan and the clock; keys p (pause/resume) and h (hint); "
    "the debrief at the end.",
)
@click.option("--token", help="Your token, if you were handed one.")
def watch(run_id: str, responder: str | None, facilitator: bool, token: str | None) -> None:
    """Follow drill RUN_ID live, as a responder sees it (Ctrl-C to stop watching)."""
    role = FACILITATOR if facilitator else "responder"
    report_dir = str(control_of(run_id).get("report_dir", ""))
    view_path = f"/view?as={responder}" if facilitator and responder else "/view"
    with _Keys() as keys, Live(console=out, refresh_per_second=2) as live:
        if facilitator and keys.on:
            out.print("keys: p pause/resume the drill clock, h give a hint, Ctrl-C stop watching")
        while True:
            try:
                _, view = request(run_id, "GET", view_path, role=role, name=responder, token=token)
                plan = None
                if facilitator:
                    plan = request(run_id, "GET", "/plan", role=role, token=token)[1]
                live.update(_render(view, plan))
                key = keys.read(1.0) if facilitator else ""
                if key:
                    _facilitate(run_id, key, keys, live, token)
                elif not facilitator:
                    time.sleep(1.0)
            except RunNotFound:
                out.print("the drill has ended")
                break
    if facilitator:
        _debrief_when_done(report_dir)
