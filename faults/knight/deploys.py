"""Knight faults in what runs where: a router the deploy skips, a rollback to the wrong build.

Neither touches the network. ``skip_server_on_deploy`` adds a router to
``ctx.scenario.deploy_exclusions``, the hosts the scenario's deploy leaves
out: that router keeps the build it had while the deploy (in legacy mode)
still reports success. ``rollback_to_wrong_build`` points the build
registry's ``previous``, which is what a rollback ships, at the build whose
Power Peg path is still reachable.
"""

from __future__ import annotations

import difflib
import logging
from pathlib import Path

from pydantic import Field

from faults.base import Fault, FaultError, FaultHandle, FaultParams
from faults.context import FaultContext
from services.router.builds import BuildError
from services.router.registry import BuildRegistry

log = logging.getLogger(__name__)

ROUTER_PATTERN = r"^router-[1-9][0-9]*$"


def check_router(ctx: FaultContext, fault: str, router: str) -> None:
    """Refuse a router the run does not have, before anything changes."""
    known = [s for s in ctx.processes.services() if s.startswith("router-")]
    # A context that lists no routers (a scenario without processes) cannot be checked.
    if known and router not in known:
        close = difflib.get_close_matches(router, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise FaultError(f"{fault}: unknown router {router!r}{hint} (routers: {', '.join(known)})")


class SkipServerOnDeployParams(FaultParams):
    """The router the deploy forgets."""

    router: str = Field(
        pattern=ROUTER_PATTERN,
        description="the router the scenario's deploy leaves out (it keeps its build),"
        " e.g. router-8",
    )


class SkipServerOnDeploy(Fault[SkipServerOnDeployParams]):
    """Knight, 27 July 2012: a technician does not copy the new code to the eighth server.

    The router never gets the new build, so it "comes back" on the old one:
    nothing on it changes, which is the point. Reverting puts the router
    back into the scenario's deploys from then on; what it runs is untouched.
    """

    name = "skip_server_on_deploy"
    summary = "The scenario's deploy leaves one router out: it keeps the old build."
    Params = SkipServerOnDeployParams

    def inject(self, ctx: FaultContext) -> FaultHandle:
        router = self.params.router
        check_router(ctx, self.name, router)
        exclusions = ctx.scenario.deploy_exclusions
        # Remembered so that revert never re-includes a router someone else left out.
        added = router not in exclusions
        exclusions.add(router)
        return FaultHandle(self.name, router, {"router": router, "added": added})

    def revert(self, ctx: FaultContext, handle: FaultHandle) -> None:
        if handle.detail.get("added"):
            ctx.scenario.deploy_exclusions.discard(str(handle.detail["router"]))
            handle.detail["added"] = False


class RollbackToWrongBuildParams(FaultParams):
    """The build a rollback will ship."""

    build: str = Field(
        "2003.1",
        pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$",
        description="the build the registry's previous points at, which a rollback ships;"
        " 2003.1 is the one with the live Power Peg path",
    )


class RollbackToWrongBuild(Fault[RollbackToWrongBuildParams]):
    """Knight, 1 Aug 2012: going back to the "previous" code brought Power Peg back everywhere.

    Sets the registry's ``previous`` to ``build`` (which must be in the
    registry). Reverting restores the value it replaced, unless a deploy or a
    rollback has been recorded since: the registry's own history is then the
    truth, and it is left alone.
    """

    name = "rollback_to_wrong_build"
    summary = "Point the build registry's previous (what a rollback ships) at a bad build."
    Params = RollbackToWrongBuildParams

    def inject(self, ctx: FaultContext) -> FaultHandle:
        root = ctx.scenario.registry_dir
        try:
            registry = BuildRegistry(root)
            before = registry.state
            registry.set_previous(self.params.build)
        except (BuildError, OSError) as exc:
            raise FaultError(f"{self.name}: {exc}") from None
        return FaultHandle(
            self.name,
            self.params.build,
            {
                "registry": str(root),
                "current": before.current,
                "previous": before.previous,
                "set": self.params.build,
            },
        )

    def revert(self, ctx: FaultContext, handle: FaultHandle) -> None:
        detail = handle.detail
        if detail.get("reverted"):
            return
        try:
            registry = BuildRegistry(Path(str(detail["registry"])))
            state = registry.state
            if (state.current, state.previous) == (detail["current"], detail["set"]):
                registry.set_previous(detail["previous"])
            else:
                log.info(
                    "revert %s: registry moved on (current %s, previous %s); left as it is",
                    self.name,
                    state.current,
                    state.previous,
                )
        except (BuildError, OSError) as exc:
            log.warning("revert %s on %s: %s", handle.fault, handle.target, exc)
            return
        detail["reverted"] = True
