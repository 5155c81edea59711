"""``gameday report DIR``: recompute a run's report from its journal, show it, write its files.

Works on a crashed run's partial journal (a torn last line is skipped). The
exit code is the run's: 0 passed, 1 failed, 2 interrupted, 3 error; and 1 if
the journal is not intact (beyond a torn last line), whatever the run did.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import click

from harness.cli.console import out
from harness.errors import ExitCode, GamedayError, UsageError
from harness.journal import JournalDamaged, journal_path, read_journal, verify
from harness.report import build_report, print_summary, write_html, write_junit, write_report
from harness.report.model import Outcome

OUTCOME_EXIT: Final[dict[Outcome, ExitCode]] = {
    "passed": ExitCode.OK,
    "failed": ExitCode.EXPECTATIONS_FAILED,
    "interrupted": ExitCode.INTERRUPTED,
    "error": ExitCode.INTERNAL_ERROR,
}


class RunOutcome(GamedayError):
    """A run that did not pass: its one-line verdict, and the exit code of its outcome."""

    def __init__(self, outcome: Outcome, detail: str) -> None:
        super().__init__(f"run {outcome}: {detail}" if detail else f"run {outcome}")
        self.exit_code = OUTCOME_EXIT[outcome]


@click.command()
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--junit",
    "junit",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also write JUnit XML (one test case per expectation) to this file.",
)
@click.option("--html", "html", is_flag=True, help="Also write DIR/report.html.")
@click.option("--json", "as_json", is_flag=True, help="Print report.json instead of the summary.")
def report(directory: Path, junit: Path | None, html: bool, as_json: bool) -> None:
    """Score the run in DIR from its journal and write DIR/report.json."""
    path = journal_path(directory)
    if not path.is_file():
        raise UsageError(f"no journal at {path}")
    contents = read_journal(path)
    check = verify(path)
    result = build_report(contents.events, journal=check)
    written = [write_report(result, directory)]
    if junit is not None:
        written.append(write_junit(result, junit))
    if html:
        written.append(write_html(result, directory / "report.html"))
    if as_json:
        out.print_json(result.model_dump_json())
    else:
        print_summary(result, out)
        for file in written:
            out.print(f"wrote {file}", style="dim", soft_wrap=True, markup=False)
    if not check.ok and not check.torn_only:
        raise JournalDamaged(f"journal not intact: {check.problem}")
    if result.outcome != "passed":
        raise RunOutcome(result.outcome, result.outcome_detail)
