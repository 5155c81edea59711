"""Responders by name: ``gameday run --responder NAME``.

>>> from harness.runbook.loader import load_runbook
>>> responder_named("by-the-book", load_runbook("runaway-orders")).name
'by-the-book'
>>> responder_names()
['asleep', 'by-the-book', 'human', 'knight-2012']

A name that is not known is a ``UsageError`` (exit 4) with a "did you mean".
"""

from __future__ import annotations

from typing import Final

from harness.drill.problems import did_you_mean
from harness.errors import UsageError
from harness.responders.asleep import Asleep
from harness.responders.base import Responder, ResponderFactory
from harness.responders.by_the_book import ByTheBook
from harness.responders.human import Human
from harness.responders.knight import Knight2012
from harness.runbook.models import Runbook

RESPONDERS: Final[dict[str, ResponderFactory]] = {
    "asleep": Asleep,
    "by-the-book": ByTheBook,
    "human": Human,
    "knight-2012": Knight2012,
}


def responder_names() -> list[str]:
    """Every responder that ``responder_named`` knows, sorted."""
    return sorted(RESPONDERS)


def responder_named(name: str, runbook: Runbook | None = None) -> Responder:
    """A new responder called ``name``, following ``runbook`` if it follows one."""
    factory = RESPONDERS.get(name)
    if factory is None:
        hint = did_you_mean(name, RESPONDERS)
        known = ", ".join(responder_names())
        raise UsageError(f"unknown responder {name!r}{hint} (responders: {known})")
    return factory(name, runbook)
