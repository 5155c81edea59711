"""Stand-ins for the Knight faults, with the parameters that ``docs/drills.md`` defines.

The drills reference faults that may not be registered yet; tests check them
against the real registry merged over these stand-ins, so a real fault's
``Params`` always wins once it is installed.
"""

from __future__ import annotations

from typing import Any, Literal

from faults.base import Fault, FaultHandle, FaultParams
from faults.context import FaultContext
from faults.registry import registry


class _Stub(Fault[Any]):
    def inject(self, ctx: FaultContext) -> FaultHandle:
        raise NotImplementedError

    def revert(self, ctx: FaultContext, handle: FaultHandle) -> None:
        raise NotImplementedError


class RouterParams(FaultParams):
    router: str


class DropSshParams(FaultParams):
    router: str
    mode: Literal["refuse", "reset"] = "refuse"


class WrongBuildParams(FaultParams):
    build: str = "2003.1"


class IgnoredAlertsParams(FaultParams):
    mode: Literal["inbox", "mute_pager"] = "inbox"


class LatencyParams(FaultParams):
    link: str
    latency_ms: int = 100


def _stub(name: str, params: type[FaultParams]) -> type[Fault[Any]]:
    attrs = {"name": name, "summary": f"stand-in for {name}", "Params": params}
    return type(f"Stub_{name}", (_Stub,), attrs)


STUBS: dict[str, type[Fault[Any]]] = {
    "skip_server_on_deploy": _stub("skip_server_on_deploy", RouterParams),
    "drop_ssh": _stub("drop_ssh", DropSshParams),
    "repurposed_flag": _stub("repurposed_flag", FaultParams),
    "rollback_to_wrong_build": _stub("rollback_to_wrong_build", WrongBuildParams),
    "ignored_alerts": _stub("ignored_alerts", IgnoredAlertsParams),
    "latency": _stub("latency", LatencyParams),
}


def fault_table() -> dict[str, type[Fault[Any]]]:
    """The stand-ins, overridden by every fault that is really registered."""
    return {**STUBS, **registry()}
