"""The deploy tool: ship a build from the registry to every router over SSH.

``python -m services.deploy`` on the command line; ``deploy``, ``rollback``
and ``fleet_status`` for the drill harness.
"""

from __future__ import annotations

from services.deploy.deploy import deploy, fleet_status, rollback
from services.deploy.report import DeployMode, DeployReport, HostResult, HostSpec

__all__ = [
    "DeployMode",
    "DeployReport",
    "HostResult",
    "HostSpec",
    "deploy",
    "fleet_status",
    "rollback",
]
