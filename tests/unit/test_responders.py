"""The responder registry, the idle responders, and knight-2012's replay of the morning."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import pytest

from harness.errors import ExitCode, UsageError
from harness.responders.asleep import Asleep
from harness.responders.base import Page, Responder
from harness.responders.by_the_book import ByTheBook
from harness.responders.human import Human
from harness.responders.knight import (
    INVESTIGATE_AFTER_OPEN_S,
    KILL_AFTER_OPEN_S,
    ROLLBACK_AFTER_OPEN_S,
    Knight2012,
)
from harness.responders.registry import RESPONDERS, responder_named, responder_names
from harness.runbook.loader import load_runbook
from services.clock import MARKET_OPEN_US, US
from tests.unit.test_responders_desk import ROUTERS, SyntheticDesk, at, drive, power_peg_mail


@runtime_checkable
class CheckedResponder(Responder, Protocol):
    """``Responder``, checkable with isinstance."""


# -- the registry ---------------------------------------------------------------------


def test_the_registry_names_four_responders() -> None:
    assert responder_names() == ["asleep", "by-the-book", "human", "knight-2012"]
    assert set(RESPONDERS) == set(responder_names())


@pytest.mark.parametrize(
    ("name", "cls"),
    [("asleep", Asleep), ("by-the-book", ByTheBook), ("human", Human), ("knight-2012", Knight2012)],
)
def test_responder_named_makes_a_responder_of_that_name(name: str, cls: type) -> None:
    book = load_runbook("runaway-orders")
    responder = responder_named(name, book)
    assert isinstance(responder, cls) and isinstance(responder, CheckedResponder)
    assert responder.name == name
    assert responder_named(name).name == name  # a runbook is optional


def test_responder_named_makes_a_fresh_one_each_time() -> None:
    assert responder_named("by-the-book") is not responder_named("by-the-book")


@pytest.mark.parametrize(
    ("typo", "hint"), [("by-the-bok", "by-the-book"), ("knight2012", "knight-2012")]
)
def test_a_typo_is_a_usage_error_with_a_suggestion(typo: str, hint: str) -> None:
    with pytest.raises(UsageError) as err:
        responder_named(typo)
    assert str(err.value) == (
        f"unknown responder {typo!r}; did you mean {hint!r}? "
        "(responders: asleep, by-the-book, human, knight-2012)"
    )
    assert err.value.exit_code is ExitCode.USAGE_ERROR


# -- asleep and human -------------------------------------------------------------------


@pytest.mark.parametrize("name", ["asleep", "human"])
def test_asleep_and_human_never_act_by_themselves(name: str) -> None:
    page = Page(id=7, kind="control_trip", source="gate", severity="critical", text="trip",
                at_us=at("09:30"), acked=False)  # fmt: skip
    desk = SyntheticDesk(pages=[page], emails=[power_peg_mail(1, at("08:01"))])
    assert drive(responder_named(name), desk, at("08:00"), at("10:15"), tick_s=10) == []


# -- knight-2012 ------------------------------------------------------------------------


def knight_morning() -> SyntheticDesk:
    mails = [power_peg_mail(i, at("08:01") + i * 50 * US) for i in range(97)]
    noise = Page(id=3, kind="bnet_reject", source="router-3", severity="critical", text="noise",
                 at_us=at("09:00"), acked=False)  # fmt: skip
    return SyntheticDesk(profile="knight-2012", emails=mails, pages=[noise])


def test_knight_acts_at_the_sec_times_and_never_reads_the_inbox() -> None:
    taken = drive(Knight2012(), knight_morning(), at("08:00"), at("10:30"))
    open_s = MARKET_OPEN_US / US
    acts = [(a.at_s - open_s, a.action) for a in taken]
    assert acts == [
        (INVESTIGATE_AFTER_OPEN_S, "escalate"),
        (INVESTIGATE_AFTER_OPEN_S, "ack_page"),  # nothing was looked at before the symptom
        (ROLLBACK_AFTER_OPEN_S, "rollback"),
        (KILL_AFTER_OPEN_S, "kill_switch"),
    ]
    assert (INVESTIGATE_AFTER_OPEN_S, ROLLBACK_AFTER_OPEN_S, KILL_AFTER_OPEN_S) == (
        300.0,
        1200.0,
        2700.0,
    )
    assert not any(a.action in ("open_inbox", "verify_builds", "disable_router") for a in taken)


def test_knight_rolls_back_every_router_it_believes_runs_the_new_code() -> None:
    desk = knight_morning()
    taken = drive(Knight2012(), desk, at("09:30"), at("09:51"), tick_s=30)
    (rollback,) = [a for a in taken if a.action == "rollback"]
    assert rollback.args == {"routers": ROUTERS, "mode": "legacy"}
    # The seven good routers got the old build back; the eighth had it: Power Peg on all eight.
    assert set(desk.builds.values()) == {"2003.1"}


def test_knight_leaves_out_routers_shown_old_or_disabled() -> None:
    desk = knight_morning()
    desk.verified = dict(desk.builds)  # somebody else verified
    desk.disabled = ["router-1"]
    knight = Knight2012()
    assert knight.believed_new(desk.view(at("09:50"))) == ROUTERS[1:7]


def test_knight_does_not_throw_a_switch_already_thrown() -> None:
    desk = knight_morning()
    desk.kill_at = at("09:31")
    taken = drive(Knight2012(), desk, at("09:30"), at("10:20"), tick_s=30)
    assert "kill_switch" not in [a.action for a in taken]


def test_knight_started_late_does_everything_at_once_and_only_once() -> None:
    knight = Knight2012()
    taken = drive(knight, knight_morning(), at("10:16"), at("10:20"))
    assert sorted(a.action for a in taken) == ["ack_page", "escalate", "kill_switch", "rollback"]
