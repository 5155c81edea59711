"""The deploy tool against eight real router processes over real SSH.

Knight's setup: eight SMARS servers on the old build, a deploy of the RLP
build during which the eighth server's SSH refuses connections.
"""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness.processes import ServiceProcess, start_service
from services.deploy import HostSpec, deploy, fleet_status, rollback
from services.net.admin_client import call
from services.router.builds import generate_build
from services.router.registry import BuildRegistry
from services.sshkeys import TopologyKeys, ensure_keys

NAMES = [f"router-{i}" for i in range(1, 9)]
OLD, NEW = generate_build("2003.1").manifest, generate_build("2012.07").manifest


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> TopologyKeys:
    return ensure_keys(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def fleet(
    tmp_path_factory: pytest.TempPathFactory, keys: TopologyKeys
) -> Iterator[dict[str, ServiceProcess]]:
    base = tmp_path_factory.mktemp("fleet")

    def start(name: str) -> ServiceProcess:
        args = ["--name", name, "--keys", str(keys.directory),
                "--build-dir", str(base / name), "--initial-build", "2003.1"]  # fmt: skip
        return start_service(name, "router", args, base / f"{name}.log")

    with ThreadPoolExecutor(len(NAMES)) as pool:
        futures = [pool.submit(start, name) for name in NAMES]
    routers: dict[str, ServiceProcess] = {}
    try:
        for future in futures:
            proc = future.result()
            routers[proc.name] = proc
        yield routers
    finally:
        for proc in routers.values():
            proc.stop()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def hosts(fleet: dict[str, ServiceProcess], refused: str | None = None) -> list[HostSpec]:
    return [
        HostSpec(
            name=name,
            host="127.0.0.1",
            port=closed_port() if name == refused else fleet[name].ports["ssh"],
        )
        for name in NAMES
    ]


def active(fleet: dict[str, ServiceProcess]) -> dict[str, str]:
    return {
        name: call("127.0.0.1", proc.ports["admin"], "GET", "/build")["version"]
        for name, proc in fleet.items()
    }


@pytest.fixture
def registry(tmp_path: Path, fleet: dict[str, ServiceProcess], keys: TopologyKeys) -> BuildRegistry:
    """A fresh registry on 2003.1, and every router put back on 2003.1."""
    scratch = BuildRegistry.create(tmp_path / "scratch")
    report = asyncio.run(deploy(scratch, "2003.1", hosts(fleet), keys))
    assert report.ok, report.message
    return BuildRegistry.create(tmp_path / "registry", current="2003.1")


def run_cli(
    registry: BuildRegistry, keys: TopologyKeys, specs: list[HostSpec], *args: str
) -> subprocess.CompletedProcess[str]:
    host_args = ",".join(f"{h.name}={h.address}" for h in specs)
    return subprocess.run(
        [sys.executable, "-m", "services.deploy", "--registry", str(registry.root),
         "--keys", str(keys.directory), "--hosts", host_args, *args],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_legacy_deploy_skips_the_refused_server_and_reports_success(
    fleet: dict[str, ServiceProcess], keys: TopologyKeys, registry: BuildRegistry
) -> None:
    proc = run_cli(registry, keys, hosts(fleet, refused="router-8"), "--mode", "legacy",
                   "deploy", "2012.07")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["ok"] is True and report["failed"] == []
    assert "router-8" not in proc.stderr and "done on 8 hosts" in proc.stderr
    statuses = {h["name"]: h["status"] for h in report["hosts"]}
    assert statuses == {**dict.fromkeys(NAMES[:7], "ok"), "router-8": "skipped"}
    assert active(fleet) == {**dict.fromkeys(NAMES[:7], "2012.07"), "router-8": "2003.1"}
    assert (registry.state.current, registry.state.previous) == ("2012.07", "2003.1")


def test_verified_deploy_fails_loudly_naming_the_refused_server(
    fleet: dict[str, ServiceProcess], keys: TopologyKeys, registry: BuildRegistry
) -> None:
    proc = run_cli(registry, keys, hosts(fleet, refused="router-8"), "--mode", "verified",
                   "deploy", "2012.07")  # fmt: skip
    assert proc.returncode == 1
    assert "FAILED on router-8" in proc.stderr
    report = json.loads(proc.stdout)
    assert report["ok"] is False and report["failed"] == ["router-8"]
    eighth = report["hosts"][7]
    assert eighth["status"] == "failed" and "router-8" in eighth["error"]
    assert "connect" in eighth["error"]
    for host in report["hosts"][:7]:
        assert (host["status"], host["sha256"]) == ("ok", NEW.sha256)
    assert registry.state.current == "2003.1" and report["registry_updated"] is False


def test_canary_deploys_and_verifies_the_first_hosts_before_the_rest(
    fleet: dict[str, ServiceProcess], keys: TopologyKeys, registry: BuildRegistry
) -> None:
    bad = asyncio.run(deploy(registry, "2012.07", hosts(fleet, refused="router-1"), keys, canary=2))
    assert not bad.ok and bad.canary == ["router-1", "router-2"]
    assert [h.status for h in bad.hosts] == ["failed", "ok"] + ["not_attempted"] * 6
    assert "not attempted: router-3" in bad.message
    assert active(fleet) == {"router-1": "2003.1", "router-2": "2012.07",
                             **dict.fromkeys(NAMES[2:], "2003.1")}  # fmt: skip

    good = asyncio.run(deploy(registry, "2012.07", hosts(fleet), keys, canary=2))
    assert good.ok and good.canary == ["router-1", "router-2"] and good.failed == []
    assert {(h.status, h.version, h.sha256) for h in good.hosts} == {("ok", "2012.07", NEW.sha256)}
    assert set(active(fleet).values()) == {"2012.07"}


def test_rollback_puts_the_previous_build_back_on_every_host(
    fleet: dict[str, ServiceProcess], keys: TopologyKeys, registry: BuildRegistry
) -> None:
    assert asyncio.run(deploy(registry, "2012.07", hosts(fleet), keys)).ok
    report = asyncio.run(rollback(registry, hosts(fleet), keys))
    assert report.ok and report.action == "rollback" and report.version == "2003.1"
    assert set(active(fleet).values()) == {"2003.1"}
    assert (registry.state.current, registry.state.previous) == ("2003.1", "2012.07")
    status = asyncio.run(fleet_status(hosts(fleet), keys))
    assert status.ok and {h.sha256 for h in status.hosts} == {OLD.sha256}
    for proc in fleet.values():
        build = call("127.0.0.1", proc.ports["admin"], "GET", "/build")
        assert build["flag_bit_3"] == "power_peg"


def test_a_host_that_never_answers_costs_one_timeout(
    fleet: dict[str, ServiceProcess], keys: TopologyKeys, registry: BuildRegistry
) -> None:
    with socket.socket() as silent:  # accepts TCP, never speaks SSH
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        specs = hosts(fleet)
        specs[7] = HostSpec(name="router-8", host="127.0.0.1", port=silent.getsockname()[1])
        started = time.monotonic()
        report = asyncio.run(deploy(registry, "2012.07", specs, keys, connect_timeout=1.0))
        elapsed = time.monotonic() - started
    assert elapsed < 5
    assert report.failed == ["router-8"] and "timed out" in (report.host("router-8").error or "")


def test_usage_errors_exit_2_with_one_line(
    fleet: dict[str, ServiceProcess], keys: TopologyKeys, registry: BuildRegistry
) -> None:
    proc = run_cli(registry, keys, hosts(fleet), "deploy", "2099.1")
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("deploy: error:") and "no build 2099.1" in proc.stderr
    legacy_canary = run_cli(registry, keys, hosts(fleet), "--mode", "legacy", "--canary", "2",
                            "deploy", "2012.07")  # fmt: skip
    assert legacy_canary.returncode == 2 and "canary" in legacy_canary.stderr
    assert set(active(fleet).values()) == {"2003.1"}
