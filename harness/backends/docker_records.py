"""What a docker run's state file says about its containers and links.

Written as each container is made, so that a harness killed in the next
instant leaves it on record for ``down``; links once both their ends are up.
The shapes are the local backend's (``ServiceRecord``, ``ProxyServerRecord``,
``LinkRecord``), so ``status``, the fault context and the runner read a docker
run exactly as a local one.
"""

from __future__ import annotations

from pathlib import Path

from harness.backends.docker_containers import HOST, container_name
from harness.backends.docker_engine import Container
from harness.backends.docker_plan import PROXY, ContainerPlan, DockerPlan
from harness.runstate import LinkRecord, ProxyServerRecord, RunState, ServiceRecord
from harness.topology import DEPLOY


def record_container(
    state: RunState, plan: ContainerPlan, container: Container, ports: dict[str, int], log: Path
) -> None:
    """The container and its published ports, as a service (or as the proxy server)."""
    pid = int(container.attrs.get("State", {}).get("Pid") or 0)
    name = container_name(state.run_id, plan.service)
    if plan.service == PROXY:
        state.netproxy = ProxyServerRecord(
            kind="embedded", port=ports["api"], pid=pid, log=str(log), container=name, ports=ports
        )
    else:
        module = plan.command[2].removeprefix("services.")
        state.services[plan.service] = ServiceRecord(
            ports=ports, pid=pid, module=module, log=str(log), container=name
        )


def record_links(state: RunState, plan: DockerPlan) -> None:
    """Every link whose ends are both up and that is not on record yet.

    A link dialled inside the network is recorded with its in-network address
    (``toxiproxy:10001``); one the host dials (a deploy's ``router-N:ssh``) with
    the published port that reaches it.
    """
    proxy = state.netproxy
    started = set(state.services)
    for route in plan.routes:
        link = route.link
        if link.name in state.links or link.server not in started:
            continue
        if link.client != DEPLOY and link.client not in started:
            continue
        listen = route.listen
        if link.client == DEPLOY:
            port = (
                proxy.ports[link.name]
                if proxy is not None
                else state.services[link.server].ports[link.port]
            )
            listen = f"{HOST}:{port}"
        state.links[link.name] = LinkRecord(
            client=link.client,
            server=link.server,
            upstream=route.upstream,
            listen=listen,
            proxy=route.proxy,
        )
