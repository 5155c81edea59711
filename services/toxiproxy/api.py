"""The Toxiproxy HTTP API: routes, status codes and response bodies."""

from __future__ import annotations

import base64
import itertools
import os
import time
from collections.abc import Awaitable, Callable

from . import errors
from .bodies import decode_populate, decode_proxy, decode_toxic, decode_toxic_update
from .collection import PopulateFailed, ProxyCollection
from .config import VERSION
from .gojson import encode
from .http import Request, Response

__all__ = ["ToxiproxyApi"]

Route = Callable[[Request, list[str]], Awaitable[Response]]

_JSON = "application/json"
_TEXT = "text/plain; charset=utf-8"
_xid_counter = itertools.count(int.from_bytes(os.urandom(3), "big"))
_xid_machine = os.urandom(5)


def request_id() -> str:
    """A 20-character xid-style id: time, machine and counter, base32hex."""
    raw = (
        int(time.time()).to_bytes(4, "big")
        + _xid_machine
        + (next(_xid_counter) & 0xFFFFFF).to_bytes(3, "big")
    )
    return base64.b32hexencode(raw).decode()[:20].lower()


def ok(status: int, value: object) -> Response:
    return Response(status, encode(value).encode(), _JSON)


def error_response(error: errors.ApiError) -> Response:
    body = encode({"error": error.message, "status": error.status}) + "\n"
    return Response(error.status, body.encode(), _TEXT, [("X-Content-Type-Options", "nosniff")])


def _populate_error(error: errors.ApiError, done: list[object] | None) -> Response:
    body = {"error": error.message, "status": error.status, "proxies": done or None}
    return Response(error.status, encode(body).encode(), _JSON)


class ToxiproxyApi:
    """Routes requests to handlers; one instance serves one :class:`ProxyCollection`."""

    def __init__(self, collection: ProxyCollection) -> None:
        self.collection = collection
        self._routes: dict[tuple[str, ...], dict[str, Route]] = {
            ("proxies",): {"GET": self.index, "POST": self.create},
            ("populate",): {"POST": self.populate},
            ("proxies", "*"): {
                "GET": self.show,
                "POST": self.update,
                "PATCH": self.update,
                "DELETE": self.delete,
            },
            ("proxies", "*", "toxics"): {"GET": self.toxic_index, "POST": self.toxic_create},
            ("proxies", "*", "toxics", "*"): {
                "GET": self.toxic_show,
                "POST": self.toxic_update,
                "PATCH": self.toxic_update,
                "DELETE": self.toxic_delete,
            },
            ("reset",): {"POST": self.reset},
            ("version",): {"GET": self.version},
        }

    def _match(self, path: str) -> tuple[dict[str, Route], list[str]] | None:
        if not path.startswith("/"):
            return None
        segments = path[1:].split("/")
        if any(not s for s in segments):
            return None
        for pattern, methods in self._routes.items():
            if len(pattern) == len(segments) and all(
                p in ("*", s) for p, s in zip(pattern, segments, strict=True)
            ):
                return methods, [s for p, s in zip(pattern, segments, strict=True) if p == "*"]
        return None

    async def handle(self, request: Request) -> Response:
        matched = self._match(request.path)
        if matched is None:
            return Response(404, b"404 page not found\n", _TEXT)
        methods, params = matched
        route = methods.get(request.method)
        if route is None:
            return Response(405)
        if request.headers.get("user-agent", "").startswith("Mozilla/"):
            response = Response(403, b"User agent not allowed\n", _TEXT)
        else:
            try:
                response = await route(request, params)
            except errors.ApiError as exc:
                response = error_response(exc)
        response.headers.append(("X-Toxiproxy-Request-Id", request_id()))
        return response

    # Proxies ------------------------------------------------------------------------------
    async def index(self, request: Request, params: list[str]) -> Response:
        proxies = self.collection.proxies
        return ok(200, {name: proxies[name].to_json() for name in sorted(proxies)})

    async def create(self, request: Request, params: list[str]) -> Response:
        fields = decode_proxy(request.body)
        async with self.collection.lock:
            proxy = await self.collection.create(fields)
        return ok(201, proxy.to_json())

    async def populate(self, request: Request, params: list[str]) -> Response:
        try:
            entries = decode_populate(request.body)
        except errors.ApiError as exc:
            return _populate_error(exc, None)
        async with self.collection.lock:
            try:
                done = await self.collection.populate(entries)
            except PopulateFailed as failed:
                return _populate_error(failed.error, [p.to_json() for p in failed.done])
        return ok(201, {"proxies": [p.to_json() for p in done] or None})

    async def show(self, request: Request, params: list[str]) -> Response:
        return ok(200, self.collection.get(params[0]).to_json())

    async def update(self, request: Request, params: list[str]) -> Response:
        async with self.collection.lock:
            proxy = self.collection.get(params[0])
            fields = decode_proxy(request.body)
            await self.collection.update(proxy, fields)
        return ok(200, proxy.to_json())

    async def delete(self, request: Request, params: list[str]) -> Response:
        async with self.collection.lock:
            self.collection.delete(params[0])
        return Response(204)

    async def reset(self, request: Request, params: list[str]) -> Response:
        async with self.collection.lock:
            await self.collection.reset()
        return Response(204)

    async def version(self, request: Request, params: list[str]) -> Response:
        body = f'{{"version": "{VERSION}"}}\n'.encode()
        return Response(200, body, "application/json;charset=utf-8")

    # Toxics -------------------------------------------------------------------------------
    async def toxic_index(self, request: Request, params: list[str]) -> Response:
        proxy = self.collection.get(params[0])
        return ok(200, [t.to_json() for t in proxy.ordered_toxics()])

    async def toxic_create(self, request: Request, params: list[str]) -> Response:
        async with self.collection.lock:
            proxy = self.collection.get(params[0])
            spec = decode_toxic(request.body, lambda name: proxy.find_toxic(name) is not None)
            proxy.add_toxic(spec)
        return ok(200, spec.to_json())

    async def toxic_show(self, request: Request, params: list[str]) -> Response:
        proxy = self.collection.get(params[0])
        spec = proxy.find_toxic(params[1])
        if spec is None:
            raise errors.toxic_not_found()
        return ok(200, spec.to_json())

    async def toxic_update(self, request: Request, params: list[str]) -> Response:
        async with self.collection.lock:
            proxy = self.collection.get(params[0])
            current = proxy.find_toxic(params[1])
            if current is None:
                raise errors.toxic_not_found()
            spec = decode_toxic_update(request.body, current)
            proxy.update_toxic(spec)
        return ok(200, spec.to_json())

    async def toxic_delete(self, request: Request, params: list[str]) -> Response:
        async with self.collection.lock:
            proxy = self.collection.get(params[0])
            if proxy.find_toxic(params[1]) is None:
                raise errors.toxic_not_found()
            proxy.remove_toxic(params[1])
        return Response(204)
