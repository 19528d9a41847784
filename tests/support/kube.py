"""Checks a Kubernetes engineer would run on seq-fn's output: strict schema validation and the semantic rules
that schemas do not encode (see shared notes, kubernetes-ordering.md)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import kubernetes_validate

from krm_fn.sdk import objects, yamlio
from krm_fn.sequencing import workloads
from krm_fn.sequencing.config import SequenceConfig

FORBIDDEN_ON_PLAIN_INIT = ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe", "resizePolicy")
OLDEST_WITH_SIDECARS = "1.29"


def schema_versions() -> list[str]:
    """1.29 (the oldest with native sidecars) and the newest schema the package ships."""
    return [OLDEST_WITH_SIDECARS, kubernetes_validate.latest_version()]


def validate_strict(obj: Mapping[str, Any], version: str) -> None:
    """Raise when ``obj`` does not validate, strictly (unknown fields are errors), against ``version``."""
    kubernetes_validate.validate(yamlio.to_plain(obj), version, strict=True)


def pod_specs(obj: Mapping[str, Any], config: SequenceConfig | None = None) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every pod spec of a workload, by display path."""
    info = workloads.kind_info(obj, config or SequenceConfig())
    if info is None:
        return
    for template in workloads.pod_templates(obj, info):
        yield template.path, template.spec


def semantic_errors(obj: Mapping[str, Any], config: SequenceConfig | None = None) -> list[str]:
    """Rules the API server enforces beyond the schema (validation.go), for every pod spec of ``obj``."""
    problems: list[str] = []
    kind = obj.get("kind")
    for path, spec in pod_specs(obj, config):
        init = spec.get("initContainers") or []
        regular = spec.get("containers") or []
        if not regular:
            problems.append(f"{path}: no regular container left")
        names = [c.get("name") for c in [*init, *regular]]
        if len(names) != len(set(names)):
            problems.append(f"{path}: duplicate container names {names}")
        for i, ctr in enumerate(regular):
            if "restartPolicy" in ctr:
                problems.append(f"{path}.containers[{i}]: restartPolicy on a regular container")
        for i, ctr in enumerate(init):
            policy = ctr.get("restartPolicy")
            if policy not in (None, "Always"):
                problems.append(f"{path}.initContainers[{i}]: restartPolicy {policy!r} (only Always is allowed)")
            if policy is None:
                problems.extend(
                    f"{path}.initContainers[{i}].{key}: forbidden on an init container"
                    for key in FORBIDDEN_ON_PLAIN_INIT
                    if key in ctr
                )
            startup = ctr.get("startupProbe") or {}
            if startup.get("successThreshold", 1) != 1:
                problems.append(f"{path}.initContainers[{i}].startupProbe.successThreshold must be 1")
        if kind in ("Job", "CronJob") and spec.get("restartPolicy") not in ("Never", "OnFailure"):
            problems.append(f"{path}.restartPolicy must be Never or OnFailure for a {kind}")
    return problems


def check_workload(obj: Mapping[str, Any], config: SequenceConfig | None = None) -> None:
    """Strict schema validation at 1.29 and the newest version, plus the semantic rules; raises on any problem.

    A custom kind has no schema here, so each of its pod specs is validated inside a Pod instead.
    """
    for version in schema_versions():
        if workloads.BUILTIN_KINDS.get((objects.group_of(str(obj["apiVersion"])), str(obj["kind"]))):
            validate_strict(obj, version)
            continue
        for _, spec in pod_specs(obj, config):
            validate_strict({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "check"}, "spec": spec}, version)
    problems = semantic_errors(obj, config)
    assert not problems, problems
