"""Checks that need the whole drill or the world outside it.

The models check each field on its own. Here: that every step falls inside
the drill's clock, that every fault exists in the registry with valid
parameters, and that routers named in parameters exist in the topology.
Each check returns ``Problem``s with the path of the offending field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from faults.base import Fault
from harness.drill.models import Drill
from harness.drill.problems import Problem, did_you_mean, first_problem
from harness.drill.timing import When, format_duration, format_time_of_day
from harness.topology import router_names

FaultTable = Mapping[str, type[Fault[Any]]]


def _span(drill: Drill) -> str:
    start, end = drill.clock.start, drill.clock.end
    return f"the drill runs from {format_time_of_day(start)} to {format_time_of_day(end)}"


def _outside(drill: Drill, when: When, path: str) -> Problem | None:
    at = drill.resolve(when)
    if at is None or drill.clock.start <= at < drill.clock.end:
        return None
    shown = format_time_of_day(at)
    what = shown if when.time_s is not None else f"{when.text} ({shown})"
    return Problem(path, f"{what} is outside the drill; {_span(drill)}")


def check_times(drill: Drill) -> list[Problem]:
    """Every step fires inside the drill; a revert comes after its injection."""
    found: list[Problem] = []
    for i, step in enumerate(drill.timeline):
        found += [p for p in [_outside(drill, step.at, f"timeline[{i}].at")] if p]
        if step.until is None:
            continue
        at, until = drill.resolve(step.at), drill.resolve(step.until)
        if until is not None and until > drill.clock.end:
            found.append(
                Problem(
                    f"timeline[{i}].until",
                    f"{step.until.text} is after the drill ends; leave until out to revert "
                    "at the end",
                )
            )
        elif at is not None and until is not None and until <= at:
            found.append(
                Problem(
                    f"timeline[{i}].until",
                    f"{step.until.text} is not after the injection at {step.at.text}",
                )
            )
    for i, scripted in enumerate(drill.script):
        found += [p for p in [_outside(drill, scripted.at, f"script[{i}].at")] if p]
    longest = drill.clock.end - drill.clock.start
    limit = drill.abort.max_duration
    if limit is not None and limit > longest:
        found.append(
            Problem(
                "abort.max_duration",
                f"{format_duration(limit)} is longer than the drill ({format_duration(longest)}; "
                f"{_span(drill)}), so it would never fire",
            )
        )
    return found


def check_faults(drill: Drill, faults: FaultTable) -> list[Problem]:
    """Every fault is registered, its params validate, and the routers it names exist."""
    found: list[Problem] = []
    routers = router_names(drill.topology_settings(flow=False))
    for i, step in enumerate(drill.timeline):
        cls = faults.get(step.fault)
        if cls is None:
            hint = did_you_mean(step.fault, faults) or (
                "" if faults else "; no faults are registered (is gameday installed?)"
            )
            found.append(
                Problem(
                    f"timeline[{i}].fault",
                    f"unknown fault {step.fault!r}{hint} (see `gameday faults`)",
                )
            )
            continue
        try:
            cls.Params.model_validate(step.params)
        except ValidationError as exc:
            prefix = ("timeline", i, "params")
            found.append(first_problem(exc, cls.Params, step.params, prefix))
            continue
        except Exception as exc:
            # A third-party fault's Params may raise anything; a drill file
            # using it still deserves one line, not a traceback.
            problem = f"fault {step.fault} could not check them: {type(exc).__name__}: {exc}"
            found.append(Problem(f"timeline[{i}].params", problem))
            continue
        found += _check_routers(step.params, routers, f"timeline[{i}].params")
    return found


def _check_routers(params: Mapping[str, object], routers: list[str], path: str) -> list[Problem]:
    # Router names are a topology concept every fault shares, so they are
    # checked here once rather than by each fault's Params against a topology
    # it cannot see.
    named: list[tuple[str, object]] = []
    if "router" in params:
        named.append(("router", params["router"]))
    value = params.get("routers")
    if isinstance(value, list):
        named += [(f"routers[{j}]", v) for j, v in enumerate(value)]
    for key, router in named:
        if isinstance(router, str) and router not in routers:
            hint = did_you_mean(router, routers)
            return [
                Problem(
                    f"{path}.{key}",
                    f"no router {router!r} in this drill's topology "
                    f"({routers[0]} to {routers[-1]}){hint}",
                )
            ]
    return []
