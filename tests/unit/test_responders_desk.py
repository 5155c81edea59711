"""A synthetic desk for the responders' tests, and the desk-reading rules it relies on.

``SyntheticDesk`` plays one morning as the desk sees it: router-8 on the old
build, its e-mails, the runaway from the open (a gate page under modern
controls, a 33-account position on the lagging screen under knight-2012),
and it applies the responder's actions (the kill switch and disabling
router-8 stop the runaway; a rollback spreads it). ``drive`` runs a responder
over it, one decision per tick, and returns the actions with their times.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.actions import Action, ActionRequest
from harness.responders.base import DeskView, Page, Responder
from harness.responders.desk import (
    reference_build,
    runaway_seen_at,
    suspect_routers,
    warnings_read,
)
from harness.runbook.grader import TimedAction
from services.clock import MARKET_OPEN_US, US, parse_hhmm

ROUTERS = [f"router-{i}" for i in range(1, 9)]


def at(hhmmss: str) -> int:
    return parse_hhmm(hhmmss)


def power_peg_mail(i: int, when: int) -> dict[str, Any]:
    text = f"router-8: Power Peg disabled - BUY 100 S{i:03d} parent {i} (RLP), build 2003.1"
    return mail(1000 + i, "router-8", "power_peg_disabled", text, when)


def noise_mail(i: int, when: int) -> dict[str, Any]:
    return mail(5000 + i, "router-3", "bnet_reject", "BNET reject: order not accepted", when)


def mail(id_: int, source: str, kind: str, text: str, when: int) -> dict[str, Any]:
    """An e-mail as the alert bus lists it on its email channel."""
    return {"id": id_, "source": source, "kind": kind, "severity": "info", "text": text,
            "ts": when, "received": when}  # fmt: skip


@dataclass
class SyntheticDesk:
    """One morning as the desk sees it, moved by the responder's actions."""

    profile: str = "modern"
    expected: str = "2012.07"
    builds: dict[str, str] = field(
        default_factory=lambda: {**{r: "2012.07" for r in ROUTERS[:7]}, "router-8": "2003.1"}
    )
    runaway_at: int | None = MARKET_OPEN_US
    screen_lag_us: int = 90 * US
    emails: list[dict[str, Any]] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    deploy: tuple[int, str] | None = None
    # What the responder did to it.
    kill_at: int | None = None
    disabled: list[str] = field(default_factory=list)
    verified: dict[str, str] = field(default_factory=dict)
    opened_at: int | None = None
    rolled_back: list[str] = field(default_factory=list)
    acked: set[int] = field(default_factory=set)

    def expected_now(self, now: int) -> str:
        if self.deploy is not None and now >= self.deploy[0]:
            return self.deploy[1]
        return self.expected

    def running_away(self, now: int) -> bool:
        if self.runaway_at is None or now < self.runaway_at or self.kill_at is not None:
            return False
        return "router-8" not in self.disabled or bool(self.rolled_back)

    def _trip_pages(self, now: int) -> list[Page]:
        if self.profile != "modern" or self.runaway_at is None:
            return []
        trip = self.runaway_at + 2 * US
        if now < trip:
            return []
        text = "repeated_execution [router-8]: 40 fill-and-re-enter cycles -> block"
        return [Page(id=1, kind="control_trip", source="gate", severity="critical", text=text,
                     at_us=trip, acked=False)]  # fmt: skip

    def view(self, now: int) -> DeskView:
        pages = [p for p in [*self.pages, *self._trip_pages(now)] if p.at_us <= now]
        pages = [p.model_copy(update={"acked": p.id in self.acked}) for p in pages]
        mails = [m for m in self.emails if m["received"] <= now]
        rows = []
        shown = self.runaway_at is not None and now >= self.runaway_at + self.screen_lag_us
        if self.profile == "knight-2012" and shown:
            rows = [{"account": "33", "symbol": "WZE", "qty": 250_000, "pnl_dollars": -1e6}]
        return DeskView(
            now_us=now,
            market_open_us=MARKET_OPEN_US,
            pages=pages,
            inbox_opened=self.opened_at is not None,
            inbox=mails if self.opened_at is not None else [],
            inbox_count=len(mails),
            positions={"positions": rows, "profile": self.profile},
            kill_switch_thrown=self.kill_at is not None,
            routers=list(ROUTERS),
            disabled_routers=sorted(self.disabled),
            builds=dict(self.verified),
            expected_build=self.expected_now(now),
        )

    def apply(self, now: int, req: ActionRequest) -> None:
        a = req.action
        if a is Action.KILL_SWITCH and self.kill_at is None:
            self.kill_at = now
        elif a is Action.VERIFY_BUILDS:
            before_deploy = self.deploy is not None and now < self.deploy[0]
            self.verified = (
                {r: self.expected for r in ROUTERS} if before_deploy else dict(self.builds)
            )
        elif a is Action.DISABLE_ROUTER:
            self.disabled.append(str(req.args["router"]))
        elif a is Action.OPEN_INBOX:
            self.opened_at = now
        elif a is Action.ACK_PAGE:
            self.acked.add(int(req.args["id"]))
        elif a is Action.ROLLBACK:
            self.rolled_back = list(req.args.get("routers", ROUTERS))
            for router in self.rolled_back:
                self.builds[router] = "2003.1"

    def drill_events(self, actions: list[TimedAction]) -> dict[str, float | None]:
        """The drill's events as the scorer would see them (docs/scoring.md)."""
        onset = None if self.runaway_at is None else self.runaway_at / US
        candidates = [a.at_s for a in actions if a.action in ("ack_page", "kill_switch")]
        if self.profile == "modern" and onset is not None:
            candidates.append(onset + 2)  # the gate's control trip
        detected = [t for t in candidates if onset is not None and t >= onset]
        stops = [a.at_s for a in actions if a.action == "kill_switch"]
        stops += [a.at_s for a in actions if a.action == "disable_router"]
        return {
            "onset": onset,
            "detection": min(detected) if detected else None,
            "mitigation": min(stops) if stops and onset is not None else None,
            "market_open": MARKET_OPEN_US / US,
        }


