"""Where gameday keeps state, and where its bundled files are.

State (running topologies, per-run keys and builds, later history and
schedules) lives under ``$GAMEDAY_HOME``, else ``$XDG_DATA_HOME/gameday``, else
``~/.local/share/gameday``; what is slow to make again (image wheels) under
``cache_home()``. Drills, runbooks and compose files are found in the
checkout when running from one, else in the installed package.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE_DIR.parent


def state_home() -> Path:
    env = os.environ.get("GAMEDAY_HOME")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "gameday"


def runs_dir() -> Path:
    return state_home() / "runs"


def cache_home() -> Path:
    """What can be made again but is slow to: the image wheelhouse, the image build lock.

    ``$GAMEDAY_CACHE``, else ``$XDG_CACHE_HOME/gameday``, else ``~/.cache/gameday``; not
    under ``$GAMEDAY_HOME``, so a run (or a test) with a state directory of its own
    shares it, and one image build at a time serves them all.
    """
    env = os.environ.get("GAMEDAY_CACHE")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "gameday"


def bundled(kind: str) -> Path:
    """``drills``, ``runbooks`` or ``compose``: checkout first, then the wheel's copy."""
    in_checkout = _CHECKOUT / kind
    if in_checkout.is_dir() and (_CHECKOUT / "pyproject.toml").is_file():
        return in_checkout
    return _PACKAGE_DIR / "_bundled" / kind
