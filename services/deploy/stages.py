"""What a deploy decides, apart from how it reaches the hosts.

The SSH deploy (``deploy.py``) and the in-process simulation share these: the
checks on the request, the stages (canary first), when a failed stage halts
the rest, each host's outcome and the report, which moves the registry's
``current``/``previous`` only when the run reports success (in legacy mode,
always).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from typing import Literal

from services.deploy.report import DeployMode, DeployReport, HostResult, HostSpec
from services.router.builds import Manifest
from services.router.registry import BuildRegistry

DeployAction = Literal["deploy", "rollback"]


def check_request(hosts: Sequence[HostSpec], mode: DeployMode, canary: int) -> None:
    """``ValueError`` for arguments that make no sense (no hosts, a canary in legacy mode)."""
    if not hosts:
        raise ValueError("no hosts to deploy to")
    if canary < 0 or canary > len(hosts):
        raise ValueError(f"canary: expected 0..{len(hosts)} hosts, got {canary}")
    if canary and mode != "verified":
        raise ValueError("canary: only the verified mode deploys in stages")


def stages(hosts: Sequence[HostSpec], canary: int) -> list[tuple[list[HostSpec], bool]]:
    """The hosts of each stage, in order, and whether the stage is the canary."""
    if not canary:
        return [(list(hosts), False)]
    return [(list(hosts[:canary]), True), (list(hosts[canary:]), False)]


Stage = tuple[list[HostSpec], bool]
"""The hosts of one stage and whether it is the canary."""
StagePlan = Generator[Stage, list[HostResult], list[HostResult]]


def run_stages(hosts: Sequence[HostSpec], mode: DeployMode, canary: int) -> StagePlan:
    """Yields each stage to push and takes its results back; returns every host's, in order.

    A failed stage in verified mode halts the rest: their hosts are
    ``not_attempted`` and never yielded. The caller decides how hosts are
    reached (SSH in parallel, or the simulation in process).
    """
    results: dict[str, HostResult] = {}
    halted = False
    for stage, is_canary in stages(hosts, canary):
        if not stage:
            continue
        if halted:
            for spec in stage:
                results[spec.name] = HostResult(
                    name=spec.name, address=spec.address, status="not_attempted"
                )
            continue
        done = yield stage, is_canary
        for result in done:
            results[result.name] = result
        halted = mode == "verified" and any(r.status != "ok" for r in done)
    return [results[spec.name] for spec in hosts]


def run_stages_now(
    hosts: Sequence[HostSpec],
    mode: DeployMode,
    canary: int,
    push: Callable[[HostSpec, bool], HostResult],
) -> list[HostResult]:
    """``run_stages`` with a push that answers at once (one host after another)."""
    plan = run_stages(hosts, mode, canary)
    try:
        stage, is_canary = next(plan)
        while True:
            stage, is_canary = plan.send([push(spec, is_canary) for spec in stage])
    except StopIteration as finished:
        results: list[HostResult] = finished.value
        return results


def describe(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, TimeoutError) and not text:
        return "timed out"
    return text or type(exc).__name__


def host_failed(result: HostResult, mode: DeployMode, step: str, exc: BaseException) -> HostResult:
    """A host that failed at ``step``: skipped without a word in legacy mode, failed otherwise."""
    result.status = "skipped" if mode == "legacy" else "failed"
    result.error = f"{result.name} ({result.address}): {step}: {describe(exc)}"
    return result


def host_checked(result: HostResult, manifest: Manifest, version: str, sha256: str) -> HostResult:
    """A host that answered ``status`` after activation: failed unless it runs the manifest."""
    result.version, result.sha256 = version, sha256
    if version != manifest.version or sha256 != manifest.sha256:
        result.status = "failed"
        result.error = (
            f"{result.name} ({result.address}): verify: runs {version} "
            f"sha256 {sha256[:12]}..., manifest says {manifest.version} "
            f"sha256 {manifest.sha256[:12]}..."
        )
    return result


def deploy_report(
    registry: BuildRegistry,
    action: DeployAction,
    mode: DeployMode,
    manifest: Manifest,
    results: list[HostResult],
    canary: int,
) -> DeployReport:
    """The report of a deploy or rollback; records the deploy in the registry on success."""
    failed = [r.name for r in results if r.status in ("failed", "not_attempted")]
    skipped = [r.name for r in results if r.status == "skipped"]
    ok = mode == "legacy" or not failed
    updated = False
    if ok:
        registry.record_deployed(manifest.version)
        updated = True
    what = f"{action} {manifest.version} ({mode})"
    if mode == "legacy":
        # Knight's script: the summary never mentions the host it skipped.
        message = f"{what}: done on {len(results)} hosts"
    elif ok:
        message = f"{what}: {len(results)}/{len(results)} hosts run sha256 {manifest.sha256[:12]}"
    else:
        reasons = [r.error for r in results if r.status == "failed" and r.error]
        untouched = [r.name for r in results if r.status == "not_attempted"]
        message = f"{what}: FAILED on {', '.join(n for n in failed if n not in untouched)}"
        if reasons:
            message += " - " + "; ".join(reasons)
        if untouched:
            message += f"; not attempted: {', '.join(untouched)}"
    return DeployReport(
        action=action,
        mode=mode,
        version=manifest.version,
        sha256=manifest.sha256,
        ok=ok,
        hosts=results,
        canary=[r.name for r in results if r.canary],
        failed=failed if mode == "verified" else [],
        skipped=skipped,
        registry=registry.state,
        registry_updated=updated,
        message=message,
    )


def status_report(results: list[HostResult]) -> DeployReport:
    """Every host's active build as a report (``ok`` if every host answered)."""
    failed = [r.name for r in results if r.status != "ok"]
    versions = sorted({r.version for r in results if r.version})
    return DeployReport(
        action="status",
        mode="verified",
        version=versions[0] if len(versions) == 1 else None,
        sha256=None,
        ok=not failed,
        hosts=results,
        failed=failed,
        message=f"status: {len(results) - len(failed)}/{len(results)} hosts answered; "
        f"versions: {', '.join(versions) or 'none'}",
    )
