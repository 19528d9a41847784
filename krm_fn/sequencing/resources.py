"""The resources a Pod asks the scheduler for, before and after sequencing.

Kubernetes counts a plain init container as a maximum (it runs alone) and a native sidecar as a sum (it keeps
running): for each resource, ``Pod = max(max_i(sidecars started before i + init_i), all sidecars + all app
containers)`` (KEP-753). Turning three parallel containers into two init steps and one main container therefore
often lowers what a Pod asks for.

The scheduler then applies two pod-level fields (``component-helpers/resource``): ``spec.resources``
(PodLevelResources, beta and on from 1.34) replaces the containers' total for each resource it names (cpu, memory,
hugepages-*), and ``spec.overhead`` (set by a RuntimeClass) is added to the requests and to every bounded limit.
With pod-level resources set, sequencing the containers does not change what the Pod asks for those resources.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

_SUFFIXES = {
    "Ki": Decimal(2) ** 10, "Mi": Decimal(2) ** 20, "Gi": Decimal(2) ** 30, "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50, "Ei": Decimal(2) ** 60, "n": Decimal("1e-9"), "u": Decimal("1e-6"),
    "m": Decimal("1e-3"), "k": Decimal(10) ** 3, "M": Decimal(10) ** 6, "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12, "P": Decimal(10) ** 15, "E": Decimal(10) ** 18,
}  # fmt: skip
_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$")


def quantity(value: Any) -> Decimal | None:
    """A Kubernetes quantity (``250m``, ``1.5Gi``, ``1e3``, ``2``) as a number, or None when it is not one."""
    match = _QUANTITY.match(str(value).strip())
    if not match:
        return None
    try:
        number = Decimal(match.group(1))
    except InvalidOperation:
        return None
    return number * _SUFFIXES.get(match.group(2) or "", Decimal(1))


def render(resource: str, value: Decimal | None) -> str:
    """``250m`` for CPU, ``512Mi`` for bytes that divide evenly, else the plain number; ``-`` for none."""
    if value is None:
        return "-"
    if resource == "cpu":
        milli = value * 1000
        return f"{milli.normalize():f}m" if milli % 1000 else f"{value.normalize():f}"
    for suffix in ("Gi", "Mi", "Ki"):
        if value and value % _SUFFIXES[suffix] == 0:
            return f"{(value / _SUFFIXES[suffix]).normalize():f}{suffix}"
    return f"{value.normalize():f}"


class PodResources(NamedTuple):
    """Effective requests and limits per resource name; a limit is None when some counted container has none.

    ``qos``: the Pod's QoS class (see :func:`qos_class`), which decides who is evicted first under pressure.
    """

    requests: Mapping[str, Decimal]
    limits: Mapping[str, Decimal | None]
    qos: str = ""
    pod_level: frozenset[str] = frozenset()
    overhead: frozenset[str] = frozenset()


def effective(spec: Mapping[str, Any]) -> PodResources:
    """What the scheduler counts for this pod spec."""
    init = [c for c in spec.get("initContainers") or () if isinstance(c, Mapping)]
    app = [c for c in spec.get("containers") or () if isinstance(c, Mapping)]
    names = sorted({r for c in [*init, *app] for kind in ("requests", "limits") for r in _amounts(c, kind)})
    requests = {r: _total(init, app, r, "requests") for r in names}
    limits = {r: _total(init, app, r, "limits") for r in names}
    pod_level = _pod_level(spec, requests, limits)
    overhead = _quantities(spec.get("overhead"))
    for name, value in overhead.items():
        requests[name] = (requests.get(name) or Decimal(0)) + value
        bounded = limits.get(name)
        if bounded is not None:
            limits[name] = bounded + value
    return PodResources(
        {r: v for r, v in requests.items() if v is not None},
        limits,
        qos_class(spec),
        frozenset(pod_level),
        frozenset(overhead),
    )


def _pod_level(spec: Mapping[str, Any], requests: dict[str, Any], limits: dict[str, Any]) -> set[str]:
    """Apply ``spec.resources`` in place; returns the resources it set.

    A pod-level limit without a pod-level request defaults the request the way the API server does: to the
    containers' total when some container requests that resource, else to the limit.
    """
    found = spec.get("resources")
    if not isinstance(found, Mapping):
        return set()
    pod_requests, pod_limits = _quantities(found.get("requests")), _quantities(found.get("limits"))
    for name, value in pod_limits.items():
        limits[name] = value
        if name not in pod_requests and not requests.get(name):
            requests[name] = value
    requests.update(pod_requests)
    return set(pod_requests) | set(pod_limits)


def _quantities(found: Any) -> dict[str, Decimal]:
    out = {}
    for name, raw in (found or {}).items() if isinstance(found, Mapping) else ():
        value = quantity(raw)
        if value is not None:
            out[str(name)] = value
    return out


def _amounts(container: Mapping[str, Any], kind: str) -> dict[str, Decimal]:
    found = ((container.get("resources") or {}).get(kind) or {}) if isinstance(container, Mapping) else {}
    out = _quantities(found)
    if kind == "requests":  # Kubernetes defaults a missing request to the limit
        for name, value in _amounts(container, "limits").items():
            out.setdefault(name, value)
    return out


def _total(init: Iterable[Mapping[str, Any]], app: Iterable[Mapping[str, Any]], name: str, kind: str) -> Decimal | None:
    def amount(container: Mapping[str, Any]) -> Decimal | None:
        """A missing request counts as zero; a missing limit makes the Pod's limit unbounded (None)."""
        value = _amounts(container, kind).get(name)
        if value is None and kind == "requests":
            return Decimal(0)
        return value

    sidecars = Decimal(0)
    peak = Decimal(0)
    for container in init:
        value = amount(container)
        if value is None:
            return None
        if container.get("restartPolicy") == "Always":
            sidecars += value
            peak = max(peak, sidecars)
        else:
            peak = max(peak, sidecars + value)
    running = sidecars
    for container in app:
        value = amount(container)
        if value is None:
            return None
        running += value
    return max(peak, running)


