"""Listen and upstream addresses: parsing, resolving and binding the way Go's ``net`` does.

Error texts copy Go's shape (``listen tcp 127.0.0.1:3310: bind: address already in use``)
because the API returns them verbatim and clients match on them.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import logging
import socket
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Acceptor",
    "AddressError",
    "ListenAddress",
    "bind_listener",
    "join_host_port",
    "resolve_listen",
    "split_host_port",
]

log = logging.getLogger(__name__)

_BIND_ERRORS = {
    errno.EADDRINUSE: "address already in use",
    errno.EADDRNOTAVAIL: "cannot assign requested address",
    errno.EACCES: "permission denied",
}


class AddressError(Exception):
    """An address that cannot be parsed, resolved or bound; ``str()`` is Go's message."""


@dataclass(frozen=True, slots=True)
class ListenAddress:
    """A resolved listen address: one family, one IP, one port."""

    family: socket.AddressFamily
    ip: str
    port: int

    def __str__(self) -> str:
        return join_host_port(self.ip, self.port)


def join_host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def split_host_port(address: str) -> tuple[str, str]:
    """``host:port`` to its parts; IPv6 hosts come in brackets, as in Go."""
    if address.startswith("["):
        close = address.find("]")
        if close < 0:
            raise AddressError(f"address {address}: missing ']' in address")
        host, rest = address[1:close], address[close + 1 :]
        if not rest.startswith(":"):
            raise AddressError(f"address {address}: missing port in address")
        return host, rest[1:]
    host, colon, port = address.rpartition(":")
    if not colon:
        raise AddressError(f"address {address}: missing port in address")
    if ":" in host:
        raise AddressError(f"address {address}: too many colons in address")
    return host, port


def _parse_port(address: str, port: str) -> int:
    if port.isdigit():
        number = int(port)
        if number <= 65535:
            return number
        raise AddressError(f"address {address}: invalid port")
    if port == "":
        return 0
    try:
        return socket.getservbyname(port, "tcp")
    except OSError:
        raise AddressError(f"lookup tcp/{port}: unknown port") from None


async def resolve_listen(listen: str) -> ListenAddress:
    """Resolve a listen string to a single address, IPv4 first (Go binds only one)."""
    if listen == "":
        listen = ":0"
    host, port_text = split_host_port(listen)
    port = _parse_port(listen, port_text)
    if host == "":
        family = socket.AF_INET6 if socket.has_ipv6 else socket.AF_INET
        return ListenAddress(family, "::" if family == socket.AF_INET6 else "0.0.0.0", port)
    try:
        ip = ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        pass
    else:
        family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
        return ListenAddress(family, str(ip), port)
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise AddressError(f"lookup {host}: no such host") from None
    infos.sort(key=lambda info: info[0] != socket.AF_INET)
    for family, _type, _proto, _name, sockaddr in infos:
        if family in (socket.AF_INET, socket.AF_INET6):
            return ListenAddress(socket.AddressFamily(family), str(sockaddr[0]), port)
    raise AddressError(f"lookup {host}: no such host")


def bind_listener(address: ListenAddress, backlog: int = 1024) -> socket.socket:
    """A listening, non-blocking socket; SO_REUSEADDR so a re-enable gets its port back."""
    sock = socket.socket(address.family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if address.family == socket.AF_INET6 and address.ip == "::":
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        sock.bind((address.ip, address.port))
        sock.listen(backlog)
        sock.setblocking(False)
    except OSError as exc:
        sock.close()
        reason = _BIND_ERRORS.get(exc.errno or 0, exc.strerror or str(exc)).lower()
        raise AddressError(f"listen tcp {address}: bind: {reason}") from None
    return sock


def parse_upstream(upstream: str) -> tuple[str, int]:
    """Host and port to dial; raises AddressError for strings Go could not dial either."""
    host, port_text = split_host_port(upstream)
    return host, _parse_port(upstream, port_text)


class Acceptor:
    """Accepts connections on a listening socket and hands each to ``adopt`` in a task.

    It accepts from the loop's reader callback, so closing it can never strand a socket that
    was already accepted (``asyncio.Server`` in Python 3.11 and a cancelled ``sock_accept``
    both can, leaking the socket).
    """

    def __init__(
        self, sock: socket.socket, adopt: Callable[[socket.socket], Coroutine[Any, Any, None]]
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._sock = sock
        self._adopt = adopt
        self._pending: dict[asyncio.Task[None], socket.socket] = {}
        self._started: set[socket.socket] = set()
        self._closed = False
        self._loop.add_reader(sock.fileno(), self._ready)

    def _ready(self) -> None:
        for _ in range(64):
            try:
                conn, _peer = self._sock.accept()
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return
            except OSError:
                # Out of descriptors or buffers: pause briefly instead of spinning.
                log.warning("accept failed on %s", self._sock.getsockname(), exc_info=True)
                self._loop.remove_reader(self._sock.fileno())
                self._loop.call_later(0.1, self._resume)
                return
            conn.setblocking(False)
            with contextlib.suppress(OSError):
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            task = self._loop.create_task(self._guarded(conn))
            self._pending[task] = conn
            task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        conn = self._pending.pop(task, None)
        if conn is not None:
            self._started.discard(conn)

    def _resume(self) -> None:
        if not self._closed:
            self._loop.add_reader(self._sock.fileno(), self._ready)

    async def _guarded(self, conn: socket.socket) -> None:
        self._started.add(conn)
        try:
            await self._adopt(conn)
        except asyncio.CancelledError:
            conn.close()
            raise
        except Exception:
            log.debug("accepted connection failed", exc_info=True)
            conn.close()

    def close(self) -> None:
        """Stop accepting and close the listening socket; new connects are refused."""
        if self._closed:
            return
        self._closed = True
        self._loop.remove_reader(self._sock.fileno())
        self._sock.close()
        for task, conn in list(self._pending.items()):
            task.cancel()
            if conn not in self._started:
                # A task cancelled before its first step never runs its own cleanup.
                conn.close()
