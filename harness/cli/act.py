"""``gameday act``: a responder's action on a running drill."""

from __future__ import annotations

import json

import click

from harness.actions import Action
from harness.cli.console import out
from harness.cli.control_client import request
from harness.errors import ExitCode, UsageError


def _args(pairs: tuple[str, ...]) -> dict[str, object]:
    parsed: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"argument {pair!r}: expected KEY=VALUE, e.g. router=router-8")
        try:
            parsed[key] = json.loads(value)
        except ValueError:
            parsed[key] = value
    return parsed


@click.command()
@click.argument("run_id")
@click.argument("action", type=click.Choice([a.value for a in Action]))
@click.argument("args", nargs=-1)
@click.option("--as", "responder", help="Your name (needed when the drill has several people).")
@click.option("--token", envvar="GAMEDAY_TOKEN", help="Your token, if you were handed one.")
@click.pass_context
def act(
    ctx: click.Context,
    run_id: str,
    action: str,
    args: tuple[str, ...],
    responder: str | None,
    token: str | None,
) -> int:
    """Do ACTION in drill RUN_ID, e.g. `gameday act gd-1234 disable_router router=router-8`."""
    body: dict[str, object] = {"action": action, "args": _args(args)}
    if responder is not None:
        body["responder"] = responder
    status, answer = request(run_id, "POST", "/act", body, name=responder, token=token)
    if status in (400, 403):
        raise UsageError(str(answer.get("error", answer)))
    out.print_json(json.dumps(answer))
    code = int(ExitCode.OK if status == 200 else ExitCode.EXPECTATIONS_FAILED)
    ctx.exit(code)
    return code
