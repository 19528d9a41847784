"""Small, shared edits of a pod spec: find containers, move them into ``initContainers``, check what Kubernetes forbids.

Every function edits the mappings in place and keeps the ones it moves (with their comments); new keys are
placed beside the keys they belong with.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

from krm_fn.sdk import objects
from krm_fn.sequencing import constants as c
from krm_fn.sequencing import durations, known_sidecars
from krm_fn.sequencing.report import Report
from krm_fn.sequencing.workloads import PodTemplate

Container = MutableMapping[str, Any]

#: How long a derived startupProbe lets a container take to become ready before the kubelet kills it, unless
#: ``seq-fn.dev/start-timeout.<container>`` says otherwise: generous, because running out means a restart.
START_BUDGET_SECONDS = 300
#: How often a derived startupProbe probes: the next container starts at most this long after the gate opens.
GATE_PERIOD_SECONDS = 1
#: The kubelet's probe period when ``periodSeconds`` is not set.
DEFAULT_PROBE_PERIOD = 10


def container_names(template: PodTemplate, report: Report) -> list[str] | None:
    """The names in ``containers``, in order, after checking what any later step relies on.

    ``containers`` must be a non-empty list of mappings with a string ``name`` and ``image``; names must be
    unique across ``initContainers`` and ``containers``. Returns None (with errors reported) otherwise.
    """
    names: list[str] = []
    seen: set[str] = set()
    ok = True
    for key in ("initContainers", "containers"):
        items = template.spec.get(key)
        path = f"{template.path}.{key}"
        if items is None and key == "initContainers":
            continue
        if not isinstance(items, list) or (key == "containers" and not items):
            report.error(f"{key} must be a non-empty list of containers", path, topic="containers")
            return None
        for index, item in enumerate(items):
            where = f"{path}[{index}]"
            name = item.get("name") if isinstance(item, Mapping) else None
            if not isinstance(item, Mapping):
                report.error("a container must be a mapping", where, topic="containers")
                ok = False
                continue
            if not isinstance(name, str) or not name:
                report.error("container has no name", f"{where}.name", topic="containers")
                ok = False
                continue
            if not isinstance(item.get("image"), str) or not item.get("image"):
                report.error(f"container {name!r} has no image", f"{where}.image", topic="containers")
                ok = False
            if name in seen:
                report.error(
                    f"container name {name!r} is used twice (names are unique across initContainers and containers)",
                    f"{where}.name",
                    topic="containers",
                )
                ok = False
            seen.add(name)
            if key == "containers":
                names.append(name)
    return names if ok else None


def path_of(template: PodTemplate, name: str) -> str:
    """Field path of container ``name`` where it stands now."""
    for key in ("initContainers", "containers"):
        for index, item in enumerate(template.spec.get(key) or ()):
            if item.get("name") == name:
                return f"{template.path}.{key}[{index}]"
    return f"{template.path}.containers"


def take(template: PodTemplate, names: Sequence[str]) -> list[Container]:
    """Remove the named containers from ``containers`` and return them in the order of ``names``."""
    current = template.spec["containers"]
    by_name = {item["name"]: item for item in current}
    for name in names:
        current.remove(by_name[name])
    return [by_name[name] for name in names]


def move_to_init(template: PodTemplate, names: Sequence[str]) -> list[tuple[str, Container]]:
    """Move the named containers, in that order, to the end of ``initContainers`` (created before ``containers``).

    Returns each moved container with its new field path. The user's own init containers stay first.
    """
    return [add_init(template, container) for container in take(template, names)] if names else []


def add_init(template: PodTemplate, container: Container) -> tuple[str, Container]:
    """Append ``container`` to ``initContainers`` (created just before ``containers``); returns its field path."""
    if not isinstance(template.spec.get("initContainers"), list):
        objects.set_key(template.spec, "initContainers", [], before="containers")
    init = template.spec["initContainers"]
    init.append(container)
    return f"{template.path}.initContainers[{len(init) - 1}]", container


def check_plain_init(
    container: Container, *, path: str, drop: bool, kubernetes_version: tuple[int, int], report: Report
) -> None:
    """A plain init container may not carry probes or lifecycle: refuse, or drop with a warning.

    ``resizePolicy`` is accepted from 1.33, but not an entry that restarts the container on resize
    (``RestartContainer``): Kubernetes refuses that on an init container that is not a sidecar.
    """
    for key in c.FORBIDDEN_ON_INIT:
        if key in container:
            _incompatible(container, key, path=path, drop=drop, report=report)
    if "resizePolicy" in container:
        if kubernetes_version < c.INIT_RESIZE_POLICY_SINCE:
            since = ".".join(map(str, c.INIT_RESIZE_POLICY_SINCE))
            _incompatible(container, "resizePolicy", path=path, drop=drop, report=report, until=since)
        else:
            _check_init_resize_policy(container, path=f"{path}.resizePolicy", drop=drop, report=report)
    warn_named_ports(container, path=path, report=report)


def _incompatible(
    container: Container, key: str, *, path: str, drop: bool, report: Report, until: str | None = None
) -> None:
    name = container["name"]
    before = f" before Kubernetes {until}" if until else ""
    if drop:
        del container[key]
        report.warn(f"dropped {key} of {name!r}: Kubernetes forbids it on an init container{before}", f"{path}.{key}")
        return
    ways = "remove it, set onIncompatibleFields: drop, or use strategy entrypoint (keeps steps as containers)"
    if until:
        ways = f"raise kubernetesVersion to {until} or newer, " + ways
    report.error(
        f"container {name!r} has {key}, which Kubernetes forbids on an init container{before}: {ways}",
        f"{path}.{key}",
        topic="incompatible-fields",
    )


def _check_init_resize_policy(container: Container, *, path: str, drop: bool, report: Report) -> None:
    """Entries with ``restartPolicy: RestartContainer`` are refused on a plain init container; the others stay."""
    entries = container["resizePolicy"]
    if not isinstance(entries, list):
        return
    restarting = [
        i for i, e in enumerate(entries) if isinstance(e, Mapping) and e.get("restartPolicy") == "RestartContainer"
    ]
    name = container["name"]
    for index in reversed(restarting) if drop else restarting:
        resource = entries[index].get("resourceName")
        if drop:
            del entries[index]
            report.warn(
                f"dropped the resizePolicy entry for {resource} of {name!r}: Kubernetes refuses RestartContainer on "
                "an init container that is not a sidecar",
                f"{path}[{index}]",
            )
        else:
            report.error(
                f"container {name!r} restarts on a {resource} resize (resizePolicy RestartContainer), which "
                "Kubernetes refuses on an init container that is not a sidecar: use NotRequired, set "
                "onIncompatibleFields: drop, or use strategy entrypoint (keeps steps as containers)",
                f"{path}[{index}].restartPolicy",
                topic="incompatible-fields",
            )
    if drop and not entries:
        del container["resizePolicy"]


def warn_named_ports(container: Container, *, path: str, report: Report) -> None:
    """Ports of init containers are not a Service's to find: a ``targetPort`` that names one stops resolving."""
    for index, port in enumerate(container.get("ports") or ()):
        if isinstance(port, Mapping) and port.get("name"):
            report.warn(
                f"container {container['name']!r} is now an init container; a Service whose targetPort names "
                f"its port {port['name']!r} may not reach it: use the port number",
                f"{path}.ports[{index}].name",
            )


