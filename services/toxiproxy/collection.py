"""All proxies of a server and the operations of the API on them."""

from __future__ import annotations

import asyncio

from . import errors
from .bodies import ProxyFields
from .config import Randomness
from .netaddr import AddressError, resolve_listen
from .proxy import Proxy

__all__ = ["PopulateFailed", "ProxyCollection"]


class PopulateFailed(Exception):
    """A populate that stopped part-way: the error, and the proxies handled before it."""

    def __init__(self, error: errors.ApiError, done: list[Proxy]) -> None:
        super().__init__(error.message)
        self.error = error
        self.done = done


async def _start(proxy: Proxy) -> None:
    try:
        await proxy.start()
    except AddressError as exc:
        raise errors.ApiError(500, str(exc)) from None


async def _resolved(listen: str) -> str:
    try:
        return str(await resolve_listen(listen))
    except AddressError as exc:
        raise errors.ApiError(500, str(exc)) from None


class ProxyCollection:
    """Proxies by name. Changes are serialised so that concurrent API calls cannot interleave."""

    def __init__(self, randomness: Randomness) -> None:
        self.proxies: dict[str, Proxy] = {}
        self.lock = asyncio.Lock()
        self._randomness = randomness

    def get(self, name: str) -> Proxy:
        proxy = self.proxies.get(name)
        if proxy is None:
            raise errors.proxy_not_found()
        return proxy

    async def create(self, fields: ProxyFields) -> Proxy:
        if not fields.name:
            raise errors.missing_field("name")
        if not fields.upstream:
            raise errors.missing_field("upstream")
        if fields.name in self.proxies:
            raise errors.proxy_exists()
        proxy = Proxy(fields.name, fields.listen or "", fields.upstream, self._randomness)
        if fields.enabled is not False:
            await _start(proxy)
        self.proxies[proxy.name] = proxy
        return proxy

    async def update(self, proxy: Proxy, fields: ProxyFields) -> Proxy:
        listen = proxy.listen if fields.listen is None else fields.listen
        upstream = proxy.upstream if fields.upstream is None else fields.upstream
        enabled = proxy.enabled if fields.enabled is None else fields.enabled
        if await _resolved(listen) != proxy.listen or upstream != proxy.upstream:
            proxy.stop()
            proxy.listen, proxy.upstream = listen, upstream
        if enabled and not proxy.enabled:
            await _start(proxy)
        elif not enabled and proxy.enabled:
            proxy.stop()
        return proxy

    def delete(self, name: str) -> None:
        self.get(name).stop()
        del self.proxies[name]

    async def populate(self, entries: list[ProxyFields]) -> list[Proxy]:
        done: list[Proxy] = []
        for entry in entries:
            assert entry.name is not None and entry.upstream is not None
            try:
                existing = self.proxies.get(entry.name)
                listen = entry.listen or ""
                if existing is not None:
                    same = (
                        await _resolved(listen) == existing.listen
                        and entry.upstream == existing.upstream
                    )
                    if same:
                        done.append(existing)
                        continue
                    existing.stop()
                    del self.proxies[entry.name]
                proxy = Proxy(entry.name, listen, entry.upstream, self._randomness)
                if entry.enabled is not False:
                    await _start(proxy)
                self.proxies[proxy.name] = proxy
                done.append(proxy)
            except errors.ApiError as exc:
                raise PopulateFailed(exc, done) from None
        return done

    async def reset(self) -> None:
        for proxy in list(self.proxies.values()):
            if not proxy.enabled:
                await _start(proxy)
            proxy.remove_all_toxics()

    def close(self) -> None:
        for proxy in self.proxies.values():
            proxy.stop()
        self.proxies.clear()
