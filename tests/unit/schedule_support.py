"""A real webhook receiver on 127.0.0.1 for the scheduler's tests, and a tiny sim drill."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# A real drill, cut short: two routers, three drill minutes, a silent deploy.
# On the sim backend it runs in about a second.
TINY_DRILL = """\
name: tiny-deploy
description: |
  The silent deploy of silent-deploy, on two routers for three drill minutes.
controls: modern
topology: {routers: 2, initial_build: "2003.1", symbols: 10}
clock: {start: "08:30", end: "08:33", speed: 60}
seed: 2
scale: 0.05
runbook: deploy-verification
script:
  - at: "08:30:30"
    deploy: {build: "2012.07", mode: legacy}
timeline:
  - fault: drop_ssh
    at: "08:30:00"
    params: {router: router-2}
    until: deploy_finished
expectations:
  - loss_usd < 500_000
"""


def write_tiny_drill(directory: Path) -> Path:
    path = directory / "tiny-deploy.yaml"
    path.write_text(TINY_DRILL)
    return path


class Webhook:
    """What a webhook receiver got: one parsed JSON body per POST."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.received: list[dict[str, Any]] = []
        self._arrived = threading.Condition()

    def add(self, body: dict[str, Any]) -> None:
        with self._arrived:
            self.received.append(body)
            self._arrived.notify_all()

    def wait_for(
        self, matches: Callable[[dict[str, Any]], bool], timeout: float = 10.0
    ) -> dict[str, Any]:
        """The first body that ``matches``, waiting up to ``timeout`` seconds for it."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                found = next((b for b in self.received if matches(b)), None)
                if found is not None:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no matching webhook POST; got {self.received}")
                self._arrived.wait(left)


@contextmanager
def webhook_server() -> Iterator[Webhook]:
    """An HTTP server on 127.0.0.1 that answers every POST with 204 and keeps the body."""
    hook: Webhook

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            hook.add(json.loads(self.rfile.read(length)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    hook = Webhook(f"http://127.0.0.1:{server.server_address[1]}/gameday")
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield hook
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
