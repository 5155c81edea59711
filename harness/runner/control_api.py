"""The run's control API: how people act on a drill while it runs.

HTTP on 127.0.0.1. Every responder of a human drill has a bearer token of
their own, so an action is journalled under the name of whoever holds the
token, not a name anyone can type; the facilitator has another. ``control.json``
in the run's state directory (mode 0600) holds the port, the report directory
and the tokens, which is how ``gameday act``, ``gameday watch`` and
``gameday facilitate`` find a run; a responder on another account is handed
their token and passes it with ``--token``.

- ``GET /view``: what the token's responder sees (``DeskView``); the facilitator
  may ask ``?as=NAME`` for anyone's.
- ``POST /act`` ``{"action", "args"}``: carry out an action as the token's
  responder (409 while the facilitator has paused the drill).
- ``GET /plan``: the fault plan, what has been injected, the clock, the hints
  (facilitator only).
- ``POST /clock`` ``{"action": "pause" | "resume"}``: stop or restart drill time
  for the whole topology; ``{"action": "speed", "speed": X}`` fast-forwards it
  (facilitator only).
- ``POST /hint`` ``{"text", "to"}``: a hint to one responder, or to all with
  ``to`` empty (facilitator only).
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from pydantic import ValidationError

from harness.actions import ActionRequest, ActionResult
from harness.responders.base import DeskView
from harness.runner.facilitator import Facilitator

CONTROL_FILE = "control.json"
FACILITATOR = "facilitator"
MAX_BODY = 64 * 1024


@dataclass(frozen=True)
class Caller:
    """Who a request comes from: a named responder, or the facilitator."""

    role: str
    name: str


class ControlAPI:
    """Serves one run's control endpoints in a background thread."""

    def __init__(
        self,
        view: Callable[[str], DeskView],
        act: Callable[[ActionRequest], ActionResult],
        plan: Callable[[], dict[str, Any]],
        people: list[str],
        facilitator: Facilitator | None = None,
    ) -> None:
        self.tokens = {name: secrets.token_urlsafe(24) for name in people}
        self.facilitator_token = secrets.token_urlsafe(24)
        self._view, self._act, self._plan = view, act, plan
        self.facilitator = facilitator
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )

    def start(self, run_dir: Path, report_dir: Path | None = None) -> None:
        path = run_dir / CONTROL_FILE
        tmp = path.with_name(CONTROL_FILE + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(
                {
                    "host": "127.0.0.1",
                    "port": self.port,
                    "report_dir": str(report_dir.resolve()) if report_dir else "",
                    "responders": self.tokens,
                    "facilitator_token": self.facilitator_token,
                },
                f,
            )
        os.replace(tmp, path)  # readers never see a half-written file
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def caller(self, header: str | None) -> Caller | None:
        token = (header or "").removeprefix("Bearer ").strip()
        if not token:
            return None
        if secrets.compare_digest(token, self.facilitator_token):
            return Caller(FACILITATOR, FACILITATOR)
        for name, own in self.tokens.items():
            if secrets.compare_digest(token, own):
                return Caller("responder", name)
        return None

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return  # requests are journalled as actions, not logged to stderr

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _caller(self) -> Caller | None:
                who = api.caller(self.headers.get("Authorization"))
                if who is None:
                    self._answer(401, {"error": "missing or wrong bearer token"})
                return who

            def _facilitator(self, who: Caller) -> Facilitator | None:
                if who.role != FACILITATOR:
                    self._answer(403, {"error": "only the facilitator may do that"})
                    return None
                if api.facilitator is None:
                    self._answer(409, {"error": "this run's clock cannot be paused"})
                    return None
                return api.facilitator

            def _body(self) -> dict[str, Any] | None:
                try:
                    length = int(self.headers.get("Content-Length") or 0)
                except ValueError:
                    length = -1
                if not 0 <= length <= MAX_BODY:
                    self._answer(400, {"error": f"body: expected at most {MAX_BODY} bytes"})
                    return None
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    self._answer(400, {"error": "body: expected a JSON object"})
                    return None
                if not isinstance(body, dict):
                    self._answer(400, {"error": "body: expected a JSON object"})
                    return None
                return body

            def do_GET(self) -> None:
                who = self._caller()
                if who is None:
                    return
                url = urlparse(self.path)
                if url.path == "/view":
                    name = who.name
                    if who.role == FACILITATOR:
                        name = parse_qs(url.query).get("as", [next(iter(api.tokens), "")])[0]
                    self._answer(200, api._view(name).model_dump(mode="json"))
                elif url.path == "/plan":
                    if who.role != FACILITATOR:
                        self._answer(403, {"error": "the fault plan is for the facilitator"})
                        return
                    plan = dict(api._plan())
                    plan["responders"] = sorted(api.tokens)
                    if api.facilitator is not None:
                        plan["clock"] = api.facilitator.state()
                    self._answer(200, plan)
                else:
                    self._answer(404, {"error": f"no such endpoint {url.path}"})

            def do_POST(self) -> None:
                who = self._caller()
                if who is None:
                    return
                path = urlparse(self.path).path
                if path not in ("/act", "/clock", "/hint"):
                    self._answer(404, {"error": f"no such endpoint {path}"})
                    return
                body = self._body()
                if body is None:
                    return
                if path == "/act":
                    self._act(who, body)
                elif path == "/clock":
                    self._clock(who, body)
                else:
                    self._hint(who, body)

            def _act(self, who: Caller, body: dict[str, Any]) -> None:
                if who.role == FACILITATOR:
                    self._answer(403, {"error": "the facilitator does not act; give a hint"})
                    return
                claimed = body.setdefault("responder", who.name)
                if claimed != who.name:
                    self._answer(403, {"error": f"this token acts as {who.name}, not {claimed}"})
                    return
                try:
                    request = ActionRequest.model_validate(body)
                except ValidationError as exc:
                    first = exc.errors()[0]
                    where = ".".join(str(p) for p in first["loc"]) or "body"
                    self._answer(400, {"error": f"{where}: {first['msg']}"})
                    return
                if api.facilitator is not None and api.facilitator.paused:
                    self._answer(409, {"error": "the drill is paused by the facilitator"})
                    return
                result = api._act(request)
                self._answer(200 if result.ok else 409, result.model_dump(mode="json"))

            def _clock(self, who: Caller, body: dict[str, Any]) -> None:
                facilitator = self._facilitator(who)
                if facilitator is None:
                    return
                action = body.get("action")
                if action == "pause":
                    changed = facilitator.pause()
                elif action == "resume":
                    changed = facilitator.resume()
                elif action == "speed":
                    speed = body.get("speed")
                    if isinstance(speed, bool) or not isinstance(speed, int | float):
                        self._answer(400, {"error": f"speed: expected a number, got {speed!r}"})
                        return
                    try:
                        facilitator.set_speed(float(speed))
                    except ValueError as exc:
                        self._answer(400, {"error": str(exc)})
                        return
                    changed = True
                else:
                    self._answer(
                        400, {"error": f"action: expected pause, resume or speed, got {action!r}"}
                    )
                    return
                state = {"paused": facilitator.paused, "speed": facilitator.sut.speed}
                self._answer(200, {**state, "changed": changed})

            def _hint(self, who: Caller, body: dict[str, Any]) -> None:
                facilitator = self._facilitator(who)
                if facilitator is None:
                    return
                text, to = body.get("text"), body.get("to") or ""
                if not isinstance(text, str) or not isinstance(to, str):
                    self._answer(400, {"error": "text, to: expected strings"})
                    return
                try:
                    hint = facilitator.hint(text, to)
                except ValueError as exc:
                    self._answer(400, {"error": str(exc)})
                    return
                self._answer(200, hint.model_dump())

        return Handler
