"""What one waiting ``seq-fn-wait`` Pod costs the API server, and what that means for 1,000 replicas.

    python3 -m benchmarks.wait_polling

Runs the ``seq-fn-wait`` container seq-fn writes for ``service/db`` (EndpointSlices: the wait of a Deployment on a
slow database) the way a Pod runs it (:mod:`tests.runtime.kubectl_pod`: the real kubectl binary under podman, no
kubeconfig, the service-account files, HTTPS to the stub API server of :mod:`tests.runtime.apiserver`), with the
script unchanged. The clock is simulated so that five minutes take seconds: ``date`` and ``sleep`` in the container
are two small scripts on a mounted folder ahead on ``PATH`` that read and advance a shared clock file instead of
the real clock (the shell is dash here: Debian's static busybox would run its own ``date`` and ``sleep`` first,
see :data:`tests.runtime.kubectl_pod.DASH_IMAGE`); the stub reads the same file to stamp each request and to make
the dependency ready at a given simulated time. kubectl's own calls take no simulated time; their real time, under
the container's 50m CPU limit, is printed and adds to the latency figures.

Prints, for the first five simulated minutes of a dependency that never becomes ready: every request by kind, the
polls per minute, what 1,000 replicas started together send per second (first minute, the minutes after, the
average), the same without kubectl's disk cache (each poll then also reads discovery), and what the earlier script
(a poll every 2 s, discovery on every call) would have sent; then, for dependencies that become ready at moments of
the first minute, when the wait noticed. Not a test: it asserts nothing (``tests/runtime/test_wait_polling.py``
checks the request count and the pauses on the same simulation).
"""

from __future__ import annotations

import argparse
import itertools
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import krm_fn
from krm_fn.sdk import yamlio
from tests.runtime import kubectl_pod
from tests.runtime.apiserver import Request
from tests.runtime.kubectl_pod import Cluster

#: The simulated ``date``: ``+%s`` from the clock file (milliseconds), anything else from the real date.
FAKE_DATE = """#!/bin/sh
read now < /clock/now
case $1 in +%s) echo $(( now / 1000 )) ;; *) exec /bin/date "$@" ;; esac
"""
#: The simulated ``sleep``: advances the clock file by the seconds asked (``3`` or ``3.250``), at once.
FAKE_SLEEP = """#!/bin/sh
case $1 in
  *.*) whole=${1%%.*}; part=${1#*.}000; part=${part%"${part#???}"} ;;
  *) whole=$1; part=000 ;;
esac
while case $part in 0?*) true ;; *) false ;; esac; do part=${part#0}; done
read now < /clock/now
echo $(( now + whole * 1000 + part )) > /clock/now
"""
START_MS = 1_800_000_000_000


@dataclass
class Simulation:
    """One simulated run: each request at its simulated second, the wait's output, the real time it took."""

    requests: list[tuple[float, Request]] = field(default_factory=list)
    output: str = ""
    wall: float = 0.0
    noticed: float | None = None

    @property
    def polls(self) -> list[float]:
        """The simulated second of each read of the dependency (not discovery)."""
        return [at for at, r in self.requests if not r.discovery]

    def gaps(self, until: float | None = None) -> list[float]:
        """The pauses between polls (those that start before ``until``)."""
        polls = self.polls
        return [b - a for a, b in itertools.pairwise(polls) if until is None or a < until]


def wait_container(*, cache: bool = True) -> dict[str, Any]:
    """seq-fn's ``seq-fn-wait`` container for a Deployment in ``shop`` waiting on ``service/db`` for 5 minutes.

    The app has a memory limit, so seq-fn-wait gets its 50m CPU and 64Mi limits, which podman applies: the real
    time of each kubectl call is then what that CPU allows.
    """
    workload = {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop",
                     "annotations": {"seq-fn.dev/wait-for": "service/db", "seq-fn.dev/wait-timeout": "5m"}},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {"containers": [{"name": "app", "image": "app:1",
                                                       "resources": {"limits": {"memory": "256Mi"}}}]}}},
    }  # fmt: skip
    out, _ = krm_fn.sequence_resources([workload])
    plain = [yamlio.to_plain(o) for o in out]
    container: dict[str, Any] = plain[0]["spec"]["template"]["spec"]["initContainers"][0]
    container["rbac"] = [o for o in plain[1:] if o["apiVersion"].startswith("rbac.")]
    if not cache:  # as before: no disk cache, so discovery on every call
        container["env"] = [e for e in container.get("env") or () if e["name"] != "KUBECACHEDIR"]
        container["volumeMounts"] = [m for m in container["volumeMounts"] if m["name"] != "seq-fn-wait-cache"]
    return container


def endpoint_slice(ready: bool) -> dict[str, Any]:
    """The Service's one EndpointSlice, its endpoint ready (and serving) or not."""
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
            "metadata": {"name": "db-x1", "namespace": "shop", "labels": {"kubernetes.io/service-name": "db"}},
            "endpoints": [{"addresses": ["10.0.0.5"],
                           "conditions": {"ready": ready, "serving": ready, "terminating": False}}]}  # fmt: skip


