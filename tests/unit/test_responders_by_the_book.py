"""by-the-book on synthetic desks: pages, the runaway card, the runbooks' triggers and order."""

from __future__ import annotations

import itertools

import pytest

from harness.responders.base import Page
from harness.responders.by_the_book import (
    ACK_REACTION_S,
    EVENT_REACTION_S,
    KILL_REACTION_S,
    STEP_GAP_S,
    ByTheBook,
)
from harness.runbook.grader import TimedAction
from harness.runbook.loader import load_runbook
from services.clock import MARKET_OPEN_US, US
from tests.unit.test_responders_desk import (
    SyntheticDesk,
    at,
    drive,
    noise_mail,
    power_peg_mail,
)

OPEN_S = MARKET_OPEN_US / US


def names(taken: list[TimedAction]) -> list[str]:
    return [a.action for a in taken if a.action != "ack_page"]


def first(taken: list[TimedAction], action: str) -> TimedAction:
    return next(a for a in taken if a.action == action)


def page(id_: int, when: int, source: str = "router-3", kind: str = "bnet_reject") -> Page:
    return Page(id=id_, kind=kind, source=source, severity="critical", text=f"{kind} {id_}",
                at_us=when, acked=False)  # fmt: skip


def test_a_page_is_acknowledged_within_the_reaction_time() -> None:
    desk = SyntheticDesk(runaway_at=None, pages=[page(4, at("09:00")), page(5, at("09:01:07"))])
    taken = drive(ByTheBook(runbook=load_runbook("runaway-orders")), desk, at("08:59"), at("09:05"))
    acks = [(a.at_s, a.args) for a in taken if a.action == "ack_page"]
    assert acks == [
        (at("09:00") / US + ACK_REACTION_S, {"id": 4}),
        (at("09:01:07") / US + ACK_REACTION_S, {"id": 5}),
    ]
    assert names(taken) == []  # a page that is no runaway starts no runbook


def test_its_own_escalations_are_not_acknowledged() -> None:
    desk = SyntheticDesk(runaway_at=None, pages=[page(6, at("09:00"), source="by-the-book")])
    assert drive(ByTheBook(), desk, at("09:00"), at("09:05")) == []


@pytest.mark.parametrize("profile", ["modern", "knight-2012"])
def test_a_runaway_gets_the_kill_switch_first_then_verify_before_disabling(profile: str) -> None:
    desk = SyntheticDesk(profile=profile)
    book = load_runbook("runaway-orders")
    taken = drive(ByTheBook(runbook=book), desk, at("09:29"), at("10:00"))
    order = names(taken)
    assert order[0] == "kill_switch"
    assert order == ["kill_switch", "cancel_all", "escalate", "verify_builds", "disable_router",
                     "open_inbox"]  # fmt: skip
    seen = OPEN_S + (2 if profile == "modern" else desk.screen_lag_us / US)
    assert first(taken, "kill_switch").at_s == seen + KILL_REACTION_S
    assert first(taken, "disable_router").args == {"router": "router-8"}
    assert first(taken, "verify_builds").at_s < first(taken, "disable_router").at_s
    assert not {"rollback", "deploy"} & set(order)
    paced = [a for a in taken if a.action != "ack_page"]
    gaps = [b.at_s - a.at_s for a, b in itertools.pairwise(paced)]
    assert min(gaps) >= STEP_GAP_S


def test_runaway_orders_waits_for_a_runaway_even_with_warnings_in_the_inbox() -> None:
    mails = [power_peg_mail(i, at("08:01") + i * 60 * US) for i in range(30)]
    desk = SyntheticDesk(runaway_at=None, emails=mails)
    assert drive(ByTheBook(runbook=load_runbook("runaway-orders")), desk, at("08:00"),
                 at("09:29"), tick_s=5) == []  # fmt: skip


def test_without_a_runbook_it_still_plays_the_kill_switch_card() -> None:
    taken = drive(ByTheBook(), SyntheticDesk(), at("09:29"), at("09:40"))
    assert names(taken) == ["kill_switch", "verify_builds", "disable_router", "escalate"]


def test_deploy_verification_starts_when_the_registry_moves() -> None:
    desk = SyntheticDesk(runaway_at=None, expected="2003.1", deploy=(at("08:30:40"), "2012.07"))
    book = load_runbook("deploy-verification")
    taken = drive(ByTheBook(runbook=book), desk, at("08:30"), at("09:00"))
    assert names(taken) == ["verify_builds", "disable_router", "verify_builds", "escalate"]
    verify = first(taken, "verify_builds")
    assert verify.at_s == at("08:30:40") / US + EVENT_REACTION_S  # within its 2 minutes
    assert first(taken, "disable_router").args == {"router": "router-8"}


def test_alert_triage_reads_the_inbox_and_finds_router_8_before_the_open() -> None:
    noise = [noise_mail(i, at("08:46") + i * 20 * US) for i in range(150)]
    warnings = [power_peg_mail(i, at("08:55") + i * 30 * US) for i in range(40)]
    desk = SyntheticDesk(
        runaway_at=None,
        expected="2003.1",
        deploy=(at("08:50:40"), "2012.07"),
        emails=sorted(noise + warnings, key=lambda m: m["received"]),
    )
    taken = drive(ByTheBook(runbook=load_runbook("alert-triage")), desk, at("08:45"), at("09:30"))
    opened = first(taken, "open_inbox")
    assert opened.at_s == at("08:46") / US + EVENT_REACTION_S
    # Read again as mail comes, at most every two minutes; never a rollback or a deploy.
    reads = [a.at_s for a in taken if a.action == "open_inbox"]
    assert min(b - a for a, b in itertools.pairwise(reads)) >= 120
    (disable,) = [a for a in taken if a.action == "disable_router"]
    assert disable.args == {"router": "router-8"}
    assert at("08:55") / US < disable.at_s < OPEN_S
    last_verify = max(
        a.at_s for a in taken if a.action == "verify_builds" and a.at_s < disable.at_s
    )
    assert last_verify > at("08:55") / US
    assert not {"rollback", "deploy", "kill_switch"} & set(names(taken))


def test_the_same_desk_gives_the_same_actions() -> None:
    def run() -> list[TimedAction]:
        responder = ByTheBook(runbook=load_runbook("kill-switch"))
        return drive(responder, SyntheticDesk(profile="knight-2012"), at("09:29"), at("10:00"), 0.5)

    assert run() == run()