def make_native_sidecar(
    container: Container,
    *,
    path: str,
    kubernetes_version: tuple[int, int],
    start_timeout: float | None = None,
    report: Report,
) -> None:
    """Turn a container into a native sidecar whose start gates the next one.

    Kubernetes starts the next init container once a sidecar is *started*: running, and its startupProbe
    passed if it has one. A readinessProbe does not gate, so one is copied as the startupProbe. The copy probes
    every second, because the kubelet's default period (10 s) would delay the next container by up to 10 s after
    this one is ready; and it gets its own budget (``start_timeout``, else :data:`START_BUDGET_SECONDS`), because
    a startupProbe that runs out kills the container, where a failing readinessProbe only marks it unready.
    The gate each container got goes into the report's notes.
    """
    name = container["name"]
    if "resizePolicy" in container and kubernetes_version < c.SIDECAR_RESIZE_POLICY_SINCE:
        since = ".".join(map(str, c.SIDECAR_RESIZE_POLICY_SINCE))
        report.error(
            f"container {name!r} has resizePolicy, which Kubernetes accepts on a native sidecar only "
            f"from {since}: remove it or raise kubernetesVersion",
            f"{path}.resizePolicy",
            topic="incompatible-fields",
        )
    objects.set_key(container, "restartPolicy", "Always", before=key_after(container, "image"))
    own = container.get("startupProbe")
    if isinstance(own, MutableMapping):
        if start_timeout is not None:
            period = float(own.get("periodSeconds") or DEFAULT_PROBE_PERIOD)
            own["failureThreshold"] = max(1, math.ceil(start_timeout / period))
        limit = f", up to {durations.as_text(start_timeout)}" if start_timeout is not None else ""
        report.note(f"{name}: its own startupProbe{limit}")
        return
    readiness = container.get("readinessProbe")
    if isinstance(readiness, MutableMapping):
        budget = START_BUDGET_SECONDS if start_timeout is None else start_timeout
        probe = copy.deepcopy(readiness)  # keeps ruamel's flow style and comments
        objects.set_key(probe, "periodSeconds", GATE_PERIOD_SECONDS)
        if "successThreshold" in probe:
            probe["successThreshold"] = 1  # Kubernetes requires 1 on a startupProbe
        objects.set_key(probe, "failureThreshold", max(1, math.ceil(budget / GATE_PERIOD_SECONDS)))
        objects.set_key(container, "startupProbe", probe, before=key_after(container, "readinessProbe"))
        report.note(
            f"{name}: startupProbe from its readinessProbe, every {GATE_PERIOD_SECONDS} s for up to "
            f"{durations.as_text(budget)}"
        )
        return
    ready = known_sidecars.ready_endpoint(container)
    if isinstance(ready, known_sidecars.Ready):
        budget = START_BUDGET_SECONDS if start_timeout is None else start_timeout
        probe = {
            "httpGet": {"path": ready.path, "port": ready.port},
            "periodSeconds": GATE_PERIOD_SECONDS,
            "failureThreshold": max(1, math.ceil(budget / GATE_PERIOD_SECONDS)),
        }
        objects.set_key(container, "startupProbe", probe, before=_probe_place(container))
        report.note(
            f"{name}: startupProbe on its readiness endpoint {ready.path} on port {ready.port}, every "
            f"{GATE_PERIOD_SECONDS} s for up to {durations.as_text(budget)}"
        )
        return
    report.note(f"{name}: process start only")
    why = f" ({ready})" if ready else ""
    report.warn(
        f"container {name!r} has no startupProbe or readinessProbe: the next container starts as soon "
        f"as {name!r} is running, not when it is ready{why}",
        path,
    )


