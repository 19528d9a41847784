"""Generate a ResourceList for the benchmark.

30% workloads with 2 to 4 containers (some with comments), the rest ConfigMaps and Services; deterministic for a
given size and seed: ``python3 -m benchmarks.generate 10000 > big.yaml``.
"""

from __future__ import annotations

import argparse
import random
import sys

KINDS = [("batch/v1", "Job"), ("apps/v1", "Deployment"), ("batch/v1", "CronJob"), ("apps/v1", "StatefulSet")]


def workload(i: int, rng: random.Random) -> str:
    """A Job, Deployment, CronJob or StatefulSet item with 2 to 4 containers."""
    api, kind = KINDS[i % len(KINDS)]
    containers = []
    for c in range(rng.randint(2, 4)):
        comment = "  # step comment" if rng.random() < 0.3 else ""
        probe = "\n    readinessProbe: {tcpSocket: {port: 8080}}" if kind in ("Deployment", "StatefulSet") else ""
        containers.append(
            f"  - name: step-{c}{comment}\n    image: registry.example/app-{i % 50}:1.{c}\n"
            f"    args: [--index, \"{i}\", --mode, 'fast']\n"
            f'    env:\n    - {{name: INDEX, value: "{i}"}}\n'
            f"    resources: {{requests: {{cpu: 100m, memory: 64Mi}}}}{probe}"
        )
    body = "\n".join(containers)
    restart = "    restartPolicy: Never\n" if kind in ("Job", "CronJob") else ""
    spec = f"    containers:\n{_indent(body, 4)}\n{restart}"
    # Every workload asks to be sequenced (on its pod template), so the benchmark measures the full path.
    template = (f"  template:\n    metadata:\n      labels: {{app: w{i}}}\n"
                f"      annotations: {{seq-fn.dev/enabled: 'true'}}\n    spec:\n{_indent(spec, 2)}")  # fmt: skip
    if kind == "CronJob":
        inner = f"jobTemplate:\n  spec:\n{_indent(template, 2)}"
        return (f"- apiVersion: {api}\n  kind: {kind}\n  metadata:\n    name: w{i}\n    namespace: ns{i % 7}\n"
                f"  spec:\n    schedule: '@daily'\n{_indent(inner, 4)}\n")  # fmt: skip
    extra = f"    selector: {{matchLabels: {{app: w{i}}}}}\n" if kind != "Job" else ""
    if kind == "StatefulSet":
        extra += f"    serviceName: w{i}\n"
    return (f"- apiVersion: {api}\n  kind: {kind}\n  metadata:\n    name: w{i}\n    namespace: ns{i % 7}\n"
            f"    labels: {{team: t{i % 5}}}\n  spec:\n{extra}{_indent(template, 2)}\n")  # fmt: skip


def other(i: int) -> str:
    """A ConfigMap or a Service item."""
    if i % 2:
        return (f"- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: cm{i}  # config\n"
                f"    namespace: ns{i % 7}\n  data:\n    key: \"value-{i}\"\n    flag: 'on'\n"
                "    list: |\n      a\n      b\n")  # fmt: skip
    return (f"- apiVersion: v1\n  kind: Service\n  metadata: {{name: svc{i}, namespace: ns{i % 7}}}\n"
            f"  spec:\n    selector: {{app: w{i}}}\n    ports:\n    - port: 80\n      targetPort: 8080\n")  # fmt: skip


def _indent(text: str, n: int) -> str:
    pad = " " * n
    return "\n".join(pad + line if line else line for line in text.rstrip("\n").split("\n"))


def resource_list(size: int, seed: int = 1) -> str:
    """A ResourceList with ``size`` items."""
    rng = random.Random(seed)
    items = [workload(i, rng) if rng.random() < 0.3 else other(i) for i in range(size)]
    return "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + "".join(items)


def flow_item(i: int) -> str:
    """An item written as one flow mapping: every tenth a Job of two containers that asks to be sequenced."""
    if i % 10 == 0:
        step = "{{name: s{c}, image: registry.example/app:1.{c}, args: [--index, '{i}']}}"
        containers = ", ".join(step.format(c=c, i=i) for c in (0, 1))
        return (f"- {{apiVersion: batch/v1, kind: Job, metadata: {{name: j{i}, annotations: "
                f"{{seq-fn.dev/enabled: \"true\"}}}}, spec: {{template: {{spec: {{restartPolicy: Never, "
                f"containers: [{containers}]}}}}}}}}\n")  # fmt: skip
    return f"- {{apiVersion: v1, kind: ConfigMap, metadata: {{name: c{i}, namespace: ns{i % 7}}}, data: {{k: v{i}}}}}\n"


def flow_resource_list(size: int) -> str:
    """A ResourceList whose ``size`` items are all flow mappings (``- {apiVersion: v1, kind: ConfigMap, ...}``)."""
    return "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + "".join(map(flow_item, range(size)))


def odd_resource_list(size: int, seed: int = 1) -> str:
    """:func:`resource_list` with one odd item first: a tab in a string, an anchor and an alias, CR LF endings."""
    odd = (
        "- apiVersion: v1\r\n  kind: ConfigMap\r\n  metadata: {name: odd}\r\n"
        '  data: {tsv: "a\\tb\tc", first: &v one, second: *v}\r\n'
    )
    head, _, items = resource_list(size - 1, seed).partition("items:\n")
    return head + "items:\n" + odd + items


def main() -> None:
    """Print a ResourceList of the given size."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("size", type=int)
    parser.add_argument("--seed", type=int, default=1)
    sys.stdout.write(resource_list(parser.parse_args().size, parser.parse_args().seed))


if __name__ == "__main__":
    main()
