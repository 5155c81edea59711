"""An embedded server compatible with the Toxiproxy HTTP API (v2.12), on asyncio.

Run it with ``python -m services.toxiproxy --port 8474`` or in-process with
:class:`EmbeddedServer`. Where it deliberately differs from the Go server is listed in
``docs/toxiproxy.md``.
"""

from __future__ import annotations

from .config import VERSION, ServerConfig
from .server import EmbeddedServer, ServerStartError, ToxiproxyService

__all__ = ["VERSION", "EmbeddedServer", "ServerConfig", "ServerStartError", "ToxiproxyService"]
