"""The deploy tool in the world: the real stages, outcomes and report; SSH by link state.

Each host is reached through its ``router-N:ssh`` link: a disabled link or a
dead router refuses the connection, a paused one lets it time out, and the
link's toxics act as they would on an SSH session (a reset, a timeout or a
small ``limit_data`` break the handshake; a slow ``bandwidth`` or a long
``latency`` runs into the deploy's timeouts). Past that, the router runs the
real management commands on its real build store. A deploy takes no drill
time: it happens at the instant it is called.
"""

from __future__ import annotations

from collections.abc import Callable

from harness.sim import toxics as tx
from harness.sim.network import REFUSED, SimNetwork
from harness.sim.routers import RouterNode
from services.deploy.remote import RemoteError, command_output, parse_status
from services.deploy.report import DeployMode, DeployReport, HostResult, HostSpec
from services.deploy.stages import (
    DeployAction,
    check_request,
    deploy_report,
    host_checked,
    host_failed,
    run_stages_now,
    status_report,
)
from services.router.artifacts import to_tar
from services.router.builds import Artifact
from services.router.registry import BuildRegistry

SSH_PORT = 22
_HANDSHAKE_BYTES = 4096
_HANDSHAKE_ROUND_TRIPS = 3
_CONNECT_TIMEOUT_US = 3_000_000
_COMMAND_TIMEOUT_US = 10_000_000
_FAILURES = (OSError, TimeoutError, RemoteError, ValueError)


def host_spec(router: str) -> HostSpec:
    return HostSpec(name=router, host=router, port=SSH_PORT)


def _reach(net: SimNetwork, node: RouterNode, upload: int) -> tuple[str, Exception] | None:
    """Where an SSH session to ``node`` would fail, and how; ``None`` if it would not."""
    link = net.link(f"{node.name}:ssh")
    if not link.enabled or not node.running:
        return "connect", ConnectionRefusedError(REFUSED)
    if node.proc.paused:
        return "connect", TimeoutError()
    for spec in link.toxics.values():
        if net.rng.random() >= spec.toxicity:
            continue
        if spec.kind in (tx.RESET_PEER, tx.TIMEOUT):
            error: Exception = (
                ConnectionResetError("Connection reset by peer")
                if spec.kind == tx.RESET_PEER
                else TimeoutError()
            )
            return "connect", error
        if spec.kind == tx.LIMIT_DATA:
            limit = spec.attr("bytes")
            if limit < _HANDSHAKE_BYTES:
                return "connect", ConnectionResetError("Connection lost")
            if spec.stream == "upstream" and limit < _HANDSHAKE_BYTES + upload:
                return "upload", ConnectionResetError("Connection lost")
        if spec.kind == tx.LATENCY:
            round_trip = 2 * spec.attr("latency") * 1000
            if _HANDSHAKE_ROUND_TRIPS * round_trip > _CONNECT_TIMEOUT_US:
                return "connect", TimeoutError()
        if spec.kind == tx.BANDWIDTH:
            rate = spec.attr("rate")
            if rate <= 0 or (
                spec.stream == "upstream" and upload * 1000 // rate > _COMMAND_TIMEOUT_US
            ):
                return ("connect" if rate <= 0 else "upload"), TimeoutError()
    return None


def _run(node: RouterNode, command: str, stdin: bytes = b"") -> bytes:
    result = node.command(command, stdin)
    return command_output(command, result.status, result.stdout, result.stderr)


def push(
    net: SimNetwork,
    node: RouterNode,
    artifact: Artifact,
    archive: bytes,
    mode: DeployMode,
    canary: bool,
) -> HostResult:
    """Upload, activate and (verified) check one router, as the deploy's ``_push`` does."""
    spec = host_spec(node.name)
    manifest = artifact.manifest
    result = HostResult(name=spec.name, address=spec.address, status="ok", canary=canary)
    step = "connect"
    try:
        broken = _reach(net, node, len(archive))
        if broken is not None and broken[0] == "connect":
            raise broken[1]
        step = "upload"
        if broken is not None:
            raise broken[1]
        _run(node, f"upload {manifest.version}", archive)
        step = "activate"
        parse_status(_run(node, f"activate {manifest.version}"))
        if mode == "legacy":
            result.version, result.sha256 = manifest.version, manifest.sha256
            return result
        step = "verify"
        status = parse_status(_run(node, "status"))
    except _FAILURES as exc:
        return host_failed(result, mode, step, exc)
    return host_checked(result, manifest, status.version, status.sha256)


def deploy(
    net: SimNetwork,
    routers: Callable[[str], RouterNode],
    registry: BuildRegistry,
    version: str,
    names: list[str],
    mode: DeployMode,
    canary: int = 0,
    action: DeployAction = "deploy",
) -> DeployReport:
    """``services.deploy.deploy`` in the world (``BuildError``, ``ValueError`` as there)."""
    hosts = [host_spec(name) for name in names]
    check_request(hosts, mode, canary)
    artifact = registry.artifact(version)
    archive = to_tar(artifact)

    def one(spec: HostSpec, is_canary: bool) -> HostResult:
        return push(net, routers(spec.name), artifact, archive, mode, is_canary)

    results = run_stages_now(hosts, mode, canary, one)
    return deploy_report(registry, action, mode, artifact.manifest, results, canary)


def fleet_status(
    net: SimNetwork, routers: Callable[[str], RouterNode], names: list[str]
) -> DeployReport:
    """Every router's active build, asked over its SSH link."""
    results = []
    for name in names:
        spec = host_spec(name)
        result = HostResult(name=spec.name, address=spec.address, status="ok")
        node = routers(name)
        try:
            broken = _reach(net, node, 0)
            if broken is not None:
                raise broken[1]
            status = parse_status(_run(node, "status"))
        except _FAILURES as exc:
            results.append(host_failed(result, "verified", "status", exc))
            continue
        result.version, result.sha256 = status.version, status.sha256
        results.append(result)
    return status_report(results)
