"""Process faults: a service killed, frozen or restarted.

- ``kill``: SIGKILL to the service's process group; nothing is flushed, its
  sockets close and its peers see the connections drop. Reverting starts it
  again on the same ports (unless ``restart_on_revert`` is false).
- ``pause``: SIGSTOP; the process keeps its sockets open but answers nothing,
  the way a hung server or a long GC pause looks from outside. Reverting sends
  SIGCONT.
- ``restart``: stop (SIGTERM, then SIGKILL) and start again on the same ports,
  so clients and proxies reconnect to the same address. Nothing to revert.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import Field

from faults.base import Fault, FaultError, FaultHandle, FaultParams
from faults.context import FaultContext

log = logging.getLogger(__name__)


def _service_field() -> Any:
    return Field(
        min_length=1, description="the service, e.g. exchange, gate, monitor, router-8, flow"
    )


class KillParams(FaultParams):
    """The service to kill, and whether reverting brings it back."""

    service: str = _service_field()
    restart_on_revert: bool = Field(
        True, description="start the service again (on the same ports) when the fault is reverted"
    )


class Kill(Fault[KillParams]):
    """The service crashes: no goodbye, no flush, connections dropped."""

    name = "kill"
    summary = "SIGKILL a service's processes; revert starts it again on the same ports."
    Params = KillParams

    def inject(self, ctx: FaultContext) -> FaultHandle:
        ctx.processes.kill(self.params.service)
        return FaultHandle(
            self.name,
            self.params.service,
            {"restart_on_revert": self.params.restart_on_revert},
        )

    def revert(self, ctx: FaultContext, handle: FaultHandle) -> None:
        if not handle.detail.get("restart_on_revert", True) or handle.detail.get("reverted"):
            return
        try:
            ctx.processes.restart(handle.target)
        except FaultError as exc:
            log.warning("revert kill of %s: %s", handle.target, exc)
            return
        # Once back, a second revert must not restart it again.
        handle.detail["reverted"] = True


class ServiceParams(FaultParams):
    """The service to act on."""

    service: str = _service_field()


class Pause(Fault[ServiceParams]):
    """The service freezes (SIGSTOP) with its sockets open; revert resumes it."""

    name = "pause"
    summary = "Freeze a service (SIGSTOP): connected but silent; revert resumes it (SIGCONT)."
    Params = ServiceParams

    def inject(self, ctx: FaultContext) -> FaultHandle:
        ctx.processes.pause(self.params.service)
        return FaultHandle(self.name, self.params.service)

    def revert(self, ctx: FaultContext, handle: FaultHandle) -> None:
        try:
            ctx.processes.resume(handle.target)
        except FaultError as exc:
            log.warning("revert pause of %s: %s", handle.target, exc)


class Restart(Fault[ServiceParams]):
    """The service is restarted in place, as an operator would bounce it."""

    name = "restart"
    summary = "Stop a service and start it again on the same ports."
    Params = ServiceParams

    def inject(self, ctx: FaultContext) -> FaultHandle:
        ctx.processes.restart(self.params.service)
        return FaultHandle(self.name, self.params.service)

    def revert(self, ctx: FaultContext, handle: FaultHandle) -> None:
        """Nothing to undo: the service is already running again."""
