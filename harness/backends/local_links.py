"""The links of a local run: one proxy per link on the run's proxy server, or direct.

A link's proxy is created once its server side has announced its port and
before its client starts, so the client dials the proxy from its first
connection on. The address of every link goes into the run state, where
later commands (``start``, a restart, a deploy to ``router-N:ssh``) and the
fault context find it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from harness.backends.local_proxy import HOST, ProxyServer, server_alive, stop_server
from harness.errors import TopologyError, UsageError
from harness.netproxy import (
    NetProxyError,
    ServerFailure,
    ServerNotInstalled,
    ServerUnavailable,
    ToxiproxyClient,
    free_port,
)
from harness.runstate import LinkRecord, RunState
from harness.topology import LinkPlan, NetProxyMode

_BIND_ATTEMPTS = 3


def proxy_name(run_id: str, link: str) -> str:
    """The proxy's name on the server: the run id, then the link name with ``->`` and ``:``
    spelled ``~`` and ``.``, since some servers cannot route escaped characters in a path."""
    return f"{run_id}.{link.replace('->', '~').replace(':', '.')}"


class RunLinks:
    """Creates the run's links as the topology comes up and records where each listens.

    Example (what ``LocalBackend.up`` does)::

        links = RunLinks(state)
        links.launch(seed=1)                  # spawns the server, does not wait
        ...                                   # tier 0 starts meanwhile
        links.ensure(plan.links, address)     # waits for the server once, creates proxies
        args = resolve_args(plan, ..., links=links.table())
    """

    def __init__(self, state: RunState) -> None:
        self.state = state
        self.server: ProxyServer | None = None

    @property
    def mode(self) -> NetProxyMode:
        mode: NetProxyMode = self.state.settings.get("netproxy", "auto")
        return mode

    def launch(self, seed: int | None = None) -> None:
        """Spawn the proxy server (unless ``off``) and record it at once, so that even an
        ``up`` killed in the next instant leaves a record for ``down`` to find."""
        if self.mode == "off":
            return
        log = Path(self.state.run_dir) / "logs" / "netproxy.log"
        try:
            self.server = ProxyServer(self.mode, log, seed=seed)
        except ServerNotInstalled as exc:
            raise UsageError(f"--netproxy {self.mode}: {exc}") from None
        self.state.netproxy = self.server.record()
        self.state.save()

    def _client(self) -> ToxiproxyClient | None:
        if self.mode == "off":
            return None
        if self.server is not None:
            self.server.wait_ready()
            if self.server.record() != self.state.netproxy:  # respawned on another port
                self.state.netproxy = self.server.record()
                self.state.save()
            return self.server.client()
        record = self.state.netproxy
        if record is None or not server_alive(record):
            raise TopologyError(
                f"{self.state.run_id}: its proxy server is not running"
                f" (--netproxy {self.mode}); bring the run down and up again"
            )
        return ToxiproxyClient(record.host, record.port)

    def ensure(self, links: Iterable[LinkPlan], address: Mapping[str, str]) -> None:
        """Create the links not made yet; their server sides must be in ``address``."""
        missing = [link for link in links if link.name not in self.state.links]
        if not missing:
            return
        client = self._client()
        for link in missing:
            upstream = address[link.target]
            if client is None:
                record = LinkRecord(
                    client=link.client, server=link.server, upstream=upstream, listen=upstream
                )
            else:
                name = proxy_name(self.state.run_id, link.name)
                listen = _create(client, name, upstream)
                record = LinkRecord(
                    client=link.client,
                    server=link.server,
                    upstream=upstream,
                    listen=listen,
                    proxy=name,
                )
            self.state.links[link.name] = record
        self.state.save()

    def table(self) -> dict[str, str]:
        """Link name to the address its client dials."""
        return {name: rec.listen for name, rec in self.state.links.items()}


def _create(client: ToxiproxyClient, name: str, upstream: str) -> str:
    # A concrete port: one request per link on every server (noxious does not report the
    # port it bound for port 0); a port taken meanwhile is a 500, answered with another.
    error: NetProxyError | None = None
    for _attempt in range(_BIND_ATTEMPTS):
        listen = f"{HOST}:{free_port(HOST)}"
        try:
            client.create_proxy(name, upstream=upstream, listen=listen)
        except ServerFailure as exc:
            error = exc
            continue
        except NetProxyError as exc:
            raise TopologyError(f"link proxy {name}: {exc}") from None
        return listen
    raise TopologyError(f"link proxy {name}: {error}")


def teardown(state: RunState, server: ProxyServer | None = None) -> None:
    """Delete the run's proxies and stop its server; quiet about what is already gone."""
    record = state.netproxy
    if record is None:
        return
    if server_alive(record):
        client = ToxiproxyClient(record.host, record.port, timeout=1.0)
        for name in sorted({rec.proxy for rec in state.links.values() if rec.proxy}):
            # The server is stopped next: a proxy it cannot delete goes with it.
            try:
                client.delete_proxy(name)
            except ServerUnavailable:
                break
            except NetProxyError:
                continue
    if server is not None and server.popen is not None:
        stop_server(server.record(), server.popen)
    else:
        stop_server(record)