#: Keys that, in a container written by hand, usually come after the probes: a derived probe goes before them.
_AFTER_PROBES = ("resources", "securityContext", "volumeMounts", "volumeDevices", "terminationMessagePath")


def _probe_place(container: Mapping[str, Any]) -> str | None:
    """Where a new startupProbe goes: before the first key that usually follows the probes, else at the end."""
    return next((key for key in container if key in _AFTER_PROBES), None)


def key_after(mapping: Mapping[str, Any], key: str) -> str | None:
    """The key that follows ``key`` (where a new key goes to stand right after ``key``), or None."""
    keys = list(mapping)
    if key in keys and keys.index(key) + 1 < len(keys):
        return keys[keys.index(key) + 1]
    return None


def set_default_container(template: PodTemplate, name: str, *, report: Report) -> bool:
    """Point ``kubectl logs/exec`` at the main container, unless the user chose one. Returns whether it set it.

    A choice that now names an init container is kept, with a warning: ``kubectl logs`` still finds it, but
    ``kubectl exec`` into a finished init container fails.
    """
    metadata = objects.ensure_mapping(template.holder, "metadata", before="spec")
    notes = objects.ensure_mapping(metadata, "annotations")
    chosen = notes.get(c.DEFAULT_CONTAINER)
    if chosen is None:
        notes[c.DEFAULT_CONTAINER] = name
        return True
    init = template.spec.get("initContainers")
    if isinstance(init, list) and any(isinstance(i, Mapping) and i.get("name") == chosen for i in init):
        report.warn(
            f"{c.DEFAULT_CONTAINER} names {chosen!r}, which now runs as an init container: kubectl logs and "
            f"exec default to it; set it to {name!r} to default to the main container",
            f"{template.metadata_path}.annotations[{c.DEFAULT_CONTAINER}]",
        )
    return False
