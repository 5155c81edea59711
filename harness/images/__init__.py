"""Container images of the docker backend, made without a registry.

```
gameday/base:bookworm           debootstrap + docker import (bootstrap.py)
└── gameday/services:<version>  compose/Dockerfile, offline wheels (build.py, wheels.py)
```

What a backend calls::

    from harness.images import engine_available, ensure_services_image

    ok, why = engine_available()          # (False, "no Docker engine answers at ...")
    image = ensure_services_image(log=print)  # "gameday/services:0.1.0", built if stale

``services_image_ref()`` names the image without touching the engine
(``$GAMEDAY_IMAGE`` overrides it). ``docs/docker.md`` has the whole story.
"""

from __future__ import annotations

from harness.images.engine import engine_available
from harness.images.ensure import ensure_services_image
from harness.images.refs import services_image_ref

__all__ = ["engine_available", "ensure_services_image", "services_image_ref"]
