"""Admin calls between services: over a link (the monitor's kill requests) or to the bus.

Services talk to each other's admin endpoints in two ways, both kept here:

- over a link (``monitor->gate:admin``): each request is a new connection
  (``Connection: close``), carrying one ``HttpMessage`` each way, so a cut
  link refuses it, a latency delays it, a timeout toxic makes the caller
  give up after its timeout, and every toxicity roll is per request;
- to the alert bus, which is not a link: ``BusSender`` retries until the
  alert's deadline has passed (``AlertSender``), ``BusPoster`` tries once
  (``AdminPoster``, the routers' e-mails).

Bodies cross as JSON (encoded and decoded), as they would over HTTP.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from harness.sim.links import Endpoint, Items, Process, SimConn
from harness.sim.network import REFUSED
from harness.sim.node import Node, Wiring
from services.net.admin import JSON

_HEADERS = 120  # request line, Host, Content-Type, Content-Length, Connection
_RETRY_US = 100_000
_SENDER_TIMEOUT_US = 2_000_000
_POSTER_TIMEOUT_US = 5_000_000
TIMED_OUT = "timed out"


def as_json(value: Any) -> Any:
    """``value`` as the other side of an HTTP call would read it."""
    return json.loads(json.dumps(value))


@dataclass(slots=True)
class HttpMessage:
    """A request (``method``, ``target``) or an answer (``status``) with its JSON body."""

    method: str
    target: str
    body: Any
    status: int = 0
    nbytes: int = 0

    @classmethod
    def make(cls, method: str, target: str, body: Any, status: int = 0) -> HttpMessage:
        text = json.dumps(body)
        return cls(method, target, json.loads(text), status, _HEADERS + len(text))


def serve_admin(node: Node) -> Endpoint:
    """The node's admin port as a link server: one request, one answer, then close."""

    def received(conn: SimConn, items: Items) -> None:
        for request in items:
            status, answer = node.answer(request.method, request.target, request.body)
            conn.down.send([HttpMessage.make("", "", answer, status)])
        conn.close_by(end)

    end = Endpoint(node.proc, lambda _: None, received, lambda _: None)
    return end


Done = Callable[[JSON | None, str], None]
"""Called once with the answer, or with ``None`` and what went wrong."""


class LinkCall:
    """One admin request over a link, from a process; see the module docstring."""

    def __init__(
        self,
        w: Wiring,
        proc: Process,
        link: str,
        method: str,
        target: str,
        body: JSON | None,
        timeout_us: int,
        done: Done,
    ) -> None:
        self.w = w
        self.what = f"{method} http://{link}{target}"
        self.request = HttpMessage.make(method, target, body or {})
        self.done_cb = done
        self.finished = False
        self.conn: SimConn | None = None
        self.end = Endpoint(proc, self._opened, self._received, self._closed)
        w.net.dial(link, self.end, self._refused)
        w.sched.at(w.sched.now + timeout_us, self._timeout)

    def _finish(self, answer: JSON | None, error: str) -> None:
        if not self.finished and self.end.proc.alive:
            self.finished = True
            self.done_cb(answer, error)

    def _opened(self, conn: SimConn) -> None:
        self.conn = conn
        conn.up.send([self.request])

    def _received(self, conn: SimConn, items: Items) -> None:
        reply: HttpMessage = items[0]
        if reply.status == 200 and isinstance(reply.body, dict):
            self._finish(reply.body, "")
        else:
            request = self.request
            self._finish(
                None, f"{request.method} {request.target}: HTTP {reply.status}: {reply.body}"
            )
        conn.close_by(self.end)

    def _closed(self, conn: SimConn) -> None:
        self._finish(None, f"{self.what}: connection closed before the answer")

    def _refused(self, error: str) -> None:
        self._finish(None, f"{self.what}: {error}")

    def _timeout(self) -> None:
        if self.finished:
            return
        self._finish(None, f"{self.what}: {TIMED_OUT}")
        if self.conn is not None:
            self.conn.abort()


def post_to_bus(w: Wiring, body: JSON) -> tuple[str, bool]:
    """``POST /alerts`` on the bus now: the error (``""`` if none) and whether it hung.

    A paused bus does not refuse: the request hangs until the caller's timeout.
    """
    bus = w.nodes.get("alerts")
    what = "POST http://alerts/alerts"
    if bus is None or not bus.running:
        return f"{what}: {REFUSED}", False
    if bus.proc.paused:
        return f"{what}: {TIMED_OUT}", True
    status, answer = bus.answer("POST", "/alerts", as_json(body))
    if status != 200:
        return f"POST /alerts: HTTP {status}: {answer}", False
    return "", False


class BusSender:
    """``AlertSender`` in the world: retries each alert until its deadline has passed."""

    def __init__(self, w: Wiring, proc: Process, deadline_us: int) -> None:
        self.w = w
        self.proc = proc
        self.deadline_us = deadline_us
        self.sent = 0
        self.late = 0
        self.missed = 0
        self.in_flight = 0
        self.last_error = ""

    def send(self, alert: JSON) -> None:
        self.in_flight += 1
        raised = int(alert.get("ts", self.w.sched.now))
        self.w.sched.at(self.w.sched.now + self.w.net.latency_us, partial(self._try, alert, raised))

    def _try(self, alert: JSON, raised: int) -> None:
        if not self.proc.alive:
            return
        now = self.w.sched.now
        error, hung = post_to_bus(self.w, alert)
        if not error:
            self.sent += 1
            if now - raised > self.deadline_us:
                self.late += 1
            self.in_flight -= 1
            return
        self.last_error = error
        if hung:
            now += _SENDER_TIMEOUT_US
        if now - raised > self.deadline_us:
            self.missed += 1
            self.in_flight -= 1
            return
        self.w.sched.at(now + _RETRY_US, partial(self._try, alert, raised))

    def stats(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "late": self.late,
            "missed": self.missed,
            "in_flight": self.in_flight,
            "last_error": self.last_error,
        }


class BusPoster:
    """``AdminPoster`` to the bus in the world: one try per post, counted."""

    def __init__(self, w: Wiring, proc: Process) -> None:
        self.w = w
        self.proc = proc
        self.sent = 0
        self.failed = 0
        self.last_error = ""

    def post(self, body: JSON) -> None:
        self.w.sched.at(self.w.sched.now + self.w.net.latency_us, partial(self._try, body))

    def _try(self, body: JSON) -> None:
        if not self.proc.alive:
            return
        error, hung = post_to_bus(self.w, body)
        if not error:
            self.sent += 1
        elif hung:
            self.w.sched.at(self.w.sched.now + _POSTER_TIMEOUT_US, partial(self._fail, error))
        else:
            self._fail(error)

    def _fail(self, error: str) -> None:
        self.failed += 1
        self.last_error = error
