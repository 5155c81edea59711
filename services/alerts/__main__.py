"""``python -m services.alerts``: the alert bus (pager, e-mail inbox, dashboard)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import yaml
from pydantic import ValidationError

from services.alerts.core import AlertBusCore
from services.alerts.models import RoutingRules
from services.alerts.service import AlertBusService
from services.net.runtime import clock_from_args, common_parser, run
from services.risk.profiles import describe


def _parser() -> argparse.ArgumentParser:
    p = common_parser("python -m services.alerts", "Alert bus: pager, e-mail inbox, dashboard.")
    p.add_argument("--rules", type=Path, help="JSON or YAML file of routing rules")
    p.add_argument(
        "--deadline-s", type=float, default=5.0, help="drill s from raise to bus before late"
    )
    return p


def load_rules(path: Path) -> RoutingRules:
    """Routing rules from a file; ``SystemExit`` naming the file and field when wrong."""
    try:
        text = path.read_text()
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
        return RoutingRules.model_validate(data or {})
    except OSError as exc:
        raise SystemExit(f"alerts: {path}: cannot read ({exc.strerror})") from None
    except (ValueError, yaml.YAMLError) as exc:
        if isinstance(exc, ValidationError):
            raise SystemExit(f"alerts: {path}: {describe(exc)}") from None
        raise SystemExit(f"alerts: {path}: not valid JSON or YAML: {exc}") from None


def main() -> None:
    args = _parser().parse_args()
    if args.deadline_s <= 0:
        raise SystemExit(f"alerts: --deadline-s: expected a positive number, got {args.deadline_s}")
    rules = load_rules(args.rules) if args.rules else RoutingRules()
    clock = clock_from_args(args)

    async def start() -> AlertBusService:
        core = AlertBusCore(rules, deadline_us=round(args.deadline_s * 1_000_000))
        return await AlertBusService(core, clock).start(args.host, args.admin_port)

    run("alerts", start)


if __name__ == "__main__":
    main()
