"""Stop delays, stop signals and exit-code retries: what is written, where it is refused, and the versions."""

from __future__ import annotations

from typing import Any

import pytest

from krm_fn.sequencing.config import SequenceConfig
from krm_fn.sequencing.constants import OnIncompatible
from krm_fn.sequencing.transformer import sequence_object
from tests.support import kube


def job(annotations: dict[str, str], *names: str, restart: str = "Never", **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "j", "annotations": annotations},
        "spec": {
            "template": {
                "spec": {
                    "restartPolicy": restart,
                    **spec,
                    "containers": [{"name": n, "image": "busybox:1.36"} for n in names],
                }
            }
        },
    }


def run(obj: dict[str, Any], **config: Any) -> tuple[Any, list[str], list[str]]:
    outcome = sequence_object(obj, SequenceConfig(**config))
    errors = [f.message for f in outcome.findings if f.severity == "error"]
    warnings = [f.message for f in outcome.findings if f.severity == "warning"]
    return outcome.changed, errors, warnings


def pod(out: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = out["spec"]["template"]["spec"]
    return spec


@pytest.mark.parametrize(("value", "seconds"), [("10s", 10), ("1m30s", 90), ("1.5s", 2), ("2h", 7200)])
def test_a_stop_delay_is_written_in_whole_seconds_rounded_up(value: str, seconds: int) -> None:
    out, errors, _ = run(job({"seq-fn.dev/stop-delay.app": value}, "app"), kubernetes_version=(1, 30))
    assert not errors
    assert pod(out)["containers"][0]["lifecycle"] == {"preStop": {"sleep": {"seconds": seconds}}}
    assert pod(out)["terminationGracePeriodSeconds"] == 30 + seconds


@pytest.mark.parametrize("value", ["10", "0s", "soon", "-5s"])
def test_a_stop_delay_that_is_not_a_positive_duration_is_an_error(value: str) -> None:
    out, errors, _ = run(job({"seq-fn.dev/stop-delay.app": value}, "app"), kubernetes_version=(1, 30))
    assert out is None
    assert any("must be a duration of at least 1s" in e for e in errors), errors


def test_the_grace_period_keeps_the_time_the_pod_had_to_stop_and_counts_sidecars_one_after_another() -> None:
    notes = {
        "seq-fn.dev/sidecars": "proxy,log",
        "seq-fn.dev/stop-delay.proxy": "5s",
        "seq-fn.dev/stop-delay.log": "3s",
        "seq-fn.dev/stop-delay.app": "20s",
    }
    out, errors, _ = run(
        job(notes, "proxy", "log", "app", terminationGracePeriodSeconds=45), kubernetes_version=(1, 30)
    )
    assert not errors
    assert pod(out)["terminationGracePeriodSeconds"] == 45 + 20 + 5 + 3
    kube.check_workload(out, SequenceConfig(kubernetes_version=(1, 30)))


def test_a_stop_delay_before_1_30_names_kubernetes_version() -> None:
    _, errors, _ = run(job({"seq-fn.dev/stop-delay.app": "5s"}, "app"), kubernetes_version=(1, 29))
    assert errors == [
        "seq-fn.dev/stop-delay.app writes lifecycle.preStop.sleep, which Kubernetes has from 1.30, but "
        "kubernetesVersion is 1.29: raise kubernetesVersion in the functionConfig if every cluster runs 1.30 or "
        "newer, or remove the annotation"
    ]


@pytest.mark.parametrize(("value", "written"), [("SIGINT", "SIGINT"), ("int", "SIGINT"), ("SIGRTMIN+3", "SIGRTMIN+3")])
def test_a_stop_signal_is_written_by_its_kubernetes_name(value: str, written: str) -> None:
    obj = job({"seq-fn.dev/stop-signal.app": value}, "app", os={"name": "linux"})
    out, errors, _ = run(obj, kubernetes_version=(1, 33), alpha_features=frozenset({"ContainerStopSignals"}))
    assert not errors
    assert pod(out)["containers"][0]["lifecycle"] == {"stopSignal": written}


def test_a_stop_signal_needs_the_alpha_opt_in_then_1_33_then_the_os() -> None:
    obj = job({"seq-fn.dev/stop-signal.app": "SIGINT"}, "app")
    _, errors, _ = run(obj, kubernetes_version=(1, 35))
    assert len(errors) == 1 and "add ContainerStopSignals to alphaFeatures" in errors[0]
    alpha = frozenset({"ContainerStopSignals"})
    _, errors, _ = run(obj, kubernetes_version=(1, 32), alpha_features=alpha)
    assert len(errors) == 1 and "Kubernetes has from 1.33, but kubernetesVersion is 1.32" in errors[0]
    _, errors, _ = run(obj, kubernetes_version=(1, 33), alpha_features=alpha)
    assert len(errors) == 1 and "set spec.template.spec.os.name to linux" in errors[0]
    windows = job({"seq-fn.dev/stop-signal.app": "SIGINT"}, "app", os={"name": "windows"})
    _, errors, _ = run(windows, kubernetes_version=(1, 33), alpha_features=alpha)
    assert errors == [
        "seq-fn.dev/stop-signal.app: a Windows container can only be stopped with SIGTERM or SIGKILL, not SIGINT"
    ]


def test_an_unknown_signal_is_an_error() -> None:
    _, errors, _ = run(job({"seq-fn.dev/stop-signal.app": "SIGFOO"}, "app"), kubernetes_version=(1, 33))
    assert any("must name a signal such as SIGINT" in e for e in errors), errors


@pytest.mark.parametrize("value", ["0", "42,42", "256", "4x", ""])
def test_retry_exit_codes_must_be_distinct_failures(value: str) -> None:
    _, errors, _ = run(job({"seq-fn.dev/retry-on-exit-codes.app": value}, "app"), kubernetes_version=(1, 35))
    assert any("must list exit codes from 1 to 255" in e for e in errors), errors


def test_retries_on_a_step_that_becomes_an_init_container_validate_at_1_35() -> None:
    obj = job({"seq-fn.dev/retry-on-exit-codes.a": "3,4"}, "a", "b")
    out, errors, _ = run(obj, kubernetes_version=(1, 35))
    assert not errors
    step = pod(out)["initContainers"][0]
    assert step["restartPolicy"] == "Never"
    assert step["restartPolicyRules"] == [{"action": "Restart", "exitCodes": {"operator": "In", "values": [3, 4]}}]
    kube.check_workload(out, SequenceConfig(kubernetes_version=(1, 35)))
    assert kube.semantic_errors(out, SequenceConfig(kubernetes_version=(1, 34))), "1.34 does not have the fields on"


def test_retries_under_on_failure_are_ignored_with_a_warning() -> None:
    obj = job({"seq-fn.dev/retry-on-exit-codes.a": "3"}, "a", "b", restart="OnFailure")
    out, errors, warnings = run(obj, kubernetes_version=(1, 35))
    assert not errors
    assert "restartPolicy" not in pod(out)["initContainers"][0]
    assert any("already restarts 'a' in place on every non-zero exit code" in w for w in warnings)


def test_a_pod_failure_policy_naming_a_moved_step_still_names_a_container() -> None:
    obj = job({"seq-fn.dev/enabled": "true"}, "a", "b")
    obj["spec"]["podFailurePolicy"] = {
        "rules": [{"action": "FailJob", "onExitCodes": {"containerName": "a", "operator": "In", "values": [2]}}]
    }
    out, errors, _ = run(obj)
    assert not errors and pod(out)["initContainers"][0]["name"] == "a"
    kube.check_workload(out)
    obj["spec"]["podFailurePolicy"]["rules"][0]["onExitCodes"]["containerName"] = "gone"
    assert kube.semantic_errors(obj) == ["spec.podFailurePolicy.rules[0]: no container 'gone'"]


def test_resize_policy_on_a_step_that_becomes_a_plain_init_container_follows_the_version() -> None:
    obj = job({"seq-fn.dev/enabled": "true"}, "a", "b")
    obj["spec"]["template"]["spec"]["containers"][0]["resizePolicy"] = [
        {"resourceName": "cpu", "restartPolicy": "NotRequired"},
        {"resourceName": "memory", "restartPolicy": "RestartContainer"},
    ]
    _, errors, _ = run(obj, kubernetes_version=(1, 32))
    assert errors and "forbids on an init container before Kubernetes 1.33: raise kubernetesVersion" in errors[0]
    _, errors, _ = run(obj, kubernetes_version=(1, 33))
    assert len(errors) == 1 and "restarts on a memory resize (resizePolicy RestartContainer)" in errors[0]
    out, errors, warnings = run(obj, kubernetes_version=(1, 33), on_incompatible_fields=OnIncompatible.DROP)
    assert not errors and any("dropped the resizePolicy entry for memory" in w for w in warnings)
    assert pod(out)["initContainers"][0]["resizePolicy"] == [{"resourceName": "cpu", "restartPolicy": "NotRequired"}]
    kube.check_workload(out, SequenceConfig(kubernetes_version=(1, 33)))


def test_restart_all_is_checked_against_the_version_that_has_the_action() -> None:
    """Schemas of 1.34 and 1.35 already have ``restartPolicyRules`` with a free-text action, so strict schema
    validation cannot tell 1.35 from 1.36: the semantic check must, or a golden case could pass at 1.35."""
    obj = job({"seq-fn.dev/restart-all-on-exit-codes.a": "75"}, "a", "b")
    out, errors, _ = run(obj, kubernetes_version=(1, 36))
    assert not errors
    assert pod(out)["initContainers"][0]["restartPolicyRules"][0]["action"] == "RestartAllContainers"
    kube.check_workload(out, SequenceConfig(kubernetes_version=(1, 36)))
    assert any(
        "RestartAllContainers" in p for p in kube.semantic_errors(out, SequenceConfig(kubernetes_version=(1, 35)))
    )
    _, errors, _ = run(obj, kubernetes_version=(1, 35))
    assert errors and "from 1.36, but kubernetesVersion is 1.35" in errors[0]


def test_restart_all_on_a_sidecar_keeps_its_restart_policy_always() -> None:
    obj = job({"seq-fn.dev/sidecars": "watcher", "seq-fn.dev/restart-all-on-exit-codes.watcher": "88"}, "a", "watcher")
    out, errors, _ = run(obj, kubernetes_version=(1, 36))
    assert not errors
    sidecar = pod(out)["initContainers"][0]
    assert (sidecar["name"], sidecar["restartPolicy"]) == ("watcher", "Always")
    assert [r["action"] for r in sidecar["restartPolicyRules"]] == ["RestartAllContainers"]
    kube.check_workload(out, SequenceConfig(kubernetes_version=(1, 36)))
    sidecar["restartPolicyRules"][0]["action"] = "Restart"
    assert kube.semantic_errors(out, SequenceConfig(kubernetes_version=(1, 36))), "a sidecar takes no Restart rule"
