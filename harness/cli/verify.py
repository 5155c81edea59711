"""``gameday verify DIR``: exit 0 if the journal is intact, else 1 naming its first bad record."""

from __future__ import annotations

from pathlib import Path

import click

from harness.cli.console import out
from harness.errors import UsageError
from harness.journal import JournalDamaged, journal_path
from harness.journal import verify as verify_journal


@click.command()
@click.argument("directory", type=click.Path(path_type=Path))
def verify(directory: Path) -> None:
    """Check the hash chain of the journal in DIR (a report directory or a journal file)."""
    path = journal_path(directory)
    if not path.is_file():
        raise UsageError(f"no journal at {path}")
    result = verify_journal(path)
    if result.ok:
        line = f"intact: {path}: {result.records} records, head {result.head}"
        out.print(line, soft_wrap=True, markup=False)
        return
    raise JournalDamaged(f"{path}: {result.problem}")
