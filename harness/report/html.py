"""The report as one self-contained HTML page: no scripts, fonts, images or links to fetch.

Scores, impact, expectations, the SEC comparison for Knight drills, the
P&L chart (inline SVG from ``harness.report.svg``) and the timeline.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from pathlib import Path
from typing import Final

from harness.report import fmt
from harness.report.model import Report
from harness.report.svg import Marker, pnl_chart

_CSS: Final = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:960px;color:#222}
h1{font-size:1.4em;margin-bottom:.2em}h2{font-size:1.1em;margin-top:1.6em}
table{border-collapse:collapse;margin:.4em 0}td,th{padding:.2em .7em;text-align:left;
border-bottom:1px solid #ddd}td.n{text-align:right;font-variant-numeric:tabular-nums}
.passed{color:#1e8449}.failed,.bad{color:#c0392b}.interrupted{color:#b9770e}.error{color:#8e44ad}
.ok{color:#1e8449}.muted{color:#777}.grade{font-size:1.6em;font-weight:bold}
svg.chart{width:100%;height:auto;border:1px solid #ddd;background:#fcfcfc}
.chart .grid{stroke:#e5e5e5}.chart .axis{stroke:#999}.chart .marker{stroke-dasharray:4 3}
.chart .pnl{fill:none;stroke:#c0392b;stroke-width:1.5}.chart text{font-size:11px}
.chart .ylabel{text-anchor:end}.chart .xlabel{text-anchor:middle}
"""

MARKER_COLORS: Final = {
    "fault": "#7f8c8d",
    "onset": "#e67e22",
    "detected": "#2980b9",
    "mitigated": "#27ae60",
}


def _table(head: Sequence[str], rows: Iterable[Sequence[str]], numeric: set[int]) -> str:
    out = ["<table><tr>", *(f"<th>{escape(h)}</th>" for h in head), "</tr>"]
    for row in rows:
        out.append("<tr>")
        for i, cell in enumerate(row):
            out.append(f'<td class="n">{cell}</td>' if i in numeric else f"<td>{cell}</td>")
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


def _markers(report: Report) -> list[Marker]:
    marks = [
        Marker(f.injected_at, f"fault {f.name}", MARKER_COLORS["fault"]) for f in report.faults
    ]
    for key in ("onset", "detected", "mitigated"):
        at = report.milestones.get(key)
        if at is not None:
            marks.append(Marker(at, key, MARKER_COLORS[key]))
    return marks


def _scores(report: Report) -> str:
    s = report.scores
    detect = fmt.seconds(s.time_to_detect_s) + (f" ({s.detected_by})" if s.detected_by else "")
    rows = [
        ("onset", "no runaway" if s.onset_s is None else fmt.clock(s.onset_s)),
        ("time to detect", detect),
        ("time to acknowledge", fmt.seconds(s.time_to_acknowledge_s)),
        ("time to mitigate", fmt.seconds(s.time_to_mitigate_s)),
        ("loss", fmt.usd(s.loss_usd)),
        ("runbook adherence", fmt.adherence(s.runbook_adherence)),
    ]
    grade = f'<p class="grade">{s.grade} <span class="muted">({s.points:g}/100)</span></p>'
    return grade + _table(("measure", "value"), [(k, escape(v)) for k, v in rows], {1})


def _impact(report: Report) -> str:
    i = report.impact
    row = (
        fmt.count(i.executions),
        fmt.count(i.shares),
        fmt.count(i.symbols),
        f"{fmt.usd(i.net_long_usd)} in {i.net_long_symbols}",
        f"{fmt.usd(i.net_short_usd)} in {i.net_short_symbols}",
    )
    head = ("executions", "shares", "stocks", "net long", "net short")
    return _table(head, [tuple(escape(c) for c in row)], {0, 1, 2, 3, 4})


def _expectations(report: Report) -> str:
    if not report.expectations:
        return '<p class="muted">no expectations</p>'
    rows = [
        (
            '<span class="ok">&#10003;</span>' if r.ok else '<span class="bad">&#10007;</span>',
            escape(r.name),
            escape(r.detail),
        )
        for r in report.expectations
    ]
    return _table(("", "expectation", "result"), rows, set())


def _sec(report: Report) -> str:
    if report.sec is None:
        return ""
    rows = [
        (
            escape(r.figure),
            escape(fmt.figure(r.simulated, r.unit)),
            escape(fmt.figure(r.sec_scaled, r.unit)),
            escape(fmt.figure(r.sec, r.unit)),
            escape(fmt.ratio(r.ratio)),
        )
        for r in report.sec.rows
    ]
    head = ("figure", "simulated", "SEC at scale", "SEC", "ratio")
    return (
        f"<h2>Simulated vs SEC (scale {report.sec.scale:g})</h2>"
        + _table(head, rows, {1, 2, 3, 4})
        + f'<p class="muted">{escape(report.sec.source)}</p>'
    )


def _timeline(report: Report) -> str:
    rows = [(fmt.clock(e.at), escape(e.type), escape(e.text)) for e in report.timeline]
    return _table(("drill time", "event", "what happened"), rows, set())


def render_html(report: Report) -> str:
    """The whole page as text."""
    title = f"gameday: {report.drill} ({report.run_id})"
    journal = ""
    if report.journal is not None:
        j = report.journal
        journal = (
            f'<p class="muted">journal intact: {j.records} records, head {escape(j.head)}</p>'
            if j.intact
            else f'<p class="bad">journal NOT intact: {escape(j.problem or "")}</p>'
        )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{escape(report.drill)}</h1>",
        f'<p class="muted">run {escape(report.run_id)} &middot; {escape(report.backend)} &middot; '
        f"seed {report.seed} &middot; speed x{report.speed:g} &middot; scale {report.scale:g} "
        f"&middot; controls {escape(report.controls)} &middot; "
        f"responder {escape(report.responder)}</p>",
        f'<p class="{report.outcome}"><strong>{report.outcome.upper()}</strong> '
        f"{escape(report.outcome_detail)}</p>",
        f'<p class="interrupted">aborted: {escape(report.abort_reason)}</p>'
        if report.abort_reason
        else "",
        "<h2>Scores</h2>",
        _scores(report),
        "<h2>Impact (unintended trading)</h2>",
        _impact(report),
        "<h2>Expectations</h2>",
        _expectations(report),
        _sec(report),
        "<h2>Loss over drill time</h2>",
        pnl_chart(report.pnl_series, _markers(report)),
        "<h2>Timeline</h2>",
        _timeline(report),
        journal,
        f'<p class="muted">digest {escape(report.digest)}</p>',
        "</body></html>",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def write_html(report: Report, path: str | Path) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_html(report), encoding="utf-8")
    return target
