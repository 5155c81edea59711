"""Per-run material made before any service starts: SSH keys and the build registry."""

from __future__ import annotations

from pathlib import Path

from harness.topology import TopologySettings, router_names
from services.router.registry import BuildRegistry
from services.sshkeys import ensure_keys


def prepare_run_dir(run_dir: Path, settings: TopologySettings) -> dict[str, str]:
    """Make the run's keys, registry and per-router build directories.

    Returns the ``{dir:...}`` table of ``harness.topology``. The registry holds
    both builds with ``2003.1`` current (what Knight's servers ran before the
    deploy), so deploying ``2012.07`` leaves ``2003.1`` as ``previous``: exactly
    the state in which a rollback puts the Power Peg build back.
    """
    directories: dict[str, str] = {}
    keys = run_dir / "keys"
    ensure_keys(keys)
    directories["keys"] = str(keys)
    registry = run_dir / "registry"
    BuildRegistry.create(registry, current=settings.initial_build)
    directories["registry"] = str(registry)
    for name in router_names(settings):
        build_dir = run_dir / "builds" / name
        build_dir.mkdir(parents=True, exist_ok=True)
        directories[f"builds/{name}"] = str(build_dir)
    return directories
