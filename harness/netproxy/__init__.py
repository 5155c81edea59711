"""Network faults through the Toxiproxy HTTP API.

:class:`NetProxy` is what a drill uses: links between services and the toxics on them, on a
real ``toxiproxy-server``/``noxious-server`` when one is installed or on the embedded server
(``services.toxiproxy``). :class:`ToxiproxyClient` is the typed API client underneath, and
``errors`` holds the exception tree.
"""

from __future__ import annotations

from .client import ToxiproxyClient
from .errors import (
    AlreadyExists,
    ApiError,
    InvalidArgument,
    InvalidRequest,
    LaunchError,
    NetProxyError,
    NotFound,
    ProxyAlreadyExists,
    ProxyNotFound,
    RequestTimeout,
    ServerFailure,
    ServerNotInstalled,
    ServerUnavailable,
    ToxicAlreadyExists,
    ToxicNotFound,
)
from .launch import (
    ServerBinary,
    ServerHandle,
    ServerKind,
    ServerMode,
    ServerProcess,
    ThreadServer,
    choose_binary,
    embedded_command,
    find_server_binaries,
    free_port,
    launch_binary,
    launch_server,
    server_env,
)
from .models import Address, ProxyInfo, Stream, ToxicInfo, ToxicType, parse_address
from .netproxy import NetProxy

__all__ = [
    "Address",
    "AlreadyExists",
    "ApiError",
    "InvalidArgument",
    "InvalidRequest",
    "LaunchError",
    "NetProxy",
    "NetProxyError",
    "NotFound",
    "ProxyAlreadyExists",
    "ProxyInfo",
    "ProxyNotFound",
    "RequestTimeout",
    "ServerBinary",
    "ServerFailure",
    "ServerHandle",
    "ServerKind",
    "ServerMode",
    "ServerNotInstalled",
    "ServerProcess",
    "ServerUnavailable",
    "Stream",
    "ThreadServer",
    "ToxicAlreadyExists",
    "ToxicInfo",
    "ToxicNotFound",
    "ToxicType",
    "ToxiproxyClient",
    "choose_binary",
    "embedded_command",
    "find_server_binaries",
    "free_port",
    "launch_binary",
    "launch_server",
    "parse_address",
    "server_env",
]
