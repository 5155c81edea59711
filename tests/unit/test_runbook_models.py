"""Runbook files: front matter, the models' checks, one-line errors, the shipped runbooks."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.drill.timing import DrillEvent
from harness.errors import ConfigError
from harness.runbook.loader import bundled_runbooks, load_runbook, parse_runbook
from harness.runbook.models import Deadline, ResponderAction

GOOD = """\
---
title: Test book
summary: For tests.
steps:
  - id: halt
    title: Throw the kill switch
    action: kill_switch
    deadline: 2m after detection
  - id: verify
    title: Verify builds
    action: verify_builds
    requires: halt
  - id: fix
    title: Fix or disable
    action: [deploy, disable_router]
    requires: [verify]
    deadline: before market_open
forbidden:
  - id: rollback-unverified
    action: rollback
    unless: verify
    reason: Spreads the fault.
---
# Test book

Prose.
"""


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "book.md"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        parse_runbook(path)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("path", bundled_runbooks(), ids=lambda p: p.stem)
def test_every_shipped_runbook_validates(path: Path) -> None:
    book = load_runbook(path.stem)
    assert book.name == path.stem
    assert any(step.required for step in book.steps)
    # Prose for a person, not only front matter.
    assert book.body.lstrip().startswith(f"# {book.title}")
    assert len(book.body.split()) > 150


def test_a_good_runbook(tmp_path: Path) -> None:
    path = tmp_path / "book.md"
    path.write_text(GOOD)
    book = parse_runbook(path)
    assert book.name == "book"
    assert [s.id for s in book.steps] == ["halt", "verify", "fix"]
    fix = book.step("fix")
    assert fix.action == (ResponderAction.DEPLOY, ResponderAction.DISABLE_ROUTER)
    assert fix.deadline == Deadline(within_s=0, after=DrillEvent.MARKET_OPEN)
    assert book.step("verify").requires == ("halt",)
    assert book.forbidden[0].unless == ("verify",)
    assert book.forbidden[0].penalty == 0.25
    assert book.body.startswith("# Test book")
    assert "body" not in book.model_dump()
    assert book.model_dump()["steps"][0]["deadline"] == "2m after detection"


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("60s after detection", (60.0, DrillEvent.DETECTION)),
        ("1h30m after deploy_finished", (5400.0, DrillEvent.DEPLOY_FINISHED)),
        ("before market_open", (0.0, DrillEvent.MARKET_OPEN)),
        ({"within": "2m", "after": "onset"}, (120.0, DrillEvent.ONSET)),
    ],
)
def test_deadlines(text: object, parsed: tuple[float, DrillEvent]) -> None:
    deadline = Deadline.model_validate(text)
    assert (deadline.within_s, deadline.after) == parsed
    assert Deadline.model_validate(deadline.model_dump()) == deadline


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("action: kill_switch", "action: kil_switch", "book.md: steps[0].action: expected "),
        (
            "action: kill_switch",
            "action: kil_switch",
            "got 'kil_switch'; did you mean 'kill_switch'?",
        ),
        (
            "deadline: 2m after detection",
            "deadline: 2m after detecton",
            "book.md: steps[0].deadline: unknown event 'detecton'; did you mean 'detection'?",
        ),
        (
            "deadline: 2m after detection",
            "deadline: soon",
            "book.md: steps[0].deadline: expected 'DURATION after EVENT'",
        ),
        (
            "requires: halt",
            "requires: hlt",
            "book.md: steps[1].requires: unknown step 'hlt'; did you mean 'halt'?",
        ),
        (
            "requires: halt",
            "requires: verify",
            "book.md: steps[1].requires: a step cannot require itself",
        ),
        (
            "requires: halt",
            "requires: fix",
            "book.md: steps: prerequisites form a cycle: verify -> fix -> verify",
        ),
        ("- id: verify", "- id: halt", "book.md: steps[1].id: duplicate step id 'halt'"),
        (
            "unless: verify",
            "unless: verfy",
            "book.md: forbidden[0].unless: unknown step 'verfy'; did you mean 'verify'?",
        ),
        (
            "    reason: Spreads the fault.\n",
            "",
            "book.md: forbidden[0].reason: required field is missing",
        ),
        (
            "title: Test book",
            "titel: Test book",
            "book.md: titel: unknown field; did you mean 'title'?",
        ),
        ("- id: halt", "- id: Halt", "book.md: steps[0].id: string should match pattern"),
        (
            "title: Test book",
            "name: other\ntitle: Test book",
            "book.md: name: expected the file's name 'book', got 'other'",
        ),
        ("summary: For tests.", "summary: For tests.\nbody: x", "book.md: body: unknown field"),
    ],
)
def test_one_line_errors(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert old in GOOD
    assert expected in error(tmp_path, GOOD.replace(old, new))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("# no front matter\n", "book.md:1: expected YAML front matter between '---' lines"),
        ("---\ntitle: x\n", "book.md: front matter has no closing '---' line"),
        ("---\n---\n# x\n", "book.md: empty front matter"),
        ("---\n- a\n---\n", "book.md: front matter should be a mapping"),
        ("---\ntitle: x\nsteps: [\n---\n", "book.md:4: invalid YAML"),
    ],
)
def test_front_matter_problems(tmp_path: Path, text: str, expected: str) -> None:
    assert error(tmp_path, text).startswith(expected)


def test_unknown_runbook_name() -> None:
    with pytest.raises(ConfigError, match=r"no runbook named 'kill'.*kill-switch"):
        load_runbook("kill")
