"""The built-in pod-bearing custom resources: where their pod specs are, their intent, and overrides."""

from __future__ import annotations

from typing import Any

import pytest

from krm_fn.sequencing import workloads
from krm_fn.sequencing.config import SequenceConfig, WorkloadKind
from krm_fn.sequencing.constants import Intent
from krm_fn.sequencing.transformer import sequence_object


def pod(*names: str, **spec: Any) -> dict[str, Any]:
    return {"spec": {**spec, "containers": [{"name": n, "image": "busybox:1.36"} for n in names]}}


@pytest.mark.parametrize(
    ("obj", "paths", "intent"),
    [
        (
            {"apiVersion": "kubeflow.org/v1", "kind": "PyTorchJob", "spec": {"pytorchReplicaSpecs": {
                "Master": {"template": pod("a")}, "Worker": {"template": pod("a")}}}},
            ["spec.pytorchReplicaSpecs.Master.template.spec", "spec.pytorchReplicaSpecs.Worker.template.spec"],
            Intent.STEPS,
        ),
        (
            {"apiVersion": "batch.volcano.sh/v1alpha1", "kind": "Job", "spec": {"tasks": [{"template": pod("a")}]}},
            ["spec.tasks[0].template.spec"],
            Intent.STEPS,
        ),
        (
            {"apiVersion": "ray.io/v1", "kind": "RayCluster", "spec": {
                "headGroupSpec": {"template": pod("a")},
                "workerGroupSpecs": [{"template": pod("a")}, {"template": pod("a")}]}},
            ["spec.headGroupSpec.template.spec", "spec.workerGroupSpecs[0].template.spec",
             "spec.workerGroupSpecs[1].template.spec"],
            Intent.START_ORDER,
        ),
        (
            {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "spec": {"template": pod("a")}},
            ["spec.template.spec"],
            Intent.START_ORDER,
        ),
    ],
)  # fmt: skip
def test_built_in_kinds_are_found_at_their_paths_with_their_intent(obj, paths, intent) -> None:
    info = workloads.kind_info(obj, SequenceConfig())
    assert info is not None
    templates = workloads.pod_templates(obj, info)
    assert [t.path for t in templates] == paths
    assert {workloads.intent(info, t) for t in templates} == {intent}


def test_a_ray_job_s_submitter_runs_steps_while_its_cluster_keeps_running() -> None:
    obj = {"apiVersion": "ray.io/v1", "kind": "RayJob", "spec": {
        "rayClusterSpec": {"headGroupSpec": {"template": pod("a")}},
        "submitterPodTemplate": pod("a", restartPolicy="Never")}}  # fmt: skip
    info = workloads.kind_info(obj, SequenceConfig())
    assert info is not None
    intents = {t.path: workloads.intent(info, t) for t in workloads.pod_templates(obj, info)}
    assert intents == {
        "spec.rayClusterSpec.headGroupSpec.template.spec": Intent.START_ORDER,
        "spec.submitterPodTemplate.spec": Intent.STEPS,
    }


def test_workload_kinds_override_a_built_in_kind() -> None:
    obj = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "spec": {"template": pod("a")}}
    config = SequenceConfig(
        workload_kinds=(WorkloadKind("argoproj.io/v1alpha1", "Rollout", ("spec", "template", "spec"), True),)
    )
    info = workloads.kind_info(obj, config)
    assert info is not None
    assert workloads.intent(info, workloads.pod_templates(obj, info)[0]) is Intent.STEPS


def test_knative_warns_about_its_feature_flag_only_when_init_containers_are_added() -> None:
    def knative(annotations: dict[str, str], *names: str) -> dict[str, Any]:
        return {
            "apiVersion": "serving.knative.dev/v1",
            "kind": "Service",
            "metadata": {"name": "s", "annotations": annotations},
            "spec": {"template": pod(*names)},
        }

    ordered = sequence_object(knative({"seq-fn.dev/enabled": "true"}, "proxy", "app"), SequenceConfig())
    assert any("kubernetes.podspec-init-containers: enabled" in f.message for f in ordered.findings)
    alone = sequence_object(
        knative({"seq-fn.dev/stop-delay.app": "5s"}, "app"), SequenceConfig(kubernetes_version=(1, 30))
    )
    assert alone.changed is not None
    assert not any("podspec-init-containers" in f.message for f in alone.findings)
