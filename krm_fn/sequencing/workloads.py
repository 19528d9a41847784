"""Which kinds carry pod specs, where the pod spec sits, and what ordering means for each (its intent)."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from krm_fn.sdk import objects
from krm_fn.sequencing.config import SequenceConfig
from krm_fn.sequencing.constants import Intent


@dataclass(frozen=True)
class KindInfo:
    """Where a kind keeps its pod spec, and whether its containers run to completion (None: by restartPolicy)."""

    pod_spec_path: tuple[str, ...]
    runs_to_completion: bool | None


_POD_TEMPLATE = ("spec", "template", "spec")
_LONG_RUNNING = KindInfo(_POD_TEMPLATE, runs_to_completion=False)

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
}


@dataclass(frozen=True)
class PodTemplate:
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
    """Every pod spec of ``obj`` (one for the built-in kinds; several for a path with ``*``)."""
    *parents, last = info.pod_spec_path
    found = []
    for prefix, holder in objects.walk(obj, tuple(parents)):
        if isinstance(holder, MutableMapping) and isinstance(holder.get(last), MutableMapping):
            found.append(PodTemplate(objects.join_path(prefix, last), holder[last], holder))
    return found


def intent(info: KindInfo, template: PodTemplate) -> Intent:
    """Steps for kinds that run to completion (or a restartPolicy of Never/OnFailure), start order otherwise."""
    if info.runs_to_completion is None:
        done = template.restart_policy in ("Never", "OnFailure")
    else:
        done = info.runs_to_completion
    return Intent.STEPS if done else Intent.START_ORDER
