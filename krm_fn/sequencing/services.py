"""Services that reach a workload's containers by port name, once a named port has moved onto a native sidecar.

Kubernetes resolves a Service's named ``targetPort`` to a native sidecar's port only from 1.32
(kubernetes/kubernetes#127958, fixed by #127976). Below that, a Service in the same input that selects the Pod and
targets the port by name loses its endpoints: an error, with both ways out. A named port that no Service in the
input targets may still be targeted by one elsewhere: a warning. From 1.32 there is nothing to say.

Only the whole input can tell, so this runs over every object after the pass, as :class:`NamedPortCheck`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from krm_fn.sdk import objects
from krm_fn.sequencing import features, workloads
from krm_fn.sequencing.config import SequenceConfig
from krm_fn.sequencing.report import Finding

#: From this version on, a Service's named targetPort resolves to a port of a native sidecar.
NAMED_PORT_ON_SIDECAR_SINCE = features.NAMED_PORT_ON_SIDECAR.since


class _MovedPort(NamedTuple):
    workload: Mapping[str, Any]
    namespace: str
    labels: Mapping[str, Any]
    container: str
    port: str
    path: str


class _Service(NamedTuple):
    name: str
    namespace: str
    selector: Mapping[str, Any]
    targets: frozenset[str]


class NamedPortCheck:
    """Collects Services and the named ports that moved onto native sidecars; :meth:`results` judges them."""

    def __init__(self, config: SequenceConfig, *, streaming: bool = False) -> None:
        self.config = config
        self.streaming = streaming
        self.moved: list[_MovedPort] = []
        self.service_objects: list[Mapping[str, Any] | _Service] = []

    def add(self, obj: Mapping[str, Any], changed: Mapping[str, Any] | None) -> None:
        """Take note of one object of the input and, when seq-fn changed it, of what it became.

        A Service is kept as it came and read only if some named port moved: reading every Service of a large
        input in full would cost more than sequencing it. When the input is a stream (``streaming``: standalone
        mode reads one document at a time and lets it go), only what the check needs of it is kept: the object
        would keep its text and nodes alive (a third of the memory of a 10,000-document run).
        """
        if self.config.kubernetes_version >= NAMED_PORT_ON_SIDECAR_SINCE:
            return
        if obj.get("apiVersion") == "v1" and obj.get("kind") == "Service":
            self.service_objects.append(_service(obj) if self.streaming else obj)
        if changed is None:
            return
        namespace = _namespace(obj)
        info = workloads.kind_info(changed, self.config)
        for template in workloads.pod_templates(changed, info) if info else []:
            labels = objects.labels_of(template.holder)
            for container in template.spec.get("initContainers") or ():
                if not isinstance(container, Mapping) or container.get("restartPolicy") != "Always":
                    continue
                named = [
                    (number, port["name"])
                    for number, port in enumerate(container.get("ports") or ())
                    if isinstance(port, Mapping) and isinstance(port.get("name"), str)
                ]
                # the original is read (in full, when it is read lazily) only for a sidecar with a named port
                was = _was_container(obj, info, template.path, container.get("name")) if named else None
                if was is None:
                    continue
                for number, port_name in named:  # the path in the input, where the user names the port
                    path = f"{template.path}.containers[{was}].ports[{number}].name"
                    self.moved.append(_MovedPort(obj, namespace, labels, str(container["name"]), port_name, path))

    def findings(self) -> list[tuple[Mapping[str, Any], Finding]]:
        """An error per moved named port that a Service of the input targets, a warning per other one."""
        out: list[tuple[Mapping[str, Any], Finding]] = []
        if not self.moved:
            return out
        all_services = [s if isinstance(s, _Service) else _service(s) for s in self.service_objects]
        version = self.config.kubernetes_version_text
        since = ".".join(map(str, NAMED_PORT_ON_SIDECAR_SINCE))
        for moved in self.moved:
            services = [s.name for s in all_services if _targets(s, moved)]
            where = f"container {moved.container!r} is now a native sidecar and its port {moved.port!r} is named"
            if services:
                message = (
                    f"{where}, which {_services_text(services)}: Kubernetes resolves a named targetPort "
                    f"to a native sidecar only from {since}, and kubernetesVersion is {version}. Use the port "
                    f"number as the Service's targetPort, or raise kubernetesVersion to {since} or newer if every "
                    "cluster runs it"
                )
                out.append((moved.workload, Finding("error", message, moved.path, topic="named-ports")))
            else:
                message = (
                    f"{where}: a Service elsewhere that targets it by name gets no endpoints below Kubernetes "
                    f"{since} (kubernetesVersion is {version}): target the port number"
                )
                out.append((moved.workload, Finding("warning", message, moved.path)))
        return out


def _namespace(obj: Mapping[str, Any]) -> str:
    return str(objects.get(obj, "metadata", "namespace") or "")


def _service(obj: Mapping[str, Any]) -> _Service:
    """What of a Service decides whether it targets a port by name."""
    spec = obj.get("spec") if isinstance(obj.get("spec"), Mapping) else {}
    assert isinstance(spec, Mapping)
    ports = spec.get("ports") if isinstance(spec.get("ports"), list) else []
    assert isinstance(ports, list)
    targets = frozenset(
        str(p["targetPort"]) for p in ports if isinstance(p, Mapping) and isinstance(p.get("targetPort"), str)
    )
    selector = spec.get("selector") if isinstance(spec.get("selector"), Mapping) else {}
    assert isinstance(selector, Mapping)
    return _Service(str(objects.get(obj, "metadata", "name") or ""), _namespace(obj), selector, targets)


def _services_text(names: list[str]) -> str:
    """``Service a targets`` or ``Services a, b target``."""
    return f"Service {names[0]} targets" if len(names) == 1 else f"Services {', '.join(names)} target"


def _was_container(obj: Mapping[str, Any], info: Any, path: str, name: Any) -> int | None:
    """Where ``name`` stood in ``containers`` of the original pod spec at ``path`` (None: seq-fn did not move it)."""
    for template in workloads.pod_templates(obj, info):
        if template.path == path:
            found = template.spec.get("containers") or ()
            return next((i for i, c in enumerate(found) if isinstance(c, Mapping) and c.get("name") == name), None)
    return None


def _targets(service: _Service, moved: _MovedPort) -> bool:
    """Whether the Service selects the workload's Pods (or one of them) and targets the port by name."""
    if service.namespace != moved.namespace or not service.selector or moved.port not in service.targets:
        return False
    return all(
        str(moved.labels.get(k)) == str(v) or _pod_label(moved.workload, str(k), str(v))
        for k, v in service.selector.items()
    )


def _pod_label(workload: Mapping[str, Any], key: str, value: str) -> bool:
    """Whether the StatefulSet controller gives one of the workload's Pods this label, which no template holds.

    A per-replica Service (redis-ha's "announce" Services, Kafka's per-broker ones) selects a single Pod by
    ``statefulset.kubernetes.io/pod-name: <name>-<ordinal>`` or ``apps.kubernetes.io/pod-index``.
    """
    if workload.get("kind") != "StatefulSet":
        return False
    if key == "statefulset.kubernetes.io/pod-name":
        name = str(objects.get(workload, "metadata", "name") or "")
        return value.startswith(f"{name}-") and value[len(name) + 1 :].isdigit()
    return key == "apps.kubernetes.io/pod-index" and value.isdigit()
