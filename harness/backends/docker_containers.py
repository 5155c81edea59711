"""One container of a run: its name, how it is made, and what to say when it will not start."""

from __future__ import annotations

import os

from docker.types import Mount as DockerMount

from harness.backends.docker_engine import ENGINE_ERRORS, Client, Container, labels, one_line
from harness.backends.docker_plan import ContainerPlan
from harness.errors import TopologyError
from harness.runstate import RunState

HOST = "127.0.0.1"


def container_name(run_id: str, service: str) -> str:
    """``gd-3ca3ab1c-router-3``: unique per run, and says whose it is in ``docker ps``."""
    return f"{run_id}-{service}"


def create_container(
    client: Client, state: RunState, plan: ContainerPlan, ports: dict[str, int]
) -> Container:
    """Create (not start) the container, each port published on ``HOST`` at ``ports``."""
    assert state.docker is not None
    network = state.docker.network
    endpoint = client.api.create_endpoint_config(aliases=[plan.service])
    mounts = [
        DockerMount(m.target, m.source, type=m.kind, read_only=m.read_only) for m in plan.mounts
    ]
    try:
        return client.containers.create(
            state.docker.image,
            list(plan.command),
            name=container_name(state.run_id, plan.service),
            labels=labels(state.run_id, plan.service),
            network=network,
            # The alias is the service's name on the network: what every command line dials.
            networking_config={network: endpoint},
            ports={f"{plan.ports[n]}/tcp": (HOST, port) for n, port in ports.items()},
            mounts=mounts,
            # The run directory's files stay the invoking user's, as on local.
            user=f"{os.getuid()}:{os.getgid()}",
            environment={"PYTHONUNBUFFERED": "1"},
            init=True,
            detach=True,
        )
    except ENGINE_ERRORS as exc:
        raise TopologyError(
            f"{plan.service}: cannot create its container: {one_line(exc)}"
        ) from None


def exit_note(client: Client, state: RunState, service: str) -> str:
    """`` (container exited with code 1: last | log | lines)``, for an error that names it."""
    try:
        container = client.containers.get(container_name(state.run_id, service))
        tail = container.logs(tail=3).decode(errors="replace").strip().splitlines()
    except ENGINE_ERRORS:
        return ""
    status = container.status
    if status == "exited":
        status += f" with code {container.attrs['State'].get('ExitCode')}"
    lines = " | ".join(line.strip() for line in tail)
    return f" (container {status}{': ' + lines if lines else ''})"
