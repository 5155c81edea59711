"""Network faults for a drill: links between services through a Toxiproxy-compatible server."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from types import TracebackType

from . import errors
from .client import DEFAULT_TIMEOUT, ToxiproxyClient
from .launch import ServerHandle, ServerKind, ServerMode, free_port, launch_server
from .models import Address, ProxyInfo, Stream, parse_address

__all__ = ["NetProxy"]

AddressLike = str | Address | tuple[str, int]


class NetProxy:
    """Links (proxies) and the faults (toxics) on them, on one server.

    Create it with :meth:`start` (which launches a server it then owns) or :meth:`connect`
    (an already running server). On :meth:`close`, or leaving a ``with`` block, it stops the
    server it started, or else deletes the links it created.

    Example::

        with NetProxy.start("auto", seed=1) as net:
            addr = net.create_link("router-exchange", "127.0.0.1:0", "127.0.0.1:9001")
            name = net.add_toxic("router-exchange", "latency", attributes={"latency": 250})
            ...
            net.remove_toxic("router-exchange", name)
    """

    def __init__(self, client: ToxiproxyClient, server: ServerHandle | None = None) -> None:
        self.client = client
        self.server = server
        self._links: set[str] = set()

    @classmethod
    def start(
        cls,
        mode: ServerMode = "auto",
        *,
        seed: int | None = None,
        in_thread: bool = False,
        startup_timeout: float = 10.0,
        request_timeout: float = DEFAULT_TIMEOUT,
    ) -> NetProxy:
        """Launch a server (see :func:`launch_server`) on a free loopback port."""
        server = launch_server(mode, seed=seed, in_thread=in_thread, timeout=startup_timeout)
        return cls(ToxiproxyClient(server.host, server.port, timeout=request_timeout), server)

    @classmethod
    def connect(
        cls, host: str = "127.0.0.1", port: int = 8474, *, request_timeout: float = DEFAULT_TIMEOUT
    ) -> NetProxy:
        """Use a server that is already running; it is left running on :meth:`close`."""
        client = ToxiproxyClient(host, port, timeout=request_timeout)
        client.version()  # fail now, with a clear message, if nothing answers
        return cls(client)

    @property
    def kind(self) -> ServerKind | None:
        """Which implementation was launched, or None for a server found running."""
        return self.server.kind if self.server is not None else None

    # Links --------------------------------------------------------------------------------
    def create_link(
        self, name: str, listen: AddressLike, upstream: AddressLike, *, enabled: bool = True
    ) -> Address:
        """Create a proxy; returns the address it listens on (port 0 becomes a real port)."""
        wanted = parse_address(listen)
        target = str(parse_address(upstream))
        proxy = self.client.create_proxy(name, upstream=target, listen=str(wanted), enabled=enabled)
        self._links.add(name)
        if wanted.port != 0 or proxy.listen_address.port != 0:
            return proxy.listen_address
        # Servers that do not report the port they bound (noxious) get a concrete free port.
        self.client.delete_proxy(name)
        last: errors.NetProxyError | None = None
        for _attempt in range(3):
            concrete = Address(wanted.host, free_port(wanted.host))
            try:
                proxy = self.client.create_proxy(
                    name, upstream=target, listen=str(concrete), enabled=enabled
                )
            except errors.ServerFailure as exc:  # the port was taken meanwhile
                last = exc
                continue
            return proxy.listen_address
        assert last is not None
        raise last

    def link(self, name: str) -> ProxyInfo:
        return self.client.get_proxy(name)

    def set_enabled(self, link: str, enabled: bool) -> None:
        """Disable: refuse new connections and drop live ones. Enable: listen again."""
        proxy = self.client.update_proxy(link, enabled=enabled)
        if proxy.enabled != enabled:
            raise errors.ServerFailure(
                f"set proxy {link!r} enabled={enabled}: the server reports enabled={proxy.enabled}",
                status=200,
                server_message="",
            )

    def delete_link(self, name: str) -> None:
        self.client.delete_proxy(name)
        self._links.discard(name)

    # Toxics -------------------------------------------------------------------------------
    def add_toxic(
        self,
        link: str,
        type: str,
        stream: Stream = "downstream",
        toxicity: float = 1.0,
        attributes: Mapping[str, int] | None = None,
        *,
        name: str | None = None,
    ) -> str:
        """Add a toxic to a link; returns its name (``<type>_<stream>`` unless given)."""
        if stream not in ("upstream", "downstream"):
            raise errors.InvalidArgument(f"stream must be upstream or downstream, not {stream!r}")
        toxic = self.client.add_toxic(
            link, type, stream=stream, toxicity=toxicity, attributes=attributes, name=name
        )
        return toxic.name

    def update_toxic(
        self,
        link: str,
        name: str,
        *,
        toxicity: float | None = None,
        attributes: Mapping[str, int] | None = None,
    ) -> None:
        self.client.update_toxic(link, name, toxicity=toxicity, attributes=attributes)

    def remove_toxic(self, link: str, name: str) -> None:
        self.client.remove_toxic(link, name)

    # Everything ---------------------------------------------------------------------------
    def reset(self) -> None:
        """Enable every link and remove every toxic."""
        self.client.reset()

    def delete_all(self) -> None:
        """Delete every link on the server, including those other clients created."""
        self.client.delete_all()
        self._links.clear()

    def close(self) -> None:
        """Stop the server if this object started it; otherwise delete the links it created."""
        server, self.server = self.server, None
        if server is not None:
            server.stop()
            self._links.clear()
            return
        for name in sorted(self._links):
            with contextlib.suppress(errors.ProxyNotFound):
                self.client.delete_proxy(name)
        self._links.clear()

    def __enter__(self) -> NetProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
