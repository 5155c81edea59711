"""The live panel ``gameday run`` draws while a drill runs (when stderr is a terminal)."""

from __future__ import annotations

from collections import deque

from rich.console import Group
from rich.panel import Panel
from rich.text import Text

from harness.runner.run import Tick
from services.clock import format_hhmmss

_BAR = 60


class LiveView:
    """Keeps the latest tick and the last lines of the run's log, and renders them."""

    def __init__(self, title: str, start_us: int) -> None:
        self.title = title
        self.start_us = start_us
        self.tick: Tick | None = None
        self.lines: deque[str] = deque(maxlen=8)

    def log(self, line: str) -> None:
        self.lines.append(line)

    def update(self, tick: Tick) -> None:
        self.tick = tick

    def __rich__(self) -> Panel:
        parts: list[Text] = []
        t = self.tick
        if t is not None:
            switch = "[bold red]THROWN[/]" if t.kill_switch else "not thrown"
            loss_style = "bold red" if t.loss_usd > 1_000_000 else "bold"
            parts.append(
                Text.from_markup(
                    f"drill time [bold]{format_hhmmss(t.now_us)}[/] of "
                    f"{format_hhmmss(t.end_us)}   kill switch {switch}"
                )
            )
            done = (t.now_us - self.start_us) / max(1, t.end_us - self.start_us)
            filled = max(0, min(_BAR, round(done * _BAR)))
            parts.append(Text("━" * filled, style="green") + Text("━" * (_BAR - filled), "dim"))
            parts.append(
                Text.from_markup(
                    f"unintended executions [bold]{t.executions:,}[/]   shares {t.shares:,}   "
                    f"loss [{loss_style}]${t.loss_usd:,.0f}[/]"
                )
            )
        parts.extend(Text(line) for line in self.lines)
        return Panel(Group(*parts), title=self.title, title_align="left")
