"""What the pytest plugin does once a test asks for a drill (imported lazily by it).

``DrillSession`` runs drills in-process through ``DrillRun``, shares a run
between tests that ask for the same drill with the same settings on the
deterministic ``sim`` backend, records each run in history (source
``pytest``), checks expectations and keeps the lines of the Resilience summary.
``Gameday`` is what the ``gameday`` fixture hands a test.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from harness.drill.expectations import Expectation
from harness.drill.loader import load_drill
from harness.errors import GamedayError
from harness.history import record_run
from harness.journal import read_journal, verify
from harness.report import Report, build_report, write_report
from harness.responders.registry import responder_named
from harness.runner.run import DrillRun, RunOptions
from harness.scoring import ExpectationResult

_MARKED = pytest.StashKey["Use"]()
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class DrillKey:
    """Everything that decides a run's result; equal keys on ``sim`` give equal reports."""

    drill: str
    responder: str
    controls: str | None
    backend: str
    seed: int | None
    speed: float | None
    scale: float | None


@dataclass
class Use:
    """One test's use of a drill run, and what its expectations said."""

    nodeid: str
    key: DrillKey
    report: Report
    directory: Path
    shared: bool
    checks: list[ExpectationResult] = field(default_factory=list)


def _show(value: float | None, unit: str) -> str:
    if value is None:
        return "never"
    return f"${value:,.0f}" if unit == "$" else f"{value:.1f}s"


class DrillSession:
    """The session's drill runs: the cache, history records and the summary."""

    def __init__(self, config: pytest.Config) -> None:
        self.backend = str(config.getoption("gameday_backend"))
        chosen = config.getoption("gameday_report_dir")
        self.report_root = None if chosen is None else Path(str(chosen))
        self.team = str(config.getoption("gameday_team"))
        self.cache: dict[DrillKey, tuple[Report, Path]] = {}
        self.uses: list[Use] = []
        self.notes: list[str] = []

    def run(self, node: pytest.Item, tmp_path: Path, key: DrillKey) -> Use:
        if key.backend == "sim" and key in self.cache:
            report, directory = self.cache[key]
            use = Use(node.nodeid, key, report, directory, shared=True)
        else:
            directory = self._directory(node, tmp_path, key)
            report = self._execute(key, directory)
            if key.backend == "sim":
                self.cache[key] = (report, directory)
            use = Use(node.nodeid, key, report, directory, shared=False)
        self.uses.append(use)
        _attach(node, use)
        return use

    def _directory(self, node: pytest.Item, tmp_path: Path, key: DrillKey) -> Path:
        base = (
            tmp_path
            if self.report_root is None
            else self.report_root / _UNSAFE.sub("_", node.nodeid)
        )
        n = sum(1 for u in self.uses if u.nodeid == node.nodeid)
        return base / f"gameday-{key.drill}-{n}"

    def _execute(self, key: DrillKey, directory: Path) -> Report:
        try:
            drill = load_drill(key.drill)
            options = RunOptions(
                drill=drill,
                responder=responder_named(key.responder, drill.graded_against),
                backend=key.backend,
                controls=key.controls,
                seed=key.seed,
                speed=key.speed,
                scale=key.scale,
                report_dir=directory,
            )
            done = DrillRun(options).execute()
            journal = done / "journal.jsonl"
            report = build_report(read_journal(journal).events, journal=verify(journal))
            write_report(report, done)
        except GamedayError as exc:
            pytest.fail(f"gameday: drill {key.drill}: {exc}", pytrace=False)
        try:
            record_run(done, source="pytest", team=self.team, report=report)
        except GamedayError as exc:  # the test's verdict does not depend on history
            self.notes.append(f"not recorded in history: {exc}")
        return report

    def judge_marker(self, item: pytest.Item) -> None:
        use = item.stash.get(_MARKED, None)
        if use is not None:
            judge(use)

    def summary_lines(self) -> list[str]:
        lines = []
        for u in self.uses:
            s = u.report.scores
            verdict = "pass" if all(c.ok for c in u.checks) and _completed(u.report) else "FAIL"
            lines.append(
                f"{u.key.drill:<14} {u.key.responder:<12} {u.report.controls:<12} "
                f"detect {_show(s.time_to_detect_s, 's'):>7}  "
                f"mitigate {_show(s.time_to_mitigate_s, 's'):>7}  "
                f"loss {_show(s.loss_usd, '$'):>12}  grade {s.grade}  {verdict}"
                f"{'  (shared run)' if u.shared else ''}  {u.nodeid}"
            )
        return lines + self.notes


