"""Same seed, same world; another seed, another world; and the world fits the fault Protocols."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from faults.context import FaultContext, NetworkControl, ProcessControl, ScenarioControl
from faults.registry import build
from harness.runner.system import SystemUnderTest
from harness.sim import SimWorld
from services.clock import MARKET_OPEN_US, US
from tests.unit.sim_support import knight_morning

VIEWS = [
    ("monitor", "/positions"),
    ("monitor", "/stats"),
    ("exchange", "/stats"),
    ("exchange", "/symbols"),
    ("gate", "/stats"),
    ("alerts", "/log"),
    ("router-8", "/stats"),
    ("flow", "/stats"),
]
ROOT = Path(__file__).resolve().parents[2]


def drive(tmp_path: Path, seed: int) -> SimWorld:
    """The same steps every time: the morning, a latency with jitter, the open, a rollback."""
    world = knight_morning(tmp_path, seed=seed)
    latency = build("latency", {"link": "router-8->gate", "latency_ms": 3, "jitter_ms": 2})
    handle = latency.inject(world.context)
    world.run_until(MARKET_OPEN_US + 5 * US)
    world.rollback()
    latency.revert(world.context, handle)
    world.run_until(MARKET_OPEN_US + 15 * US)
    return world


def answers(world: SimWorld) -> list[dict[str, Any]]:
    return [world.admin(service, "GET", path) for service, path in VIEWS]


def digest(world: SimWorld) -> str:
    return hashlib.sha256(json.dumps(answers(world), sort_keys=True).encode()).hexdigest()


def test_the_same_seed_gives_the_same_answers_and_another_seed_does_not(tmp_path: Path) -> None:
    first, second = drive(tmp_path / "a", 1), drive(tmp_path / "b", 1)
    assert first.events == second.events
    assert answers(first) == answers(second)
    other = drive(tmp_path / "c", 2)
    assert answers(other)[0] != answers(first)[0], "another seed, other positions"
    assert digest(other) != digest(first)


def test_the_same_seed_gives_the_same_world_in_another_process(tmp_path: Path) -> None:
    here = digest(drive(tmp_path / "here", 1))
    script = (
        "import sys; from pathlib import Path; "
        "from tests.unit.test_sim_determinism import digest, drive; "
        "print(digest(drive(Path(sys.argv[1]), 1)))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "there")],
        capture_output=True, text=True, check=True, env=env, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert out.stdout.strip() == here, "no hash order, wall clock or unseeded randomness"


@runtime_checkable
class CheckedContext(FaultContext, Protocol):
    """``FaultContext``, checkable with isinstance."""


@runtime_checkable
class CheckedNetwork(NetworkControl, Protocol):
    """``NetworkControl``, checkable with isinstance."""


@runtime_checkable
class CheckedProcesses(ProcessControl, Protocol):
    """``ProcessControl``, checkable with isinstance."""


@runtime_checkable
class CheckedScenario(ScenarioControl, Protocol):
    """``ScenarioControl``, checkable with isinstance."""


def test_the_context_is_a_fault_context(tmp_path: Path) -> None:
    world = knight_morning(tmp_path)
    ctx = world.context
    assert isinstance(ctx, CheckedContext)
    assert isinstance(ctx.network, CheckedNetwork)
    assert isinstance(ctx.processes, CheckedProcesses)
    assert isinstance(ctx.scenario, CheckedScenario)
    assert ctx.scenario.registry_dir == tmp_path / "run-1" / "registry"
    assert ctx.scenario.flow == "flow" and ctx.scenario.deploy_exclusions == set()
    assert "router-8:ssh" in ctx.network.links() and "flow->router-8" in ctx.network.links()
    assert ctx.processes.services()[-1] == "flow"
    assert ctx.admin("flow", "POST", "/rlp-flag", {"on": True}) == {"rlp_flag": True, "was": True}


@runtime_checkable
class CheckedSystem(SystemUnderTest, Protocol):
    """The runner's ``SystemUnderTest``, checkable with isinstance."""


def test_the_world_is_a_system_under_test_on_drill_time(tmp_path: Path) -> None:
    world = knight_morning(tmp_path)
    assert isinstance(world, CheckedSystem)
    ran: list[int] = []
    world.at(MARKET_OPEN_US, lambda: ran.append(world.now()))
    world.start_clock()
    world.wait_until(MARKET_OPEN_US + US)
    world.wait_until(MARKET_OPEN_US)  # already past: nothing
    assert ran == [MARKET_OPEN_US] and world.now() == MARKET_OPEN_US + US
