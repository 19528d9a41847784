"""Checks a Kubernetes engineer would run on seq-fn's output: strict schema validation and the semantic rules
that schemas do not encode (see shared notes, kubernetes-ordering.md)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import kubernetes_validate

from krm_fn.sdk import objects, yamlio
from krm_fn.sequencing import workloads
from krm_fn.sequencing.config import SequenceConfig

FORBIDDEN_ON_PLAIN_INIT = ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe")
OLDEST_WITH_SIDECARS = "1.29"
#: Kinds whose whole object kubernetes-validate has a schema for; other kinds have their pod specs checked in a Pod.
SCHEMA_GROUPS = ("", "apps", "batch")
#: From these versions on (the fields' gates on by default), Kubernetes accepts ...
CONTAINER_RESTART_RULES = (1, 35)  # a restartPolicy on any container, and restartPolicyRules
RESTART_ALL_CONTAINERS = (1, 36)  # the action RestartAllContainers, also on a native sidecar (KEP-5532)
INIT_RESIZE_POLICY = (1, 33)  # resizePolicy on a plain init container, except RestartContainer


def schema_versions(config: SequenceConfig | None = None) -> list[str]:
    """The oldest version the output must run on (1.29, the oldest with native sidecars, or the config's
    ``kubernetesVersion`` if newer: fields it allows do not exist before), and the newest schema shipped."""
    oldest = max((1, 29), config.kubernetes_version if config else (1, 29))
    return list(dict.fromkeys([".".join(map(str, oldest)), kubernetes_validate.latest_version()]))


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
    """Rules the API server enforces beyond the schema (validation.go), for every pod spec of ``obj``, at the
    config's ``kubernetesVersion`` (default 1.29)."""
    problems: list[str] = []
    kind = obj.get("kind")
    version = (config or SequenceConfig()).kubernetes_version
    for path, spec in pod_specs(obj, config):
        init = spec.get("initContainers") or []
        regular = spec.get("containers") or []
        if not regular:
            problems.append(f"{path}: no regular container left")
        names = [c.get("name") for c in [*init, *regular]]
        if len(names) != len(set(names)):
            problems.append(f"{path}: duplicate container names {names}")
        for i, ctr in enumerate(regular):
            if "restartPolicy" in ctr and version < CONTAINER_RESTART_RULES:
                problems.append(f"{path}.containers[{i}]: restartPolicy on a regular container")
            problems.extend(_restart_rule_errors(ctr, f"{path}.containers[{i}]", version))
        for i, ctr in enumerate(init):
            problems.extend(_init_errors(ctr, f"{path}.initContainers[{i}]", version))
        if kind in ("Job", "CronJob") and spec.get("restartPolicy") not in ("Never", "OnFailure"):
            problems.append(f"{path}.restartPolicy must be Never or OnFailure for a {kind}")
        lifecycles = [ctr.get("lifecycle") or {} for ctr in [*init, *regular]]
        if any("stopSignal" in hooks for hooks in lifecycles) and not (spec.get("os") or {}).get("name"):
            problems.append(f"{path}: lifecycle.stopSignal needs spec.os.name")
    problems.extend(_pod_failure_policy_errors(obj))
    return problems


def _init_errors(ctr: Mapping[str, Any], path: str, version: tuple[int, int]) -> list[str]:
    """The rules for one init container: plain (run to completion) or a native sidecar (restartPolicy Always)."""
    problems = []
    policy = ctr.get("restartPolicy")
    allowed = (None, "Always", "Never", "OnFailure") if version >= CONTAINER_RESTART_RULES else (None, "Always")
    if policy not in allowed:
        problems.append(f"{path}: restartPolicy {policy!r} (allowed: {allowed})")
    actions = {rule.get("action") for rule in ctr.get("restartPolicyRules") or ()}
    if policy == "Always" and actions - {"RestartAllContainers"}:
        problems.append(f"{path}: a native sidecar's restartPolicyRules may only RestartAllContainers")
    problems.extend(_restart_rule_errors(ctr, path, version))
    if policy != "Always":
        problems.extend(f"{path}.{key}: forbidden on a plain init" for key in FORBIDDEN_ON_PLAIN_INIT if key in ctr)
        resize = ctr.get("resizePolicy")
        if resize is not None and version < INIT_RESIZE_POLICY:
            problems.append(f"{path}.resizePolicy: forbidden on an init container before 1.33")
        if any(e.get("restartPolicy") == "RestartContainer" for e in resize or ()):
            problems.append(f"{path}.resizePolicy: RestartContainer on an init container that is not a sidecar")
    startup = ctr.get("startupProbe") or {}
    if startup.get("successThreshold", 1) != 1:
        problems.append(f"{path}.startupProbe.successThreshold must be 1")
    return problems


def _restart_rule_errors(ctr: Mapping[str, Any], path: str, version: tuple[int, int]) -> list[str]:
    """validateContainerRestartPolicy: rules need the container's own restartPolicy; Restart (RestartAllContainers
    from 1.36), In/NotIn, 255 values."""
    rules = ctr.get("restartPolicyRules")
    if rules is None:
        return []
    if version < CONTAINER_RESTART_RULES:
        return [f"{path}: restartPolicyRules before Kubernetes 1.35"]
    actions = ("Restart", "RestartAllContainers") if version >= RESTART_ALL_CONTAINERS else ("Restart",)
    problems = [] if "restartPolicy" in ctr else [f"{path}: restartPolicyRules without restartPolicy"]
    if len(rules) > 20:
        problems.append(f"{path}: more than 20 restartPolicyRules")
    for rule in rules:
        codes = rule.get("exitCodes") or {}
        if rule.get("action") not in actions or codes.get("operator") not in ("In", "NotIn"):
            problems.append(f"{path}: restart rule {rule} (action {' or '.join(actions)}, operator In or NotIn)")
        if len(codes.get("values") or ()) > 255:
            problems.append(f"{path}: more than 255 exit codes in one rule")
    return problems


def _pod_failure_policy_errors(obj: Mapping[str, Any]) -> list[str]:
    """A Job's podFailurePolicy ``onExitCodes.containerName`` must name a container (init or regular) of its pod."""
    problems = []
    for prefix in (("spec",), ("spec", "jobTemplate", "spec")):
        rules = objects.get(obj, *prefix, "podFailurePolicy", "rules") or []
        names = {
            ctr.get("name")
            for key in ("initContainers", "containers")
            for ctr in objects.get(obj, *prefix, "template", "spec", key) or []
        }
        for index, rule in enumerate(rules):
            name = (rule.get("onExitCodes") or {}).get("containerName")
            if name is not None and name not in names:
                problems.append(f"{'.'.join(prefix)}.podFailurePolicy.rules[{index}]: no container {name!r}")
    return problems


def check_workload(obj: Mapping[str, Any], config: SequenceConfig | None = None) -> None:
    """Strict schema validation at the oldest version the config allows (at least 1.29) and the newest version,
    plus the semantic rules; raises on any problem.

    A custom kind has no schema here, so each of its pod specs is validated inside a Pod instead.
    """
    for version in schema_versions(config):
        if objects.group_of(str(obj["apiVersion"])) in SCHEMA_GROUPS:
            validate_strict(obj, version)
            continue
        for _, spec in pod_specs(obj, config):
            validate_strict({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "check"}, "spec": spec}, version)
    problems = semantic_errors(obj, config)
    assert not problems, problems
