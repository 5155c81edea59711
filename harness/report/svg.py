"""The P&L-over-time chart as inline SVG, drawn by hand so the HTML report needs nothing else.

Loss on unintended positions (positive: money lost) against drill time,
with dashed vertical markers for faults and for the onset, detection and
mitigation of the runaway.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Final

from harness.report import fmt

WIDTH: Final = 900
HEIGHT: Final = 320
LEFT, RIGHT, TOP, BOTTOM = 90, 20, 20, 40
MAX_POINTS: Final = 4000
_MINUTE_STEPS: Final = (1, 2, 5, 10, 15, 30, 60, 120)


@dataclass(frozen=True, slots=True)
class Marker:
    """A vertical line on the chart at a drill time (seconds since midnight)."""

    at: float
    label: str
    color: str


def nice_step(span: float, ticks: int = 5) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about ``ticks`` ticks over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _thin(series: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    if len(series) <= MAX_POINTS:
        return list(series)
    stride = math.ceil(len(series) / MAX_POINTS)
    kept = list(series[::stride])
    if kept[-1] != series[-1]:
        kept.append(series[-1])
    return kept


def pnl_chart(series: Sequence[tuple[float, float]], markers: Sequence[Marker] = ()) -> str:
    """An ``<svg>`` element (no namespace needed inline in HTML5) for the P&L series."""
    if not series:
        return (
            f'<svg class="chart" viewBox="0 0 {WIDTH} 60" role="img">'
            '<text x="10" y="35">no market snapshots in this run</text></svg>'
        )
    points = _thin(series)
    times = [t for t, _ in points] + [m.at for m in markers]
    t0, t1 = min(times), max(times)
    if t1 <= t0:
        t1 = t0 + 60.0
    losses = [v for _, v in points]
    v0, v1 = min(0.0, *losses), max(0.0, *losses)
    if v1 <= v0:
        v1 = v0 + 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(t: float) -> float:
        return LEFT + (t - t0) / (t1 - t0) * plot_w

    def y(v: float) -> float:
        return TOP + (v1 - v) / (v1 - v0) * plot_h

    out = [f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img">']
    out.append(f"<title>Loss on unintended positions, {fmt.clock(t0)} to {fmt.clock(t1)}</title>")
    ystep = nice_step(v1 - v0)
    tick = math.ceil(v0 / ystep) * ystep
    while tick <= v1 + 1e-9:
        out.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" '
            f'y2="{y(tick):.1f}"/><text class="ylabel" x="{LEFT - 6}" y="{y(tick) + 4:.1f}">'
            f"{escape(fmt.usd_short(tick))}</text>"
        )
        tick += ystep
    minutes = next((m for m in _MINUTE_STEPS if (t1 - t0) / (m * 60) <= 10), 240)
    tick = math.ceil(t0 / (minutes * 60)) * minutes * 60
    while tick <= t1:
        out.append(
            f'<line class="grid" x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{TOP}" '
            f'y2="{HEIGHT - BOTTOM}"/><text class="xlabel" x="{x(tick):.1f}" '
            f'y="{HEIGHT - BOTTOM + 18}">{fmt.clock(tick)[:5]}</text>'
        )
        tick += minutes * 60
    out.append(
        f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(0):.1f}" y2="{y(0):.1f}"/>'
    )
    for i, marker in enumerate(markers):
        mx = x(marker.at)
        # Labels of markers in the right quarter go to their left, inside the chart.
        right = mx > LEFT + 0.75 * plot_w
        lx, anchor = (mx - 3, "end") if right else (mx + 3, "start")
        out.append(
            f'<line class="marker" x1="{mx:.1f}" x2="{mx:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" '
            f'stroke="{escape(marker.color)}"/><text class="mlabel" x="{lx:.1f}" '
            f'y="{TOP + 12 + 12 * (i % 4)}" fill="{escape(marker.color)}" '
            f'text-anchor="{anchor}">{escape(marker.label)}</text>'
        )
    path = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in points)
    out.append(f'<polyline class="pnl" points="{path}"/>')
    out.append("</svg>")
    return "".join(out)
