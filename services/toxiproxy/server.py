"""Running the server: as a coroutine, or in a background thread of the calling process."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from pathlib import Path
from types import TracebackType

from .api import ToxiproxyApi
from .bodies import decode_populate
from .collection import PopulateFailed, ProxyCollection
from .config import Randomness, ServerConfig
from .errors import ApiError
from .http import HttpServer

__all__ = ["EmbeddedServer", "ServerStartError", "ToxiproxyService"]

log = logging.getLogger(__name__)


class ServerStartError(RuntimeError):
    """The server could not bind its API address or load its proxies file."""


class ToxiproxyService:
    """The API server and its proxies on the running event loop.

    Example::

        service = ToxiproxyService(ServerConfig(port=0, seed=1))
        await service.start()        # service.port is the bound API port
        ...
        await service.close()        # closes the API and every proxy and connection
    """

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self.collection = ProxyCollection(Randomness(config.seed))
        self._http = HttpServer(ToxiproxyApi(self.collection).handle)

    @property
    def port(self) -> int:
        return self._http.port

    @property
    def address(self) -> str:
        return self._http.address

    async def start(self) -> None:
        try:
            await self._http.start(self.config.host, self.config.port)
        except Exception as exc:
            raise ServerStartError(
                f"cannot serve the API on {self.config.host}:{self.config.port}: {exc}"
            ) from exc
        if self.config.config_path is not None:
            await self.load(self.config.config_path)
        log.info("Toxiproxy-compatible API on http://%s", self.address)

    async def load(self, path: Path) -> None:
        """Create the proxies listed in a JSON file, as ``POST /populate`` would."""
        try:
            entries = decode_populate(path.read_bytes())
            async with self.collection.lock:
                await self.collection.populate(entries)
        except OSError as exc:
            raise ServerStartError(f"cannot read proxies file {path}: {exc}") from exc
        except ApiError as exc:
            raise ServerStartError(f"proxies file {path}: {exc.message}") from exc
        except PopulateFailed as exc:
            raise ServerStartError(f"proxies file {path}: {exc.error.message}") from exc

    async def close(self) -> None:
        await self._http.close()
        self.collection.close()
        # Let transports deliver their connection_lost callbacks before the loop goes away.
        for _ in range(3):
            await asyncio.sleep(0)


class EmbeddedServer:
    """The server on its own event loop in a daemon thread of this process.

    Example::

        with EmbeddedServer(port=0, seed=7) as server:
            requests.get(f"{server.url}/version", timeout=5)
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        seed: int | None = None,
        config_path: Path | None = None,
    ) -> None:
        self.config = ServerConfig(host=host, port=port, seed=seed, config_path=config_path)
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self.host = host
        self.port = 0

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 10.0) -> EmbeddedServer:
        if self._thread is not None:
            raise RuntimeError("EmbeddedServer already started")
        self._thread = threading.Thread(target=self._main, name="toxiproxy-embedded", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            self.stop()
            raise ServerStartError(f"embedded Toxiproxy server did not start within {timeout} s")
        if self._error is not None:
            self._thread.join(timeout)
            self._thread = None
            raise ServerStartError(str(self._error)) from self._error
        return self

    def stop(self, timeout: float = 10.0) -> None:
        thread, loop, stopping = self._thread, self._loop, self._stopping
        if thread is None:
            return
        if loop is not None and stopping is not None:
            with contextlib.suppress(RuntimeError):  # the loop may have finished already
                loop.call_soon_threadsafe(stopping.set)
        thread.join(timeout)
        if thread.is_alive():
            raise RuntimeError(f"embedded Toxiproxy server did not stop within {timeout} s")
        self._thread = None

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to the thread that called start()
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        service = ToxiproxyService(self.config)
        await service.start()
        self.port = service.port
        self._ready.set()
        try:
            await self._stopping.wait()
        finally:
            await service.close()

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