#: The resources Kubernetes looks at for a Pod's QoS class.
QOS_RESOURCES = ("cpu", "memory")


def qos_class(spec: Mapping[str, Any]) -> str:
    """The Pod's QoS class, as the kubelet computes it from every container (init containers included).

    ``BestEffort``: no container has a cpu or memory request or limit. ``Guaranteed``: every container has cpu and
    memory limits, and requests equal to them (a missing request defaults to the limit). ``Burstable`` otherwise.
    """
    containers = _all_containers(spec)
    if not any(_amounts(c, kind).get(r) for c in containers for kind in ("requests", "limits") for r in QOS_RESOURCES):
        return "BestEffort"
    for container in containers:
        requests, limits = _amounts(container, "requests"), _amounts(container, "limits")
        if any(r not in limits or requests.get(r) != limits[r] for r in QOS_RESOURCES):
            return "Burstable"
    return "Guaranteed"


def quiet_container(
    spec: Mapping[str, Any], requests: Mapping[str, str], limits: Mapping[str, str]
) -> dict[str, dict[str, str]]:
    """Resources for a container seq-fn adds that change neither the Pod's QoS class nor its effective requests.

    ``requests`` and ``limits`` are the most it may have. Read from ``spec`` before the container is added (after
    any native sidecars, since it is appended behind them). BestEffort Pods get nothing; Guaranteed Pods get
    requests equal to limits, no more than the smallest container's limit; Burstable Pods get, per resource the
    regular containers ask for, no more than the smallest such request (and limit), so that neither the init
    maximum nor ``sidecars + that container`` can exceed what the Pod already counts.
    """
    qos = qos_class(spec)
    if qos == "BestEffort":
        return {}
    containers = _all_containers(spec)
    if qos == "Guaranteed":
        chosen = {r: min([_must(limits[r]), *(_amounts(c, "limits")[r] for c in containers)]) for r in QOS_RESOURCES}
        same = {r: render(r, v) for r, v in chosen.items()}
        return {"requests": same, "limits": dict(same)}
    app = [c for c in spec.get("containers") or () if isinstance(c, Mapping)]
    out_requests: dict[str, str] = {}
    out_limits: dict[str, str] = {}
    for r in QOS_RESOURCES:
        asked = [v for c in app if (v := _amounts(c, "requests").get(r))]
        capped = [v for c in app if (v := _amounts(c, "limits").get(r)) is not None]
        limit = min([_must(limits[r]), *capped]) if capped else None
        request = min([_must(requests[r]), *asked]) if asked else Decimal(0)
        if limit is not None:
            request = min(request, limit)
            out_limits[r] = render(r, limit)
        if asked or limit is not None:  # with a limit, an absent request would default to it: write it out
            out_requests[r] = render(r, request)
    found = {"requests": out_requests, "limits": out_limits}
    return {kind: values for kind, values in found.items() if values}


def _all_containers(spec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [c for key in ("initContainers", "containers") for c in spec.get(key) or () if isinstance(c, Mapping)]


def _must(value: str) -> Decimal:
    found = quantity(value)
    assert found is not None, f"not a quantity: {value}"
    return found