def drive(
    responder: Responder, desk: SyntheticDesk, start: int, end: int, tick_s: float = 1.0
) -> list[TimedAction]:
    """Every action the responder takes between ``start`` and ``end``, one decision a tick."""
    taken: list[TimedAction] = []
    now = start
    while now < end:
        for request in responder.decide(desk.view(now)):
            desk.apply(now, request)
            taken.append(TimedAction(now / US, request.responder, request.action.value,
                                     dict(request.args)))  # fmt: skip
        now += round(tick_s * US)
    return taken


# -- the desk-reading rules -----------------------------------------------------------


def test_a_gate_page_shows_a_runaway_from_its_time() -> None:
    desk = SyntheticDesk()
    assert runaway_seen_at(desk.view(MARKET_OPEN_US)) is None
    assert runaway_seen_at(desk.view(MARKET_OPEN_US + 30 * US)) == MARKET_OPEN_US + 2 * US


def test_a_33_account_position_shows_a_runaway_once_the_screen_catches_up() -> None:
    desk = SyntheticDesk(profile="knight-2012")
    assert runaway_seen_at(desk.view(MARKET_OPEN_US + 60 * US)) is None
    late = MARKET_OPEN_US + 100 * US
    assert runaway_seen_at(desk.view(late)) == late


def test_a_trip_read_in_the_inbox_shows_a_runaway() -> None:
    trip = mail(7, "gate", "control_trip", "repeated_execution [router-8] -> block", at("09:31"))
    desk = SyntheticDesk(runaway_at=None, emails=[trip])
    assert runaway_seen_at(desk.view(at("09:40"))) is None  # not read yet
    desk.opened_at = at("09:35")
    assert runaway_seen_at(desk.view(at("09:40"))) == at("09:31")


def test_noise_pages_are_not_a_runaway() -> None:
    noise = Page(id=9, kind="escalation", source="ana", severity="critical", text="x",
                 at_us=at("09:00"), acked=False)  # fmt: skip
    desk = SyntheticDesk(runaway_at=None, pages=[noise])
    assert runaway_seen_at(desk.view(at("09:10"))) is None


def test_suspects_are_routers_off_the_registry_build_or_silent() -> None:
    view = SyntheticDesk().view(at("09:00"))
    assert suspect_routers(view) == []  # nothing verified yet
    builds = {**{r: "2012.07" for r in ROUTERS[:6]}, "router-7": "unreachable"}
    view = view.model_copy(update={"builds": {**builds, "router-8": "2003.1"}})
    assert suspect_routers(view) == ["router-7", "router-8"]
    view = view.model_copy(update={"disabled_routers": ["router-8"]})
    assert suspect_routers(view) == ["router-7"]


def test_without_a_registry_build_the_majority_is_the_reference() -> None:
    view = SyntheticDesk().view(at("09:00"))
    view = view.model_copy(
        update={"expected_build": "", "builds": {"router-1": "a", "router-2": "b"}}
    )
    assert reference_build(view) is None and suspect_routers(view) == []
    view = view.model_copy(update={"builds": {"router-1": "a", "router-2": "a", "router-3": "b"}})
    assert reference_build(view) == "a"


def test_warnings_are_the_mails_that_name_a_build_and_were_read() -> None:
    mails = [
        noise_mail(1, at("08:46")),
        power_peg_mail(1, at("08:55")),
        power_peg_mail(2, at("09:05")),
    ]
    desk = SyntheticDesk(emails=mails, opened_at=at("09:00"))
    view = desk.view(at("09:10"))
    assert [m["id"] for m in warnings_read(view, at("09:00"), -1)] == [1001]
    assert warnings_read(view, at("09:00"), at("08:56")) == []
    assert warnings_read(view, None, -1) == []


def test_a_stale_feed_page_is_not_a_runaway() -> None:
    from harness.responders.base import DeskView, Page
    from harness.responders.desk import runaway_seen_at

    stale = Page(
        id=1, kind="control_trip", source="monitor", severity="warning",
        text="[feed]: market data 61000 ms old -> notify", at_us=30_000_000_000,
        acked=False, control="stale_market_data",
    )  # fmt: skip
    view = DeskView(now_us=30_001_000_000, market_open_us=34_200_000_000, pages=[stale])
    assert runaway_seen_at(view) is None
    runaway = stale.model_copy(update={"id": 2, "control": "reconciliation"})
    assert runaway_seen_at(view.model_copy(update={"pages": [stale, runaway]})) is not None
