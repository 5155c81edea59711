"""The gameday pytest plugin: resilience drills as tests (``docs/ci.md``).

Registered through the ``pytest11`` entry point, so it loads in every pytest
session of an environment where gameday is installed. It therefore imports
nothing but pytest and the standard library here; the framework is imported
inside the fixture and hooks, and only once a test asks for a drill. A
session that never uses the ``gameday`` fixture or the ``drill`` marker pays
for one ``get_closest_marker`` per test and nothing else.

>>> @pytest.mark.drill("flag-reuse", responder="by-the-book", expect=["grade >= B"])
... def test_router_runaway_is_stopped() -> None: ...    # doctest: +SKIP

>>> def test_kill_switch(gameday) -> None:               # doctest: +SKIP
...     report = gameday.run("flag-reuse", responder="asleep", controls="modern")
...     assert report.scores.loss_usd < 1_000_000
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from harness.pytest_drills import DrillSession, Gameday

MARKER = (
    "drill(name, responder='by-the-book', controls=None, expect=None, seed=None, speed=None, "
    "scale=None, backend=None): run the gameday drill NAME for this test and fail it if an "
    "expectation ('time_to_detect_s <= 30', ...; default the drill's own) does not hold"
)

_SESSION = pytest.StashKey["DrillSession"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gameday", "gameday resilience drills")
    group.addoption(
        "--gameday-backend",
        default="sim",
        choices=("sim", "local"),
        help="Backend the drills run on (default: sim, deterministic and fast).",
    )
    group.addoption(
        "--gameday-report-dir",
        default=None,
        help="Keep each drill's report directory under this directory "
        "(default: the test's tmp_path).",
    )
    group.addoption(
        "--gameday-team", default="", help="Team the runs are recorded under in history."
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)


def _session(config: pytest.Config) -> DrillSession:
    """The session's drill bookkeeping, created (and the framework imported) on first use."""
    found = config.stash.get(_SESSION, None)
    if found is None:
        from harness.pytest_drills import DrillSession

        found = config.stash[_SESSION] = DrillSession(config)
    return found


@pytest.fixture
def gameday(request: pytest.FixtureRequest) -> Gameday:
    """Runs drills for this test: ``gameday.run("flag-reuse", responder=..., expect=[...])``."""
    from harness.pytest_drills import Gameday

    return Gameday(_session(request.config), request)


@pytest.fixture(autouse=True)
def _gameday_drill_marker(request: pytest.FixtureRequest) -> None:
    # Runs the marker's drill during setup so the test body can read the report
    # (``gameday.marked``); whether its expectations held is judged in the call.
    if request.node.get_closest_marker("drill") is None:
        return
    from harness.pytest_drills import Gameday

    Gameday(_session(request.config), request).run_marker()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, Any, Any]:
    result = yield
    if item.get_closest_marker("drill") is not None:
        _session(item.config).judge_marker(item)
    return result


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    found = config.stash.get(_SESSION, None)
    if found is not None and found.uses:
        terminalreporter.section("Resilience summary")
        for line in found.summary_lines():
            terminalreporter.write_line(line)
