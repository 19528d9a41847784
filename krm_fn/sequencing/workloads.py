"""Which kinds carry pod specs, where the pod spec sits, and what ordering means for each (its intent)."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any, NamedTuple

from krm_fn.sdk import objects
from krm_fn.sequencing.config import SequenceConfig
from krm_fn.sequencing.constants import Intent
from krm_fn.sequencing.report import Report


class KindInfo(NamedTuple):
    """Where a kind keeps its pod spec, and whether its containers run to completion (None: by restartPolicy).

    ``more_paths`` holds further pod spec paths of kinds that keep pod templates in several places (a Ray
    cluster's head and worker groups); ``init_containers_note`` is a warning for kinds whose controller accepts
    ``initContainers`` only when configured to.
    """

    pod_spec_path: tuple[str, ...]
    runs_to_completion: bool | None
    more_paths: tuple[tuple[str, ...], ...] = ()
    init_containers_note: str | None = None

    @property
    def paths(self) -> tuple[tuple[str, ...], ...]:
        """Every pod spec path of the kind."""
        return (self.pod_spec_path, *self.more_paths)


_POD_TEMPLATE = ("spec", "template", "spec")
_LONG_RUNNING = KindInfo(_POD_TEMPLATE, runs_to_completion=False)
_KUBEFLOW = {
    "PyTorchJob": "pytorchReplicaSpecs",
    "TFJob": "tfReplicaSpecs",
    "MPIJob": "mpiReplicaSpecs",
    "XGBoostJob": "xgbReplicaSpecs",
    "PaddleJob": "paddleReplicaSpecs",
    "MXJob": "mxReplicaSpecs",
    "JAXJob": "jaxReplicaSpecs",
}
_RAY_CLUSTER = (("headGroupSpec", "template", "spec"), ("workerGroupSpecs", "*", "template", "spec"))
_KNATIVE = KindInfo(
    _POD_TEMPLATE,
    runs_to_completion=False,
    init_containers_note=(
        "Knative Serving accepts initContainers only when its config-features ConfigMap sets "
        'kubernetes.podspec-init-containers: enabled (otherwise its webhook answers "must not set the field(s): '
        'spec.template.spec.initContainers"); check that yours does, and that your Knative release accepts '
        "restartPolicy on an init container for native sidecars"
    ),
)

#: The built-in pod-bearing kinds, by (API group, kind): any version of the group matches.
BUILTIN_KINDS: Mapping[tuple[str, str], KindInfo] = {
    ("", "Pod"): KindInfo(("spec",), runs_to_completion=None),
    ("", "PodTemplate"): KindInfo(("template", "spec"), runs_to_completion=None),
    ("", "ReplicationController"): _LONG_RUNNING,
    ("apps", "Deployment"): _LONG_RUNNING,
    ("apps", "StatefulSet"): _LONG_RUNNING,
    ("apps", "DaemonSet"): _LONG_RUNNING,
    ("apps", "ReplicaSet"): _LONG_RUNNING,
    ("batch", "Job"): KindInfo(_POD_TEMPLATE, runs_to_completion=True),
    ("batch", "CronJob"): KindInfo(("spec", "jobTemplate", "spec", "template", "spec"), runs_to_completion=True),
    # Pod-bearing custom resources common in public manifests, each with the intent its controller gives it.
    ("batch.volcano.sh", "Job"): KindInfo(("spec", "tasks", "*", "template", "spec"), runs_to_completion=True),
    ("jobset.x-k8s.io", "JobSet"): KindInfo(
        ("spec", "replicatedJobs", "*", "template", "spec", "template", "spec"), runs_to_completion=True
    ),
    ("argoproj.io", "Rollout"): _LONG_RUNNING,
    **{
        ("kubeflow.org", kind): KindInfo(("spec", key, "*", "template", "spec"), True)
        for kind, key in _KUBEFLOW.items()
    },
    ("serving.knative.dev", "Service"): _KNATIVE,
    ("serving.knative.dev", "Configuration"): _KNATIVE,
    ("apps.kruise.io", "CloneSet"): _LONG_RUNNING,
    ("apps.kruise.io", "StatefulSet"): _LONG_RUNNING,
    ("apps.kruise.io", "DaemonSet"): _LONG_RUNNING,
    ("keda.sh", "ScaledJob"): KindInfo(("spec", "jobTargetRef", "template", "spec"), runs_to_completion=True),
    ("ray.io", "RayCluster"): KindInfo(
        ("spec", *_RAY_CLUSTER[0]), runs_to_completion=False, more_paths=(("spec", *_RAY_CLUSTER[1]),)
    ),
    # A RayJob's cluster runs as long as the job; its submitter Pod (restartPolicy Never) runs to completion.
    ("ray.io", "RayJob"): KindInfo(
        ("spec", "rayClusterSpec", *_RAY_CLUSTER[0]),
        runs_to_completion=None,
        more_paths=(("spec", "rayClusterSpec", *_RAY_CLUSTER[1]), ("spec", "submitterPodTemplate", "spec")),
    ),
    ("ray.io", "RayService"): KindInfo(
        ("spec", "rayClusterConfig", *_RAY_CLUSTER[0]),
        runs_to_completion=False,
        more_paths=(("spec", "rayClusterConfig", *_RAY_CLUSTER[1]),),
    ),
}


class PodTemplate(NamedTuple):
    """One pod spec inside a workload, with the mapping that holds it (and its ``metadata``)."""

    path: str
    spec: MutableMapping[str, Any]
    holder: MutableMapping[str, Any]

    @property
    def metadata_path(self) -> str:
        """Display path of the pod template's metadata (``spec.template.metadata``; ``metadata`` for a Pod)."""
        return objects.join_path(self.path.rsplit(".", 1)[0], "metadata") if "." in self.path else "metadata"

    @property
    def restart_policy(self) -> str:
        """The pod's restartPolicy, with the API server's default (Always)."""
        return str(self.spec.get("restartPolicy") or "Always")


def kind_info(obj: Mapping[str, Any], config: SequenceConfig) -> KindInfo | None:
    """How to find the pod specs of ``obj``, or None when it is not a pod-bearing workload."""
    api_version, kind = str(obj.get("apiVersion", "")), str(obj.get("kind", ""))
    for extra in config.workload_kinds:
        if (extra.api_version, extra.kind) == (api_version, kind):
            return KindInfo(extra.pod_spec_path, extra.runs_to_completion)
    return BUILTIN_KINDS.get((objects.group_of(api_version), kind))


def pod_templates(obj: Mapping[str, Any], info: KindInfo) -> list[PodTemplate]:
    """Every pod spec of ``obj`` (one for most kinds; several for a path with ``*`` or a kind with more paths)."""
    found = []
    for path in info.paths:
        *parents, last = path
        for prefix, holder in objects.walk(obj, tuple(parents)):
            if isinstance(holder, MutableMapping) and isinstance(holder.get(last), MutableMapping):
                found.append(PodTemplate(objects.join_path(prefix, last), holder[last], holder))
    return found


def warn_new_init_containers(info: KindInfo, template: PodTemplate, before: int, *, report: Report) -> None:
    """Say what the kind's controller needs when sequencing gave a pod spec its (first or further) init containers."""
    now = template.spec.get("initContainers")
    if info.init_containers_note and isinstance(now, list) and len(now) > before:
        report.warn(info.init_containers_note, f"{template.path}.initContainers")


def intent(info: KindInfo, template: PodTemplate) -> Intent:
    """Steps for kinds that run to completion (or a restartPolicy of Never/OnFailure), start order otherwise."""
    if info.runs_to_completion is None:
        done = template.restart_policy in ("Never", "OnFailure")
    else:
        done = info.runs_to_completion
    return Intent.STEPS if done else Intent.START_ORDER
