"""Network faults that cut links: one link down, a partition, Knight's dropped SSH.

A cut link's proxy is disabled: new connections are refused and live ones are
closed. Reverting enables it again on the same address, and every client
that reconnects with a backoff finds its peer again.
"""

from __future__ import annotations

from functools import partial
from typing import Literal, Self

from pydantic import Field, field_validator, model_validator

from faults.base import Fault, FaultError, FaultHandle, FaultParams
from faults.context import FaultContext, ServiceIsolation
from faults.links import link_field, undo_quietly


class DownParams(FaultParams):
    """The link to cut."""

    link: str = link_field()


class Down(Fault[DownParams]):
    """The link is down: connections refused, live ones dropped."""

    name = "down"
    summary = "Take a link down: refuse new connections and drop live ones."
    Params = DownParams

    def inject(self, ctx: FaultContext) -> FaultHandle:
        ctx.network.set_enabled(self.params.link, False)
        return FaultHandle(self.name, self.params.link, {"links": [self.params.link]})

    def revert(self, ctx: FaultContext, handle: FaultHandle) -> None:
        for link in handle.detail["links"]:
            undo_quietly(handle, partial(ctx.network.set_enabled, str(link), True))


class PartitionParams(FaultParams):
    """The links cut together, or one service cut off from everything."""

    links: list[str] | None = Field(
        None,
        min_length=1,
        description="links cut at once, e.g. [router-3->gate, flow->router-3] to isolate router 3",
    )
    service: str | None = Field(
        None,
        pattern=r"^[a-z][a-z0-9-]*$",
        description="instead of links: cut this service off (on docker its container leaves"
        " the run's network; elsewhere every link it dials or is dialled on goes down)",
    )

    @field_validator("links")
    @classmethod
    def _names(cls, links: list[str] | None) -> list[str] | None:
        for link in links or []:
            DownParams(link=link)
        if links is not None and len(set(links)) != len(links):
            raise ValueError("a link is named twice")
        return links

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        if (self.links is None) == (self.service is None):
            raise ValueError("give either links or service")
        return self


class Partition(Fault[PartitionParams]):
    """A group of services cut off from the rest: every named link down at the same moment,
    or one service off the network altogether."""

    name = "partition"
    summary = "Cut several links at once, or isolate one service; revert heals them all."
    Params = PartitionParams

    def inject(self, ctx: FaultContext) -> FaultHandle:
        service = self.params.service
        if service is not None and isinstance(ctx.processes, ServiceIsolation):
            ctx.processes.isolate(service)
            return FaultHandle(self.name, service, {"links": [], "isolated": service})
        known = set(ctx.network.links())
        if service is not None:
            links = _links_of(service, known)
            if not links:
                raise FaultError(
                    f"partition: no link of the run reaches {service!r} (known links:"
                    f" {', '.join(sorted(known))})"
                )
        else:
            links = list(self.params.links or [])
        unknown = [link for link in links if link not in known]
        if unknown and known:
            # Checked first: a typo must cut nothing, not half a partition for a moment.
            raise FaultError(
                f"partition: unknown link {unknown[0]!r} (known links: {', '.join(sorted(known))})"
            )
        handle = FaultHandle(self.name, service or ",".join(links), {"links": []})
        try:
            for link in links:
                ctx.network.set_enabled(link, False)
                handle.detail["links"].append(link)
        except FaultError:
            self.revert(ctx, handle)
            raise
        return handle

    def revert(self, ctx: FaultContext, handle: FaultHandle) -> None:
        isolated = handle.detail.pop("isolated", None)
        if isolated is not None and isinstance(ctx.processes, ServiceIsolation):
            undo_quietly(handle, partial(ctx.processes.rejoin, str(isolated)))
        for link in handle.detail["links"]:
            undo_quietly(handle, partial(ctx.network.set_enabled, str(link), True))


def _links_of(service: str, links: set[str]) -> list[str]:
    """The links ``service`` dials or is dialled on, by their names (``client->server:port``,
    ``server:ssh``)."""
    found = []
    for link in sorted(links):
        ends, _, _port = link.partition(":")
        if service in ends.split("->"):
            found.append(link)
    return found


class DropSshParams(FaultParams):
    """Which router's SSH to break, and how."""

    router: str = Field(
        pattern=r"^router-[1-9][0-9]*$", description="the router whose SSH fails, e.g. router-8"
    )
    mode: Literal["refuse", "reset"] = Field(
        "refuse",
        description="refuse: connections to its SSH port are refused;"
        " reset: they connect, then are reset during the SSH handshake",
    )


class DropSsh(Fault[DropSshParams]):
    """Knight, 1 Aug 2012: the deploy cannot reach one server, and nobody notices."""

    name = "drop_ssh"
    summary = "Make SSH to one router fail (refused, or reset mid-handshake)."
    Params = DropSshParams

    def inject(self, ctx: FaultContext) -> FaultHandle:
        link = f"{self.params.router}:ssh"
        if self.params.mode == "refuse":
            ctx.network.set_enabled(link, False)
            return FaultHandle(self.name, self.params.router, {"link": link, "mode": "refuse"})
        # The server's banner is the first data back: it is swallowed and the socket reset.
        toxic = ctx.network.add_toxic(link, "reset_peer", "downstream", 1.0, {"timeout": 0})
        return FaultHandle(
            self.name, self.params.router, {"link": link, "mode": "reset", "toxic": toxic}
        )

    def revert(self, ctx: FaultContext, handle: FaultHandle) -> None:
        link = str(handle.detail["link"])
        if handle.detail["mode"] == "refuse":
            undo_quietly(handle, lambda: ctx.network.set_enabled(link, True))
        else:
            toxic = str(handle.detail["toxic"])
            undo_quietly(handle, lambda: ctx.network.remove_toxic(link, toxic))
