"""The live desk view renders what a responder may see, and the plan only when asked."""

from __future__ import annotations

from rich.console import Console

from harness.cli.watch import _render

VIEW = {
    "now_us": 34_500_000_000,
    "pnl_usd": -1234.0,
    "kill_switch_thrown": True,
    "pages": [
        {"id": 7, "at_us": 34_400_000_000, "source": "gate", "kind": "control_trip", "acked": False}
    ],
    "inbox_count": 26,
    "inbox_opened": False,
    "positions": {
        "profile": "knight-2012",
        "lag_us": 42_000_000,
        "positions": [
            {"account": "33", "symbol": "WZE", "qty": 12000, "mark": 40000, "pnl_dollars": -5300.5}
        ],
    },
}


def render(plan: dict[str, object] | None) -> str:
    console = Console(width=120, record=True)
    console.print(_render(VIEW, plan))
    return console.export_text()


def test_the_desk_view_shows_pages_positions_inbox_and_the_switch() -> None:
    text = render(None)
    assert "09:35:00" in text and "thrown" in text
    assert "control_trip" in text and "WZE" in text and "42 s behind" in text
    assert "26 messages, not opened" in text
    assert "fault plan" not in text


def test_the_facilitator_also_sees_the_plan() -> None:
    plan = {"timeline": [{"fault": "drop_ssh", "at": "08:00:00"}], "in_place": ["f1"]}
    assert "drop_ssh@08:00:00" in render(plan)
