"""``make demo``: Knight's morning, live, then how to replay it with modern controls.

Runs the knight-2012 drill with Knight's own controls and Knight's own
response (e-mails unread, a rollback of the good routers, the kill switch at
45 minutes) with the live view, writes the report with its HTML page, and
prints the command that replays the same morning with modern controls and a
responder who follows the runbook. The drill's expectations fail, as Knight's
morning did; the demo itself succeeds when the drill ran.
"""

from __future__ import annotations

import sys
from pathlib import Path

from harness.cli.console import err
from harness.cli.main import main as gameday
from harness.errors import ExitCode

REPORT = Path("reports") / "demo-knight-2012"


def main() -> int:
    err.print(
        "[bold]gameday demo[/]: 1 August 2012, 08:00 to 10:20 at 60x, the quiet stretch "
        "08:05 to 09:29 fast-forwarded (about 70 s)"
    )
    code = gameday(
        [
            "run", "knight-2012",
            "--responder", "knight-2012",
            "--controls", "knight-2012",
            "--fast-forward", "08:05-09:29",
            "--report-dir", str(REPORT),
            "--html",
        ]
    )  # fmt: skip
    if code not in (ExitCode.OK, ExitCode.EXPECTATIONS_FAILED):
        return code
    err.print(f"\nthe report, with its P&L chart: {REPORT / 'report.html'}")
    err.print("the same morning with modern controls and a responder who follows the runbook:")
    err.print("  .venv/bin/gameday run knight-2012 --responder by-the-book --controls modern")
    return int(ExitCode.OK)


if __name__ == "__main__":
    sys.exit(main())
