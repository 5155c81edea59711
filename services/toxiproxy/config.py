"""Server settings and the source of randomness for toxics."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

__all__ = ["VERSION", "Randomness", "ServerConfig"]

# Close to the Go release whose behaviour is followed, yet never mistaken for it.
VERSION = "2.12.0-gameday"


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """How to run the server: API address, optional seed, optional proxies file."""

    host: str = "127.0.0.1"
    port: int = 8474
    seed: int | None = None
    config_path: Path | None = None


class Randomness:
    """Random generators for toxicity rolls, jitter and slicing.

    With a seed, each toxic run on each connection gets a generator derived from the seed and
    from *where* it runs (proxy, connection number, direction, toxic, restart count), so a run
    is reproducible even when connections interleave differently.
    """

    def __init__(self, seed: int | None = None) -> None:
        self.seed = seed

    def for_run(
        self, proxy: str, connection: int, direction: str, toxic: str, run: int
    ) -> random.Random:
        if self.seed is None:
            return random.Random()
        return random.Random(f"{self.seed}\0{proxy}\0{connection}\0{direction}\0{toxic}\0{run}")
