"""Router management over real SSH, against a RouterService running in this process."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncssh
import pytest

from services.clock import MARKET_OPEN_US, ManualClock
from services.deploy.remote import Credentials, RemoteError, open_session, parse_status, run_command
from services.deploy.report import HostSpec
from services.router.artifacts import to_tar
from services.router.builds import generate_build
from services.router.core import RouterConfig, RouterCore
from services.router.server import RouterService
from services.router.store import BuildStore
from services.sshkeys import TopologyKeys, ensure_keys

Scenario = Callable[[RouterService, HostSpec, Credentials], Awaitable[None]]


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> TopologyKeys:
    return ensure_keys(tmp_path_factory.mktemp("keys"))


def run_with_router(keys: TopologyKeys, builds: Path, scenario: Scenario) -> None:
    async def main() -> None:
        store = BuildStore(builds)
        build = store.startup_build("2003.1")
        core = RouterCore(RouterConfig(name="router-5"), build.manifest)
        service = RouterService(core, ManualClock(MARKET_OPEN_US), store, keys, None, None)
        await service.start("127.0.0.1", 0, 0, 0)
        try:
            spec = HostSpec(name="router-5", host="127.0.0.1", port=service.ports["ssh"])
            await asyncio.wait_for(scenario(service, spec, Credentials(keys)), 30)
        finally:
            await service.stop()

    asyncio.run(main())


def test_upload_activate_and_status(keys: TopologyKeys, tmp_path: Path) -> None:
    new = generate_build("2012.07")

    async def scenario(service: RouterService, spec: HostSpec, creds: Credentials) -> None:
        async with await open_session(spec, creds, 3) as conn:
            before = parse_status(await run_command(conn, "status", 5))
            assert (before.host, before.version, before.flag_bit_3) == (
                "router-5", "2003.1", "power_peg",
            )  # fmt: skip
            await run_command(conn, "upload 2012.07", 5, to_tar(new))
            assert service.core.build.version == "2003.1"  # installed is not active
            after = parse_status(await run_command(conn, "activate 2012.07", 5))
            assert (after.version, after.sha256) == ("2012.07", new.manifest.sha256)
            assert after.features == ["power_peg", "rlp"] and after.flag_bit_3 == "rlp"
        assert service.core.build == new.manifest
        assert service.store.active_version() == "2012.07"

    run_with_router(keys, tmp_path / "builds", scenario)


def test_bad_commands_fail_with_a_message_and_a_status(keys: TopologyKeys, tmp_path: Path) -> None:
    async def scenario(service: RouterService, spec: HostSpec, creds: Credentials) -> None:
        async with await open_session(spec, creds, 3) as conn:
            cases = [
                ("frobnicate", None, "exited 2: unknown command 'frobnicate'"),
                ("status now", None, "exited 2: status takes no arguments"),
                ("upload", None, "exited 2: usage: upload VERSION"),
                ("upload 2012.07", b"", "exited 1: upload: no archive"),
                ("upload 2012.07", os.urandom(3000), "exited 1: upload: not a readable tar"),
                ("upload 2012.07", to_tar(generate_build("2003.1")), "holds build 2003.1"),
                ("activate 2099.9", None, "exited 1: activate: build 2099.9 is not installed"),
                ("activate ../../etc", None, "exited 1: activate: invalid version"),
                ("'unclosed", None, "exited 2: cannot parse command"),
            ]
            for command, stdin, expected in cases:
                with pytest.raises(RemoteError) as info:
                    await run_command(conn, command, 5, stdin)
                assert expected in str(info.value), command
            shell = await conn.run(encoding=None, check=False)
            assert shell.exit_status == 2 and b"no shell" in (shell.stderr or b"")
            assert parse_status(await run_command(conn, "status", 5)).version == "2003.1"
        assert service.commands.counts["unknown:failed"] == 1

    run_with_router(keys, tmp_path / "builds", scenario)


def test_only_the_topology_keys_get_in(keys: TopologyKeys, tmp_path: Path) -> None:
    stranger = ensure_keys(tmp_path / "other")

    async def scenario(service: RouterService, spec: HostSpec, creds: Credentials) -> None:
        impostor = Credentials(keys)
        impostor.client_key = stranger.load_client_key()
        with pytest.raises(asyncssh.PermissionDenied):
            await open_session(spec, impostor, 3)
        with pytest.raises(asyncssh.PermissionDenied):
            await asyncssh.connect(
                spec.host, spec.port, username="deploy", password="hunter2", client_keys=None,
                known_hosts=creds.known_hosts, agent_path=None, config=None, connect_timeout=3,
            )  # fmt: skip
        # A client that trusts another host key refuses this router.
        mixed = Credentials(keys)
        mixed.known_hosts = stranger.known_hosts()
        with pytest.raises(asyncssh.HostKeyNotVerifiable):
            await open_session(spec, mixed, 3)

    run_with_router(keys, tmp_path / "builds", scenario)


def test_garbage_on_the_ssh_port_does_not_hurt(keys: TopologyKeys, tmp_path: Path) -> None:
    async def scenario(service: RouterService, spec: HostSpec, creds: Credentials) -> None:
        payloads = [
            os.urandom(4096),
            b"SSH-2.0-garbage\r\n" + os.urandom(2048),
            b"GET / HTTP/1.1\r\n\r\n",
            b"\x00" * 70000,
        ]
        for payload in payloads:
            reader, writer = await asyncio.open_connection(spec.host, spec.port)
            writer.write(payload)
            await writer.drain()
            await asyncio.wait_for(reader.read(), 10)  # the router hangs up
            writer.close()
        async with await open_session(spec, creds, 3) as conn:
            assert parse_status(await run_command(conn, "status", 5)).host == "router-5"

    run_with_router(keys, tmp_path / "builds", scenario)
