"""Push a build from the registry to every router over SSH and activate it.

Two modes:

- ``legacy`` is Knight's script. A host that cannot be reached, or whose
  upload or activation fails, is skipped without a word; the run reports
  success and nothing checks what the hosts actually run. The report's
  per-host entries still say ``skipped`` (that is where a post-mortem finds
  it), but ``ok`` is true and the summary line claims every host.
- ``verified`` fails loudly: every failure names its host and makes the run
  fail. After activating, it asks each host for its active build and
  compares the sha256 with the manifest. ``canary=N`` deploys to the first
  N hosts, verifies them, and only then does the rest; a failed canary
  leaves the others untouched (``not_attempted``).

``rollback`` ships the registry's ``previous`` build the same way. The
registry's ``current``/``previous`` move only when the run reports success
(which, in legacy mode, is always).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import asyncssh

from services.deploy.remote import (
    Credentials,
    RemoteError,
    open_session,
    parse_status,
    query_status,
    run_command,
)
from services.deploy.report import DeployMode, DeployReport, HostResult, HostSpec
from services.deploy.stages import (
    DeployAction,
    check_request,
    deploy_report,
    host_checked,
    host_failed,
    run_stages,
    status_report,
)
from services.router.artifacts import to_tar
from services.router.builds import BuildError, Manifest
from services.router.registry import BuildRegistry
from services.sshkeys import TopologyKeys

DEFAULT_CONNECT_TIMEOUT = 3.0
DEFAULT_COMMAND_TIMEOUT = 10.0
_FAILURES = (OSError, TimeoutError, asyncssh.Error, RemoteError, ValueError)


async def _push(
    spec: HostSpec,
    manifest: Manifest,
    archive: bytes,
    credentials: Credentials,
    mode: DeployMode,
    canary: bool,
    connect_timeout: float,
    command_timeout: float,
) -> HostResult:
    step = "connect"
    result = HostResult(name=spec.name, address=spec.address, status="ok", canary=canary)
    try:
        conn = await open_session(spec, credentials, connect_timeout)
        async with conn:
            step = "upload"
            await run_command(conn, f"upload {manifest.version}", command_timeout, archive)
            step = "activate"
            parse_status(await run_command(conn, f"activate {manifest.version}", command_timeout))
            if mode == "legacy":
                result.version, result.sha256 = manifest.version, manifest.sha256
                return result
            step = "verify"
            status = await query_status(conn, command_timeout)
    except _FAILURES as exc:
        return host_failed(result, mode, step, exc)
    return host_checked(result, manifest, status.version, status.sha256)


async def deploy(
    registry: BuildRegistry,
    version: str,
    hosts: Sequence[HostSpec],
    keys: TopologyKeys,
    mode: DeployMode = "verified",
    canary: int = 0,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    command_timeout: float = DEFAULT_COMMAND_TIMEOUT,
    action: DeployAction = "deploy",
) -> DeployReport:
    """Deploy ``version`` from ``registry`` to ``hosts``; never raises for a host's failure.

    Raises ``BuildError`` if the registry cannot supply the build and
    ``ValueError`` for arguments that make no sense (a canary in legacy mode).
    """
    check_request(hosts, mode, canary)
    artifact = registry.artifact(version)
    archive = to_tar(artifact)
    credentials = Credentials(keys)
    plan = run_stages(hosts, mode, canary)
    try:
        stage, is_canary = next(plan)
        while True:
            done = await asyncio.gather(
                *(
                    _push(
                        spec, artifact.manifest, archive, credentials, mode, is_canary,
                        connect_timeout, command_timeout,
                    )
                    for spec in stage
                )
            )  # fmt: skip
            stage, is_canary = plan.send(list(done))
    except StopIteration as finished:
        ordered: list[HostResult] = finished.value
    return deploy_report(registry, action, mode, artifact.manifest, ordered, canary)


async def rollback(
    registry: BuildRegistry,
    hosts: Sequence[HostSpec],
    keys: TopologyKeys,
    mode: DeployMode = "verified",
    canary: int = 0,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    command_timeout: float = DEFAULT_COMMAND_TIMEOUT,
) -> DeployReport:
    """Deploy the registry's ``previous`` build (``BuildError`` if there is none)."""
    target = registry.rollback_target()
    return await deploy(
        registry, target, hosts, keys, mode, canary, connect_timeout, command_timeout, "rollback"
    )


async def fleet_status(
    hosts: Sequence[HostSpec],
    keys: TopologyKeys,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    command_timeout: float = DEFAULT_COMMAND_TIMEOUT,
) -> DeployReport:
    """Every host's active build, as a report (``ok`` if every host answered)."""
    credentials = Credentials(keys)

    async def one(spec: HostSpec) -> HostResult:
        result = HostResult(name=spec.name, address=spec.address, status="ok")
        try:
            conn = await open_session(spec, credentials, connect_timeout)
            async with conn:
                status = await query_status(conn, command_timeout)
        except _FAILURES as exc:
            return host_failed(result, "verified", "status", exc)
        result.version, result.sha256 = status.version, status.sha256
        return result

    return status_report(list(await asyncio.gather(*(one(spec) for spec in hosts))))


__all__ = ["BuildError", "deploy", "fleet_status", "rollback"]
