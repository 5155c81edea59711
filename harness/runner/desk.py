"""What each responder on the desk can see, built from the services' admin endpoints."""

from __future__ import annotations

from harness.actions import Action, ActionRequest, ActionResult
from harness.responders.base import DeskView, Page
from harness.runner.facilitator import Facilitator
from harness.runner.observer import Observer
from harness.runner.system import SystemUnderTest
from services.clock import MARKET_OPEN_US


class DeskViews:
    """Builds ``DeskView``s and remembers what each responder has done and learnt."""

    def __init__(self, sut: SystemUnderTest, observer: Observer) -> None:
        self.sut = sut
        self.observer = observer
        self.taken: dict[str, list[str]] = {}
        self.builds: dict[str, str] = {}
        self.disabled: set[str] = set()
        self.facilitator: Facilitator | None = None

    def record(self, request: ActionRequest, result: ActionResult) -> None:
        self.taken.setdefault(request.responder, []).append(str(request.action))
        if request.action is Action.VERIFY_BUILDS and result.ok:
            builds = result.detail.get("builds", {})
            self.builds = {str(k): str(v) for k, v in builds.items()}
        if request.action is Action.DISABLE_ROUTER and result.ok:
            self.disabled |= set(result.detail)

    def view(self, responder: str, now_us: int) -> DeskView:
        sut = self.sut
        pager = sut.try_admin("alerts", "/channels/pager") or {}
        pages = [
            Page(
                id=int(p["id"]),
                kind=str(p.get("kind", "")),
                source=str(p.get("source", "")),
                severity=str(p.get("severity", "")),
                text=str(p.get("text", "")),
                at_us=int(p.get("received", 0)),
                acked=bool(p.get("acked")),
                control=str(p.get("control") or ""),
            )
            for p in pager.get("alerts", [])
        ]
        email = sut.try_admin("alerts", "/channels/email") or {}
        opened = bool(email.get("opened") or email.get("inbox_opens"))
        mails = list(email.get("alerts", []))
        monitor = sut.try_admin("monitor", "/view") or {}
        pnl = monitor.get("pnl_dollars", monitor.get("pnl", 0.0))
        return DeskView(
            now_us=now_us,
            market_open_us=MARKET_OPEN_US,
            pages=pages,
            inbox_opened=opened,
            inbox=mails if opened else [],
            inbox_count=len(mails),
            positions=monitor,
            pnl_usd=float(pnl) if isinstance(pnl, int | float) else 0.0,
            kill_switch_thrown=self.observer.kill_switch_thrown,
            routers=list(sut.routers),
            disabled_routers=sorted(self.disabled),
            builds=dict(self.builds),
            expected_build=sut.registry.state.current or "",
            actions_taken=list(self.taken.get(responder, [])),
            hints=self.facilitator.hints_for(responder) if self.facilitator else [],
            clock_paused=self.facilitator.paused if self.facilitator else False,
        )
