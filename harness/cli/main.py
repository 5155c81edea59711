"""Entry point of ``gameday``: builds the command tree and maps errors to exit codes.

User errors (``GamedayError``) are caught here, once, and printed as one red
line; nothing below this module calls ``sys.exit``.
"""

from __future__ import annotations

import sys

import click
from rich.markup import escape

from harness.cli.act import act
from harness.cli.catalogue import faults_command
from harness.cli.cleanup import cleanup
from harness.cli.console import err
from harness.cli.down import down
from harness.cli.facilitate import debrief, hint, pause, resume, speed
from harness.cli.grade import grade
from harness.cli.history import history
from harness.cli.images import images
from harness.cli.list_drills import list_drills
from harness.cli.report import report
from harness.cli.run import run
from harness.cli.schedule import schedule
from harness.cli.scheduler import scheduler
from harness.cli.show import show
from harness.cli.status import status
from harness.cli.trends import trends_command
from harness.cli.up import up
from harness.cli.validate import validate
from harness.cli.verify import verify
from harness.cli.watch import watch
from harness.errors import ExitCode, GamedayError


@click.group(
    name="gameday",
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(package_name="gameday")
def cli() -> None:
    """Game-day drills for trading systems: break a Knight-style desk, score the response."""


_COMMANDS = (
    run,
    act,
    watch,
    pause,
    resume,
    speed,
    hint,
    debrief,
    list_drills,
    show,
    validate,
    faults_command,
    report,
    verify,
    cleanup,
    up,
    status,
    down,
    history,
    grade,
    trends_command,
    schedule,
    scheduler,
    images,
)
for command in _COMMANDS:
    cli.add_command(command)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (also used by tests in-process)."""
    try:
        # Outside standalone mode click returns the code a command exits with.
        code = cli.main(args=argv, prog_name="gameday", standalone_mode=False)
    except GamedayError as exc:
        err.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True)
        return int(exc.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        err.print("[bold red]interrupted[/]")
        return int(ExitCode.INTERRUPTED)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        err.print(f"[bold red]error:[/] {escape(exc.format_message())}", soft_wrap=True)
        return int(ExitCode.USAGE_ERROR)
    return int(code) if isinstance(code, int) else int(ExitCode.OK)


if __name__ == "__main__":
    sys.exit(main())
