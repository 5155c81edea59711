"""The asyncio shell of the alert bus: its API is its admin HTTP endpoint."""

from __future__ import annotations

from collections.abc import Callable

from services.alerts.core import AlertBusCore, AlertBusError
from services.alerts.models import CHANNELS, AckRequest, AlertIn, ChannelName, OpenInboxRequest
from services.clock import Clock
from services.net.admin import JSON, AdminError, AdminServer
from services.risk.requests import BadRequestCounter, parse


class AlertBusService:
    """Serves an ``AlertBusCore`` on the admin port."""

    def __init__(self, core: AlertBusCore, clock: Clock) -> None:
        self.core = core
        self.clock = clock
        self.bad_requests = BadRequestCounter()
        self.admin = AdminServer("alerts", self.clock)
        self.ports: dict[str, int] = {}
        routes: list[tuple[str, str, Callable[[JSON], JSON]]] = [
            ("POST", "/alerts", self._post_alert),
            ("POST", "/ack", self._ack),
            ("POST", "/open-inbox", self._open_inbox),
            ("GET", "/rules", lambda _: self.core.rules.model_dump()),
            ("POST", "/rules", self._set_rules),
            ("GET", "/log", lambda _: {"log": list(self.core.log)}),
            ("GET", "/stats", self._stats),
        ]
        for name in CHANNELS:
            routes.append(("GET", f"/channels/{name}", self._channel_view(name)))
        for method, path, handler in routes:
            self.admin.route(method, path, self.bad_requests.guard(path, self._bus_errors(handler)))

    @staticmethod
    def _bus_errors(handler: Callable[[JSON], JSON]) -> Callable[[JSON], JSON]:
        def wrapped(body: JSON) -> JSON:
            try:
                return handler(body)
            except AlertBusError as exc:
                raise AdminError(exc.status, exc.message) from None

        return wrapped

    def _channel_view(self, name: ChannelName) -> Callable[[JSON], JSON]:
        return lambda _: self.core.channel(name, self.clock.now())

    def _post_alert(self, body: JSON) -> JSON:
        record = self.core.post(parse(AlertIn, body), self.clock.now())
        return record.as_dict()

    def _ack(self, body: JSON) -> JSON:
        req = parse(AckRequest, body)
        return self.core.ack(req.id, req.by, self.clock.now())

    def _open_inbox(self, body: JSON) -> JSON:
        req = parse(OpenInboxRequest, body)
        return self.core.open_inbox(req.by, self.clock.now())

    def _set_rules(self, body: JSON) -> JSON:
        return self.core.set_rules(body, self.clock.now()).model_dump()

    def _stats(self, _: JSON) -> JSON:
        return {
            **self.core.stats(self.clock.now()),
            "admin": self.bad_requests.as_dict(),
            "protocol_errors": self.bad_requests.total,
            "drill_time_us": self.clock.now(),
        }

    async def start(self, host: str, admin_port: int) -> AlertBusService:
        self.ports["admin"] = await self.admin.start(host, admin_port)
        return self

    async def stop(self) -> None:
        await self.admin.stop()
