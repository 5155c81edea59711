"""How report figures are written for people (terminal, HTML, JUnit messages)."""

from __future__ import annotations

from services.clock import format_hhmmss


def seconds(value: float | None) -> str:
    """``1.95 s``, ``12 min 5 s``, ``1 h 2 min``; ``never`` for ``None``."""
    if value is None:
        return "never"
    if value < 60:
        return f"{value:.2f} s"
    whole = round(value)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"


def clock(value: float | None) -> str:
    """Drill seconds since midnight as ``HH:MM:SS``; ``-`` for ``None``."""
    return "-" if value is None else format_hhmmss(int(value * 1_000_000))


def usd(value: float | None) -> str:
    if value is None:
        return "-"
    sign = "-" if value < 0 else ""
    value = abs(value)
    for size, unit in ((1e9, "bn"), (1e6, "m")):
        if value >= size:
            return f"{sign}${value / size:,.2f}{unit}"
    return f"{sign}${value:,.2f}"


def usd_short(value: float) -> str:
    """Axis labels: ``$300k``, ``$3.5m``, ``-$1.2bn``."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    for size, unit in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if value >= size:
            return f"{sign}${value / size:.3g}{unit}"
    return f"{sign}${value:.3g}"


def count(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def figure(value: float | None, unit: str) -> str:
    """A value in its unit: ``usd``, ``s`` or ``count``."""
    if unit == "usd":
        return usd(value)
    if unit == "s":
        return seconds(value)
    return count(value)


def ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}x"


def adherence(value: float | None) -> str:
    return "not graded" if value is None else f"{value:.0%}"
