"""The control API on its own: tokens bind names, the facilitator's endpoints, bad bodies."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.actions import ActionRequest, ActionResult
from harness.bus import Bus
from harness.events import ClockPaused, ClockResumed, Event, HintGiven
from harness.responders.base import DeskView
from harness.runner.control_api import CONTROL_FILE, ControlAPI
from harness.runner.facilitator import Facilitator
from services.clock import ManualClock


class Frozen:
    """A system under test whose clock a facilitator can stop (drill time by hand)."""

    def __init__(self) -> None:
        self.clock = ManualClock(34_200_000_000)
        self.paused = False
        self.speed = 60.0

    def set_speed(self, speed: float) -> None:
        self.speed = speed

    def now(self) -> int:
        return self.clock.now()

    def pause(self) -> bool:
        was, self.paused = self.paused, True
        return not was

    def resume(self) -> bool:
        was, self.paused = self.paused, False
        return was


@pytest.fixture
def api(tmp_path: Path) -> Iterator[tuple[ControlAPI, list[Event], list[ActionRequest]]]:
    sut = Frozen()
    bus = Bus(clock=sut.clock)
    seen: list[Event] = []
    bus.subscribe_all(seen.append, name="test")
    acted: list[ActionRequest] = []

    def act(request: ActionRequest) -> ActionResult:
        acted.append(request)
        return ActionResult(
            action=request.action, responder=request.responder, ok=True, at_us=sut.now()
        )

    facilitator = Facilitator(sut, bus, ["alice", "bob"])
    control = ControlAPI(
        view=lambda who: DeskView(
            now_us=sut.now(), market_open_us=0, hints=facilitator.hints_for(who)
        ),
        act=act,
        plan=lambda: {"timeline": []},
        people=["alice", "bob"],
        facilitator=facilitator,
    )
    control.start(tmp_path, tmp_path / "report")
    try:
        yield control, seen, acted
    finally:
        control.stop()


def call(
    api: ControlAPI, method: str, path: str, token: str | None, body: bytes | None = None
) -> tuple[int, dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", api.port, timeout=10)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    conn.request(method, path, body=body, headers=headers)
    resp = conn.getresponse()
    answer = json.loads(resp.read() or b"{}")
    conn.close()
    return resp.status, answer


def test_the_control_file_holds_one_token_per_person(
    api: tuple[ControlAPI, list[Event], list[ActionRequest]], tmp_path: Path
) -> None:
    control = json.loads((tmp_path / CONTROL_FILE).read_text())
    assert sorted(control["responders"]) == ["alice", "bob"]
    assert control["report_dir"].endswith("report")
    assert (tmp_path / CONTROL_FILE).stat().st_mode & 0o077 == 0


def test_a_token_acts_under_its_own_name_only(
    api: tuple[ControlAPI, list[Event], list[ActionRequest]],
) -> None:
    control, _, acted = api
    alice = control.tokens["alice"]
    assert call(control, "POST", "/act", alice, b'{"action": "escalate"}')[0] == 200
    assert acted[-1].responder == "alice"
    status, answer = call(
        control, "POST", "/act", alice, b'{"action": "escalate", "responder": "bob"}'
    )
    assert status == 403 and "acts as alice, not bob" in answer["error"]
    assert call(control, "POST", "/act", "forged", b'{"action": "escalate"}')[0] == 401
    status, answer = call(control, "POST", "/act", control.facilitator_token, b'{"action": "x"}')
    assert status == 403


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"{not json", "body: expected a JSON object"),
        (b"[1, 2]", "body: expected a JSON object"),
        (b'{"action": "dance"}', "action:"),
        (b'{"action": "escalate", "args": 5}', "args:"),
    ],
)
def test_bad_bodies_get_a_400_naming_the_field(
    api: tuple[ControlAPI, list[Event], list[ActionRequest]], body: bytes, error: str
) -> None:
    control, _, acted = api
    status, answer = call(control, "POST", "/act", control.tokens["bob"], body)
    assert status == 400 and answer["error"].startswith(error)
    assert acted == []


def test_the_facilitator_pauses_hints_and_resumes(
    api: tuple[ControlAPI, list[Event], list[ActionRequest]],
) -> None:
    control, seen, acted = api
    f, bob = control.facilitator_token, control.tokens["bob"]
    assert call(control, "POST", "/clock", bob, b'{"action": "pause"}')[0] == 403
    status, answer = call(control, "POST", "/clock", f, b'{"action": "pause"}')
    assert status == 200 and answer == {"paused": True, "speed": 60.0, "changed": True}
    assert call(control, "POST", "/clock", f, b'{"action": "pause"}')[1]["changed"] is False
    status, answer = call(control, "POST", "/act", bob, b'{"action": "escalate"}')
    assert status == 409 and "paused" in answer["error"] and acted == []

    status, answer = call(control, "POST", "/hint", f, b'{"text": "look", "to": "carol"}')
    assert status == 400 and "no responder named 'carol'" in answer["error"]
    assert call(control, "POST", "/hint", f, b'{"text": "  "}')[0] == 400
    assert call(control, "POST", "/hint", f, b'{"text": "check builds", "to": "bob"}')[0] == 200
    assert call(control, "GET", "/view", bob)[1]["hints"][0]["text"] == "check builds"
    assert call(control, "GET", "/view", control.tokens["alice"])[1]["hints"] == []
    plan = call(control, "GET", "/plan", f)[1]
    assert plan["clock"]["paused"] is True and plan["responders"] == ["alice", "bob"]

    status, answer = call(control, "POST", "/clock", f, b'{"action": "rewind"}')
    assert status == 400 and "expected pause, resume or speed" in answer["error"]
    status, answer = call(control, "POST", "/clock", f, b'{"action": "speed", "speed": "x"}')
    assert status == 400 and "speed: expected a number" in answer["error"]
    status, answer = call(control, "POST", "/clock", f, b'{"action": "speed", "speed": 5000}')
    assert status == 400 and "speed: expected a number in (0, 1000]" in answer["error"]
    assert call(control, "POST", "/clock", f, b'{"action": "resume"}')[1]["paused"] is False
    kinds = [type(e) for e in seen]
    assert kinds == [ClockPaused, HintGiven, ClockResumed]


def test_unknown_endpoints_are_404(
    api: tuple[ControlAPI, list[Event], list[ActionRequest]],
) -> None:
    control, _, _ = api
    assert call(control, "GET", "/nope", control.facilitator_token)[0] == 404
    assert call(control, "POST", "/nope", control.facilitator_token, b"{}")[0] == 404
