"""A typed client for the Toxiproxy HTTP API, on top of ``toxiproxy-python`` 0.1.1.

It keeps the library's request and status-mapping code but removes its traps: every request
has a timeout; the server address belongs to the client instance instead of the process-wide
``APIConsumer``; every error status raises, with a message naming the proxy or toxic; toxics
can be updated; ``populate`` is the server's own endpoint; names are URL-quoted; integer
attributes are checked before they are sent.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import requests
from toxiproxy.api import APIConsumer
from toxiproxy.exceptions import InvalidToxic, NotFound, ProxyExists

from . import errors
from .models import ProxyInfo, ToxicInfo

__all__ = ["DEFAULT_TIMEOUT", "ToxiproxyClient"]

DEFAULT_TIMEOUT = 5.0


def _segment(kind: str, name: str) -> str:
    if not name or "/" in name:
        raise errors.InvalidArgument(f"{kind} name {name!r} cannot be used in a URL path")
    return quote(name, safe="")


def check_attributes(attributes: Mapping[str, object] | None) -> dict[str, int]:
    """Attributes as ints; Toxiproxy decodes them into Go integers and refuses ``100.0``."""
    checked: dict[str, int] = {}
    for key, value in (attributes or {}).items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise errors.InvalidArgument(f"toxic attribute {key}={value!r} must be an integer")
        if isinstance(value, float) and not value.is_integer():
            raise errors.InvalidArgument(f"toxic attribute {key}={value!r} must be a whole number")
        checked[key] = int(value)
    return checked


def _server_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text.strip() or response.reason or ""
    if isinstance(body, dict) and "error" in body:
        return str(body["error"])
    return response.text.strip()


class ToxiproxyClient:
    """One Toxiproxy-compatible server, addressed by this instance only.

    Example::

        client = ToxiproxyClient("127.0.0.1", 8474, timeout=5)
        proxy = client.create_proxy("db", upstream="127.0.0.1:5432", listen="127.0.0.1:0")
        client.add_toxic("db", "latency", attributes={"latency": 100})
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 8474, *, timeout: float = 5.0):
        self.host = host
        self.port = port
        self.timeout = timeout
        # A subclass per client: the library's classmethods then read this host and port
        # instead of the process-wide ones.
        self._api: Any = type("BoundAPIConsumer", (APIConsumer,), {"host": host, "port": port})

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    # Transport ----------------------------------------------------------------------------
    def _request(
        self,
        method: str,
        path: str,
        what: str,
        *,
        body: object = None,
        ok: Sequence[int] = (200,),
        proxy: str | None = None,
        toxic: str | None = None,
    ) -> requests.Response:
        kwargs: dict[str, Any] = {"timeout": self.timeout}
        if body is not None:
            kwargs["json"] = body
        url = f"{self.base_url}{path}"
        try:
            response: requests.Response = getattr(self._api, method)(path, **kwargs)
        except (ProxyExists, NotFound, InvalidToxic) as exc:
            raise self._error(exc, what, proxy, toxic) from None
        except requests.Timeout:
            raise errors.RequestTimeout(
                f"{what}: {url} did not answer within {self.timeout:g} s"
            ) from None
        except requests.RequestException as exc:
            raise errors.ServerUnavailable(f"{what}: cannot reach {url}: {exc}") from None
        if response.status_code not in ok:
            message = _server_message(response)
            raise errors.ServerFailure(
                f"{what}: expected HTTP {'/'.join(map(str, ok))}, got {response.status_code}"
                f" ({message})",
                status=response.status_code,
                server_message=message,
            )
        return response

    @staticmethod
    def _error(exc: Exception, what: str, proxy: str | None, toxic: str | None) -> errors.ApiError:
        content = exc.args[0] if exc.args else b""
        raw = content.decode(errors="replace") if isinstance(content, bytes) else str(content)
        try:
            body = json.loads(raw)
            message = str(body["error"]) if isinstance(body, dict) and "error" in body else raw
        except ValueError:
            message = raw.strip()
        # toxiproxy-python folds every 400, 404 and 409 into three classes; be precise again.
        cls: type[errors.ApiError]
        if isinstance(exc, ProxyExists):
            status = 409
            cls = errors.ToxicAlreadyExists if toxic is not None else errors.ProxyAlreadyExists
        elif isinstance(exc, NotFound):
            status, lowered = 404, message.lower()
            if "toxic" in lowered or ("proxy" not in lowered and toxic is not None):
                cls = errors.ToxicNotFound
            else:
                cls = errors.ProxyNotFound
        else:
            cls, status = errors.InvalidRequest, 400
        return cls(
            f"{what}: {message or 'HTTP ' + str(status)}", status=status, server_message=message
        )

    # Server -------------------------------------------------------------------------------
    def version(self) -> str:
        """The server's version string, whichever format it uses (JSON or plain text)."""
        response = self._request("get", "/version", "read server version")
        try:
            data = response.json()
        except ValueError:
            return response.text.strip()
        if isinstance(data, dict) and "version" in data:
            return str(data["version"])
        return response.text.strip()

    def is_running(self) -> bool:
        try:
            self.version()
        except errors.NetProxyError:
            return False
        return True

    def reset(self) -> None:
        """Enable every proxy and remove every toxic."""
        self._request("post", "/reset", "reset all proxies", ok=(204, 200))

    # Proxies ------------------------------------------------------------------------------
    def proxies(self) -> dict[str, ProxyInfo]:
        data = self._request("get", "/proxies", "list proxies").json()
        return {str(name): ProxyInfo.from_json(value) for name, value in data.items()}

    def get_proxy(self, name: str) -> ProxyInfo:
        path = f"/proxies/{_segment('proxy', name)}"
        response = self._request("get", path, f"read proxy {name!r}", proxy=name)
        return ProxyInfo.from_json(response.json())

    def create_proxy(
        self, name: str, *, upstream: str, listen: str = "127.0.0.1:0", enabled: bool = True
    ) -> ProxyInfo:
        _segment("proxy", name)
        body = {"name": name, "listen": listen, "upstream": upstream, "enabled": enabled}
        what = f"create proxy {name!r} ({listen} -> {upstream})"
        response = self._request("post", "/proxies", what, body=body, ok=(201,), proxy=name)
        return ProxyInfo.from_json(response.json())

    def update_proxy(
        self,
        name: str,
        *,
        listen: str | None = None,
        upstream: str | None = None,
        enabled: bool | None = None,
    ) -> ProxyInfo:
        """Change a proxy; the full record is sent, which every server version accepts."""
        current = self.get_proxy(name)
        body = {
            "name": name,
            "listen": current.listen if listen is None else listen,
            "upstream": current.upstream if upstream is None else upstream,
            "enabled": current.enabled if enabled is None else enabled,
        }
        path = f"/proxies/{_segment('proxy', name)}"
        response = self._request("post", path, f"update proxy {name!r}", body=body, proxy=name)
        return ProxyInfo.from_json(response.json())

    def delete_proxy(self, name: str) -> None:
        path = f"/proxies/{_segment('proxy', name)}"
        self._request("delete", path, f"delete proxy {name!r}", ok=(204, 200), proxy=name)

    def delete_all(self) -> None:
        for name in self.proxies():
            # Deleted meanwhile by someone else: the goal is reached all the same.
            with contextlib.suppress(errors.ProxyNotFound):
                self.delete_proxy(name)

    def populate(self, proxies: Sequence[Mapping[str, object]]) -> list[ProxyInfo]:
        """Create or keep proxies in one server-side call (``POST /populate``)."""
        body = [dict(p) for p in proxies]
        names = ", ".join(repr(p.get("name")) for p in body)
        response = self._request("post", "/populate", f"populate {names}", body=body, ok=(201,))
        data = response.json()
        # Toxiproxy answers {"proxies": [...]} (null when empty); noxious a bare list.
        items = data.get("proxies") if isinstance(data, dict) else data
        return [ProxyInfo.from_json(item) for item in items or ()]

    # Toxics -------------------------------------------------------------------------------
    def toxics(self, proxy: str) -> list[ToxicInfo]:
        path = f"/proxies/{_segment('proxy', proxy)}/toxics"
        data = self._request("get", path, f"list toxics of proxy {proxy!r}", proxy=proxy).json()
        return [ToxicInfo.from_json(item) for item in data]

    def get_toxic(self, proxy: str, name: str) -> ToxicInfo:
        for toxic in self.toxics(proxy):
            if toxic.name == name:
                return toxic
        raise errors.ToxicNotFound(
            f"toxic {name!r} not found on proxy {proxy!r}", status=404, server_message=""
        )

    def add_toxic(
        self,
        proxy: str,
        type: str,
        *,
        stream: str = "downstream",
        toxicity: float = 1.0,
        attributes: Mapping[str, object] | None = None,
        name: str | None = None,
    ) -> ToxicInfo:
        name = name or f"{type}_{stream}"
        _segment("toxic", name)
        body = {
            "name": name,
            "type": type,
            "stream": stream,
            "toxicity": float(toxicity),
            "attributes": check_attributes(attributes),
        }
        path = f"/proxies/{_segment('proxy', proxy)}/toxics"
        what = f"add {type} toxic {name!r} ({stream}) to proxy {proxy!r}"
        response = self._request("post", path, what, body=body, proxy=proxy, toxic=name)
        return ToxicInfo.from_json(response.json())

    def update_toxic(
        self,
        proxy: str,
        name: str,
        *,
        toxicity: float | None = None,
        attributes: Mapping[str, object] | None = None,
    ) -> ToxicInfo:
        """Merge new attributes and toxicity into a toxic (not offered by toxiproxy-python)."""
        current = self.get_toxic(proxy, name)
        body = {
            "name": name,
            "type": current.type,
            "stream": current.stream,
            "toxicity": float(current.toxicity if toxicity is None else toxicity),
            "attributes": {**current.attributes, **check_attributes(attributes)},
        }
        path = f"/proxies/{_segment('proxy', proxy)}/toxics/{_segment('toxic', name)}"
        what = f"update toxic {name!r} of proxy {proxy!r}"
        response = self._request("post", path, what, body=body, proxy=proxy, toxic=name)
        return ToxicInfo.from_json(response.json())

    def remove_toxic(self, proxy: str, name: str) -> None:
        path = f"/proxies/{_segment('proxy', proxy)}/toxics/{_segment('toxic', name)}"
        what = f"remove toxic {name!r} from proxy {proxy!r}"
        self._request("delete", path, what, ok=(204, 200), proxy=proxy, toxic=name)
