"""Errors of the network-fault client, one tree under the harness's ``GamedayError``.

```
NetProxyError                     anything that went wrong with network faults
├── ServerUnavailable             no answer from the API (refused, reset, timed out)
│   └── RequestTimeout            the API accepted the request but did not answer in time
├── ApiError                      the API answered with an error status (.status, .message)
│   ├── InvalidRequest            400: the server refused the body
│   ├── NotFound                  404
│   │   ├── ProxyNotFound
│   │   └── ToxicNotFound
│   ├── AlreadyExists             409
│   │   ├── ProxyAlreadyExists
│   │   └── ToxicAlreadyExists
│   └── ServerFailure             any other status, e.g. 500 when a port cannot be bound
├── InvalidArgument               refused before sending: a bad name, a non-integer attribute
└── LaunchError                   a server could not be found, started or stopped
    └── ServerNotInstalled        no toxiproxy-server or noxious-server where one was required
```
"""

from __future__ import annotations

from harness.errors import GamedayError

__all__ = [
    "AlreadyExists",
    "ApiError",
    "InvalidArgument",
    "InvalidRequest",
    "LaunchError",
    "NetProxyError",
    "NotFound",
    "ProxyAlreadyExists",
    "ProxyNotFound",
    "RequestTimeout",
    "ServerFailure",
    "ServerNotInstalled",
    "ServerUnavailable",
    "ToxicAlreadyExists",
    "ToxicNotFound",
]


class NetProxyError(GamedayError):
    """A network fault could not be set up, changed or removed."""


class ServerUnavailable(NetProxyError):
    """The Toxiproxy API could not be reached."""


class RequestTimeout(ServerUnavailable):
    """The Toxiproxy API did not answer within the client's timeout."""


class ApiError(NetProxyError):
    """The Toxiproxy API answered with an error status."""

    def __init__(self, message: str, *, status: int, server_message: str) -> None:
        super().__init__(message)
        self.status = status
        self.server_message = server_message


class InvalidRequest(ApiError):
    """The server refused the request body (400)."""


class NotFound(ApiError):
    """The proxy or toxic does not exist (404)."""


class ProxyNotFound(NotFound):
    """No proxy of that name."""


class ToxicNotFound(NotFound):
    """No toxic of that name on the proxy."""


class AlreadyExists(ApiError):
    """The name is taken (409)."""


class ProxyAlreadyExists(AlreadyExists):
    """A proxy of that name exists."""


class ToxicAlreadyExists(AlreadyExists):
    """A toxic of that name exists on the proxy (in either stream)."""


class ServerFailure(ApiError):
    """Any other error status, e.g. 500 when the listen port cannot be bound."""


class InvalidArgument(NetProxyError, ValueError):
    """A value refused before anything was sent to the server."""


class LaunchError(NetProxyError):
    """A Toxiproxy-compatible server could not be started or stopped."""


class ServerNotInstalled(LaunchError):
    """No external server binary was found where one was required."""
