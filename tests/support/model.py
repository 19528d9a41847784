"""A small executable model of how kubelet and the entrypoint binary would run a sequenced pod spec.

Every container that runs to completion takes one time unit. Kubelet runs plain init containers one at a time,
each after the previous one finished; a native sidecar (``restartPolicy: Always``) is started, not finished,
before the next init container; regular containers all start once the init phase is over. A container wrapped by
the entrypoint binary starts its real command only when every file it waits for exists, that is, when the steps
that post those files have finished. The model returns, per container, when its own command starts and ends.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.support.entrypoint_args import steps_of, wait_graph

FOREVER = float("inf")


def schedule(spec: Mapping[str, Any], *, binary: str, long_running: bool) -> dict[str, tuple[float, float]]:
    """(start, end) of each container's own command; long-running containers and sidecars never end."""
    times: dict[str, tuple[float, float]] = {}
    clock = 0.0
    for ctr in spec.get("initContainers") or ():
        if ctr.get("restartPolicy") == "Always":
            times[ctr["name"]] = (clock, FOREVER)
        else:
            times[ctr["name"]] = (clock, clock + 1)
            clock += 1
    wrapped = steps_of(spec, binary)
    graph = wait_graph(wrapped) if wrapped else {}
    pending = [c["name"] for c in spec["containers"]]
    while pending:
        for name in list(pending):
            if name in wrapped:
                waits = graph[name]
                if all(w in times for w in waits):
                    start = max([clock, *(times[w][1] for w in waits)])
                    times[name] = (start, start + 1)
                    pending.remove(name)
            else:
                times[name] = (clock, FOREVER if long_running else clock + 1)
                pending.remove(name)
    return times