def simulate(folder: Path, *, ready_at: float | None = None, cache: bool = True) -> Simulation:
    """Run the wait with the simulated clock; the dependency turns ready at ``ready_at`` simulated seconds."""
    folder.mkdir(parents=True)
    fake, clock = folder / "fake", folder / "clock"
    fake.mkdir()
    clock.mkdir()
    clock.chmod(0o777)  # the container runs as uid 65534
    (clock / "now").write_text(str(START_MS))
    (clock / "now").chmod(0o666)
    for name, text in (("date", FAKE_DATE), ("sleep", FAKE_SLEEP)):
        (fake / name).write_text(text)
        (fake / name).chmod(0o755)
    cluster = Cluster.start(folder / "cluster")
    container = wait_container(cache=cache)
    cluster.server.allow(container.pop("rbac"))
    cluster.server.put(endpoint_slice(False))
    found = Simulation()

    def stamp(request: Request) -> None:
        now = (int((clock / "now").read_text()) - START_MS) / 1000
        found.requests.append((now, request))
        if ready_at is not None and now >= ready_at and not request.discovery:
            cluster.server.put(endpoint_slice(True))
            if found.noticed is None:
                found.noticed = now

    cluster.server.before_answer = stamp
    started = time.monotonic()
    try:
        ran = kubectl_pod.run(container, cluster, extra_env={"PATH": f"/fake:{kubectl_pod.PATH}"},
                              extra_mounts=["-v", f"{fake}:/fake:ro", "-v", f"{clock}:/clock"],
                              run_image=kubectl_pod.dash_image(), timeout=120)  # fmt: skip
    finally:
        cluster.stop()
    found.wall = time.monotonic() - started
    found.output = ran.stdout + ran.stderr
    return found


def report(never: Simulation, other: Simulation, cold: Simulation, late: Sequence[tuple[float, Simulation]],
           replicas: int) -> None:  # fmt: skip
    """Print the figures."""
    total = len(never.requests)
    discovery = sum(1 for _, r in never.requests if r.discovery)
    polls = never.polls
    first = [at for at, _ in never.requests if at < 60]
    later = [at for at, _ in never.requests if at >= 60]
    per_poll_cold = len(cold.requests) / max(len(cold.polls), 1)
    call = never.wall / max(len(polls), 1)
    print(f"one waiting Pod, first 5 simulated minutes, the dependency never ready ({never.wall:.1f} s real):")
    print(f"  requests: {total} ({len(polls)} reads of the EndpointSlices, {discovery} discovery, read once and "
          "then kept in KUBECACHEDIR)  target <= 60")  # fmt: skip
    for minute in range(5):
        count = sum(1 for at in polls if minute * 60 <= at < (minute + 1) * 60)
        print(f"  minute {minute + 1}: {count} polls")
    print(f"  pauses in the first minute: {min(never.gaps(60)):.2f} to {max(never.gaps(60)):.2f} s; after it: up to "
          f"{max(never.gaps()):.2f} s")  # fmt: skip
    print(f"  another Pod started at the same moment polled at: {', '.join(f'{t:.2f}' for t in other.polls[:8])} ... "
          f"(this one: {', '.join(f'{t:.2f}' for t in polls[:8])} ...)")  # fmt: skip
    print(f"{replicas:,} replicas started together:")
    print(
        f"  first minute: {len(first) * replicas / 60:,.0f} requests/s; minutes 2-5: "
        f"{len(later) * replicas / 240:,.0f} requests/s; 5-minute average: {total * replicas / 300:,.0f} requests/s"
    )
    print(f"  without kubectl's disk cache: {len(cold.requests)} requests per Pod ({per_poll_cold:.1f} per poll), "
          f"{len(cold.requests) * replicas / 300:,.0f} requests/s on average")  # fmt: skip
    old = 150  # a poll every 2 s for 5 minutes
    print(f"  the earlier script (a poll every 2 s, discovery on every call): {old} polls, {old * per_poll_cold:.0f} "
          f"requests per Pod, {old * per_poll_cold * replicas / 300:,.0f} requests/s (and from a Pod it reached no "
          "API server at all: --request-timeout)")  # fmt: skip
    print("a dependency that becomes ready in the first minute, noticed (simulated; each kubectl call adds about "
          f"{call:.2f} s real):")  # fmt: skip
    for at, sim in late:
        ready = [t for t in sim.polls if t >= at]
        noticed = ready[0] if ready else float("nan")
        print(f"  ready at {at:5.1f} s: noticed at {noticed:5.1f} s, after {noticed - at:.2f} s")
    worst = max(never.gaps(60))
    print(f"  worst case in the first minute: the longest pause, {worst:.2f} s, plus one call (target: within 5 s)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the simulations and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=1000)
    parser.add_argument("--ready-at", default="7,23,41,59", help="simulated seconds (comma-separated)")
    args = parser.parse_args(argv)
    kubectl_pod.dash_image()
    with tempfile.TemporaryDirectory(prefix="seq-fn-wait-polling-") as tmp:
        root = Path(tmp)
        never = simulate(root / "never")
        other = simulate(root / "other")
        cold = simulate(root / "cold", cache=False)
        late = [(float(t), simulate(root / f"late-{t}", ready_at=float(t))) for t in args.ready_at.split(",")]
    print(f"kubectl {kubectl_pod.kubectl_version(kubectl_pod.real_kubectl())}, stub API server (aggregated discovery)")
    report(never, other, cold, late, args.replicas)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
