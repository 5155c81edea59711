"""The run's control API: how people act on a drill while it runs.

HTTP on 127.0.0.1 with two per-run bearer tokens. The responder token may read
the desk view and act; the facilitator token may also read the fault plan.
``control.json`` in the run's state directory (mode 0600) holds the port and
both tokens, which is how ``gameday act`` and ``gameday watch`` find a run.

- ``GET /view?as=NAME``: what responder NAME sees (``DeskView``).
- ``POST /act`` ``{"action", "responder", "args"}``: carry out an action.
- ``GET /plan``: the drill's fault plan and what has been injected (facilitator).
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from pydantic import ValidationError

from harness.actions import ActionRequest, ActionResult
from harness.responders.base import DeskView

CONTROL_FILE = "control.json"


class ControlAPI:
    """Serves one run's control endpoints in a background thread."""

    def __init__(
        self,
        view: Callable[[str], DeskView],
        act: Callable[[ActionRequest], ActionResult],
        plan: Callable[[], dict[str, Any]],
    ) -> None:
        self.responder_token = secrets.token_urlsafe(24)
        self.facilitator_token = secrets.token_urlsafe(24)
        self._view, self._act, self._plan = view, act, plan
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self, run_dir: Path) -> None:
        path = run_dir / CONTROL_FILE
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(
                {
                    "host": "127.0.0.1",
                    "port": self.port,
                    "responder_token": self.responder_token,
                    "facilitator_token": self.facilitator_token,
                },
                f,
            )
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _role(self, header: str | None) -> str | None:
        token = (header or "").removeprefix("Bearer ").strip()
        if token and secrets.compare_digest(token, self.facilitator_token):
            return "facilitator"
        if token and secrets.compare_digest(token, self.responder_token):
            return "responder"
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

            def _authorised(self) -> str | None:
                role = api._role(self.headers.get("Authorization"))
                if role is None:
                    self._answer(401, {"error": "missing or wrong bearer token"})
                return role

            def do_GET(self) -> None:
                role = self._authorised()
                if role is None:
                    return
                url = urlparse(self.path)
                if url.path == "/view":
                    who = parse_qs(url.query).get("as", ["responder"])[0]
                    self._answer(200, api._view(who).model_dump(mode="json"))
                elif url.path == "/plan":
                    if role != "facilitator":
                        self._answer(403, {"error": "the fault plan is for the facilitator"})
                    else:
                        self._answer(200, api._plan())
                else:
                    self._answer(404, {"error": f"no such endpoint {url.path}"})

            def do_POST(self) -> None:
                if self._authorised() is None:
                    return
                if urlparse(self.path).path != "/act":
                    self._answer(404, {"error": f"no such endpoint {self.path}"})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    request = ActionRequest.model_validate_json(self.rfile.read(length))
                except ValidationError as exc:
                    first = exc.errors()[0]
                    where = ".".join(str(p) for p in first["loc"]) or "body"
                    self._answer(400, {"error": f"{where}: {first['msg']}"})
                    return
                result = api._act(request)
                self._answer(200 if result.ok else 409, result.model_dump(mode="json"))

        return Handler