def _completed(report: Report) -> bool:
    return report.outcome in ("passed", "failed")


def _attach(node: pytest.Item, use: Use) -> None:
    """Scores as a report section and as user properties (so JUnit XML carries them)."""
    s = use.report.scores
    prefix = f"gameday.{use.key.drill}"
    node.user_properties.append((f"{prefix}.run_id", use.report.run_id))
    node.user_properties.append((f"{prefix}.report", str(use.directory)))
    for name, value in s.model_dump(mode="json").items():
        node.user_properties.append((f"{prefix}.{name}", "" if value is None else str(value)))
    text = "\n".join(f"{k}: {v}" for k, v in s.model_dump(mode="json").items())
    node.add_report_section("call", f"gameday {use.key.drill}", text)


def parse_expect(expect: Sequence[str]) -> list[Expectation]:
    """The expectations, parsed before any drill runs; a bad one fails the test at once."""
    parsed = []
    for text in expect:
        try:
            parsed.append(Expectation.model_validate(text))
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"]
            pytest.fail(f"gameday: bad expectation {text!r}: {reason}", pytrace=False)
    return parsed


def check(use: Use, expect: Sequence[Expectation] | None) -> list[ExpectationResult]:
    """``expect`` (default: the drill's own expectations) against the run's scores."""
    if expect is None:
        results = list(use.report.expectations)
    else:
        metrics = {**use.report.scores.model_dump(), **use.report.impact.model_dump()}
        results = [expectation.check(metrics) for expectation in expect]
    use.checks = results
    return results


def judge(use: Use) -> None:
    """Fail the test, listing each failed expectation, unless all held and the run completed."""
    failed = [c for c in use.checks if not c.ok]
    r = use.report
    if not failed and _completed(r):
        return
    head = (
        f"drill {use.key.drill} (responder {use.key.responder}, controls {r.controls}, "
        f"backend {r.backend}, run {r.run_id})"
    )
    lines = [f"{head}: {len(failed)} of {len(use.checks)} expectations failed"]
    if not _completed(r):
        lines[0] = f"{head}: run {r.outcome}: {r.outcome_detail}"
    lines += [f"  FAILED {c.name}: {c.detail}" for c in failed]
    lines.append(f"  report: {use.directory}")
    pytest.fail("\n".join(lines), pytrace=False)


class Gameday:
    """The ``gameday`` fixture: run drills in this test and read their reports."""

    def __init__(self, session: DrillSession, request: pytest.FixtureRequest) -> None:
        self._session = session
        self._request = request

    def run(
        self,
        drill: str,
        *,
        responder: str = "by-the-book",
        controls: str | None = None,
        backend: str | None = None,
        seed: int | None = None,
        speed: float | None = None,
        scale: float | None = None,
        expect: Sequence[str] | None = None,
    ) -> Report:
        """Run ``drill`` and return its report; with ``expect``, fail unless each holds."""
        wanted = None if expect is None else parse_expect(expect)
        key = DrillKey(
            drill, responder, controls, backend or self._session.backend, seed, speed, scale
        )
        tmp_path: Path = self._request.getfixturevalue("tmp_path")
        use = self._session.run(self._request.node, tmp_path, key)
        if wanted is not None:
            check(use, wanted)
            judge(use)
        return use.report

    def run_marker(self) -> None:
        marker = self._request.node.get_closest_marker("drill")
        assert marker is not None
        if len(marker.args) != 1:
            pytest.fail("gameday: @pytest.mark.drill takes one drill name", pytrace=False)
        kwargs: dict[str, Any] = dict(marker.kwargs)
        expect = kwargs.pop("expect", None)
        wanted = None if expect is None else parse_expect([str(e) for e in expect])
        try:
            self.run(str(marker.args[0]), **kwargs)
        except TypeError as exc:
            pytest.fail(f"gameday: @pytest.mark.drill: {exc}", pytrace=False)
        use = self._session.uses[-1]
        check(use, wanted)
        self._request.node.stash[_MARKED] = use

    @property
    def marked(self) -> Report:
        """The report of the run the test's ``drill`` marker asked for."""
        use: Use | None = self._request.node.stash.get(_MARKED, None)
        if use is None:
            raise LookupError("this test has no @pytest.mark.drill")
        return use.report
