"""What network faults share: naming a link, a toxic's direction and odds, undoing quietly.

A link is one connection of the topology, named after who talks to whom
(``router-3->gate``, ``exchange->monitor:dropcopy``, ``router-8:ssh``; the
list is in ``docs/faults.md``). On a link, *downstream* is what its server
sends to its client (the drop copy flowing to the monitor, acks flowing back
to a router) and *upstream* what the client sends (orders going to the gate).

A toxic fault is one Toxiproxy toxic on one link: ``inject`` adds it,
``revert`` removes it. Subclasses only say which toxic and which attributes.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from pydantic import Field

from faults.base import Fault, FaultError, FaultHandle, FaultParams
from faults.context import FaultContext, Stream

log = logging.getLogger(__name__)

LINK_PATTERN = r"^[a-z][a-z0-9-]*(->[a-z][a-z0-9-]*)?(:[a-z]+)?$"


def link_field() -> Any:
    return Field(
        pattern=LINK_PATTERN,
        description="the link, e.g. exchange->monitor:dropcopy or router-3->gate"
        " (every name is listed in docs/faults.md)",
    )


class LinkParams(FaultParams):
    """One link, the direction a toxic acts on, and the share of connections it hits."""

    link: str = link_field()
    stream: Stream = Field(
        "downstream",
        description="downstream: what the link's server sends its client;"
        " upstream: what the client sends the server",
    )
    toxicity: float = Field(
        1.0,
        ge=0.0,
        le=1.0,
        description="probability that the toxic applies, rolled for each connection",
    )


def undo_quietly(handle: FaultHandle, action: Callable[[], None]) -> None:
    """Run one step of a revert; a target that has gone (a stopped proxy server, a
    killed process) is logged, never raised, so it cannot hide the drill's own error."""
    try:
        action()
    except FaultError as exc:
        log.warning("revert %s on %s: %s", handle.fault, handle.target, exc)


LP = TypeVar("LP", bound=LinkParams)


class ToxicFault(Fault[LP]):
    """A fault made of one toxic on one link."""

    toxic_type: ClassVar[str]

    @abstractmethod
    def attributes(self) -> dict[str, int]:
        """The toxic's attributes, in Toxiproxy's names and units (every one of them:
        some servers refuse a toxic with an attribute left out)."""

    def inject(self, ctx: FaultContext) -> FaultHandle:
        p = self.params
        attributes = self.attributes()
        toxic = ctx.network.add_toxic(p.link, self.toxic_type, p.stream, p.toxicity, attributes)
        return FaultHandle(
            fault=self.name,
            target=p.link,
            detail={
                "link": p.link,
                "toxic": toxic,
                "type": self.toxic_type,
                "stream": p.stream,
                "toxicity": p.toxicity,
                "attributes": attributes,
            },
        )

    def revert(self, ctx: FaultContext, handle: FaultHandle) -> None:
        link, toxic = str(handle.detail["link"]), str(handle.detail["toxic"])
        undo_quietly(handle, lambda: ctx.network.remove_toxic(link, toxic))
