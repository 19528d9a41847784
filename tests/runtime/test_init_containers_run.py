"""The init-containers strategy in real containers, for a Pod and the pod templates of a Job and a CronJob
(podman plays only Pods, so the templates are played as Pods).

Order is read from the containers' own start/finish times as podman records them (for init containers these are
when the process ran). Native sidecars cannot be run by this podman (4.3): it ignores ``restartPolicy: Always`` on
an init container and blocks on it like a plain init container, so a start-order workload's native sidecars are
covered structurally here, against the Kubernetes rules, not by running them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

import krm_fn
from tests.runtime import podman
from tests.support import kube

pytestmark = pytest.mark.runtime


def step(name: str, body: str, volume: str) -> dict[str, Any]:
    return {"name": name, "image": podman.BUSYBOX, "imagePullPolicy": "Never", "command": ["sh", "-c", body],
            "volumeMounts": [{"name": volume, "mountPath": "/data"}]}  # fmt: skip


def steps(volume: str, *, fail_second: bool = False) -> list[dict[str, Any]]:
    return [
        step("extract", "sleep 1; echo rows > /data/raw", volume),
        step("transform", "exit 7" if fail_second else "sleep 1; tr a-z A-Z < /data/raw > /data/clean", volume),
        step("load", "cat /data/clean", volume),
    ]


def pod_spec(volume: str, **kwargs: Any) -> dict[str, Any]:
    return {"restartPolicy": "Never", "volumes": [{"name": volume, "emptyDir": {}}],
            "containers": steps(volume, **kwargs)}  # fmt: skip


def workloads(volume: str, **kwargs: Any) -> dict[str, dict[str, Any]]:
    return {
        "Pod": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": pod_spec(volume, **kwargs)},
        "Job": {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
                "spec": {"template": {"spec": pod_spec(volume, **kwargs)}}},
        "CronJob": {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "c"},
                    "spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": {
                        "spec": pod_spec(volume, **kwargs)}}}}},
    }  # fmt: skip


def when(stamp: str) -> datetime:
    """podman's ``2026-11-22 05:34:41.101526523 +0000 UTC`` to a datetime (microseconds)."""
    day, clock, zone = stamp.split()[:3]
    clock = clock[: clock.index(".") + 7] if "." in clock else clock
    return datetime.fromisoformat(f"{day}T{clock}{zone[:3]}:{zone[3:]}")


@pytest.mark.parametrize("kind", ["Pod", "Job", "CronJob"])
def test_steps_run_one_after_another_and_hand_data_on(kind: str, tmp_path: Path):
    volume = f"seqfn-init-{kind.lower()}"
    sequenced = krm_fn.sequence(workloads(volume)[kind])
    pod = podman.as_pod(sequenced, name=f"seqfn-init-{kind.lower()}")
    played = podman.play(pod, tmp_path)
    try:
        assert played.play_code == 0, played.play_output
        played.wait(["load"])
        states = {n: played.state(n) for n in ("extract", "transform", "load")}
        assert {n: s.exit_code for n, s in states.items()} == {"extract": 0, "transform": 0, "load": 0}
        assert when(states["transform"].started) >= when(states["extract"].finished)
        assert when(states["load"].started) >= when(states["transform"].finished)
        assert played.logs("load").strip() == "ROWS"
    finally:
        podman.cleanup(played, pod)


def test_a_failing_step_stops_the_later_ones(tmp_path: Path):
    volume = "seqfn-init-fail"
    sequenced = krm_fn.sequence(workloads(volume, fail_second=True)["Job"])
    pod = podman.as_pod(sequenced, name="seqfn-init-fail")
    played = podman.play(pod, tmp_path)
    try:
        assert played.play_code != 0, "kube play reports the failed init container"
        assert played.state("extract").exit_code == 0
        assert played.state("transform").exit_code == 7
        assert played.state("load").status.lower() in ("created", "configured"), "load never started"
    finally:
        podman.cleanup(played, pod)


def test_start_order_is_native_sidecars_gated_in_order_checked_structurally():
    deployment = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [
                {"name": "config-agent", "image": "agent", "readinessProbe": {"httpGet": {"path": "/", "port": 8080}}},
                {"name": "cache", "image": "cache", "startupProbe": {"tcpSocket": {"port": 6379}}},
                {"name": "app", "image": "app"},
            ]}}},
    }  # fmt: skip
    out = krm_fn.sequence(deployment)
    spec = out["spec"]["template"]["spec"]
    init = spec["initContainers"]
    assert [c["name"] for c in init] == ["config-agent", "cache"], "kubelet starts init containers in list order"
    assert all(c["restartPolicy"] == "Always" for c in init), "native sidecars keep running beside the app"
    assert all("startupProbe" in c for c in init), "the next container waits for each one's startupProbe"
    assert init[0]["startupProbe"]["httpGet"] == init[0]["readinessProbe"]["httpGet"]
    assert [c["name"] for c in spec["containers"]] == ["app"], "the main container starts after all of them"
    kube.check_workload(out)
