"""The entrypoint strategy in real containers: order, data, failure skip, onError, timeouts, parallel DAG branches.

The entrypoint binary here is a contract stand-in (``entrypoint-standin.sh``): Tekton's image cannot be pulled
on these machines. These tests prove seq-fn's wiring (volumes, mounts, argv, order, skip, parallelism), not
Tekton itself. Every step prints ``START``/``END`` stamps read from ``/proc/uptime`` (the kernel's clock, shared
by all containers); podman's own StartedAt is when a step began *waiting*, so it is not used.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import krm_fn
from krm_fn import status
from tests.runtime import podman

pytestmark = pytest.mark.runtime

CONFIG = {"strategy": "entrypoint", "entrypoint": {"image": podman.STANDIN}}
NOW = "$(cut -d' ' -f1 /proc/uptime)"


def step(name: str, body: str, *, sleep: float = 1) -> dict[str, Any]:
    script = f'echo "START {name} {NOW}"; sleep {sleep}; {body}; echo "END {name} {NOW}"'
    return {"name": name, "image": podman.BUSYBOX, "imagePullPolicy": "Never", "command": ["sh", "-c", script],
            "volumeMounts": [{"name": "data", "mountPath": "/data"}]}  # fmt: skip


def job(name: str, steps: list[dict[str, Any]], annotations: dict[str, str] | None = None) -> dict[str, Any]:
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name, "annotations": annotations or {}},
            "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": steps,
                                           "volumes": [{"name": "data", "emptyDir": {}}]}}}}  # fmt: skip


def stamps(played: podman.PlayedPod, name: str) -> tuple[float, float] | None:
    """(start, end) of a step's own command, or None when it never ran."""
    found = {}
    for line in played.logs(name).splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] in ("START", "END"):
            found[parts[0]] = float(parts[2])
    return (found["START"], found.get("END", float("inf"))) if "START" in found else None


def run(workload: dict[str, Any], tmp_path: Path, *, config: dict[str, Any] = CONFIG):
    sequenced = krm_fn.sequence(workload, config)
    pod = podman.as_pod(sequenced, name=f"seqfn-{workload['metadata']['name']}")
    played = podman.play(pod, tmp_path)
    assert played.play_code == 0, played.play_output
    names = [c["name"] for c in pod["spec"]["containers"]]
    played.wait(names)
    return played, pod


def test_a_chain_runs_one_after_another_and_hands_data_on(tmp_path: Path):
    workload = job("chain", [
        step("extract", "echo rows > /data/raw"),
        step("transform", "tr a-z A-Z < /data/raw > /data/clean"),
        step("load", "cat /data/clean"),
    ])  # fmt: skip
    played, pod = run(workload, tmp_path)
    try:
        codes = {n: played.state(n).exit_code for n in ("extract", "transform", "load")}
        assert codes == {"extract": 0, "transform": 0, "load": 0}
        times = {n: stamps(played, n) for n in codes}
        assert times["transform"][0] >= times["extract"][1]
        assert times["load"][0] >= times["transform"][1]
        assert "ROWS" in played.logs("load")
    finally:
        podman.cleanup(played, pod)


def test_independent_branches_run_in_parallel_and_the_join_waits_for_both(tmp_path: Path):
    workload = job(
        "dag",
        [step("merge", "cat /data/a /data/b", sleep=0), step("fetch-a", "echo a > /data/a", sleep=3),
         step("fetch-b", "echo b > /data/b", sleep=3)],
        {"seq-fn.dev/after.merge": "fetch-a,fetch-b"},
    )  # fmt: skip
    played, pod = run(workload, tmp_path)
    try:
        a, b, merge = (stamps(played, n) for n in ("fetch-a", "fetch-b", "merge"))
        assert a[0] < b[1] and b[0] < a[1], f"fetch-a {a} and fetch-b {b} did not overlap"
        assert merge[0] >= max(a[1], b[1])
        assert played.logs("merge").splitlines()[1:3] == ["a", "b"]
    finally:
        podman.cleanup(played, pod)


def test_a_failed_step_makes_every_later_step_skip(tmp_path: Path):
    workload = job("fail", [step("one", "true"), step("two", "exit 3"), step("three", "true")])
    played, pod = run(workload, tmp_path)
    try:
        assert played.state("one").exit_code == 0
        assert played.state("two").exit_code == 3
        assert played.state("three").exit_code == 1, "skipped steps exit 1"
        assert stamps(played, "three") is None, "the skipped step's command never ran"
    finally:
        podman.cleanup(played, pod)


def as_kubelet_reports(played: podman.PlayedPod, pod: dict[str, Any]) -> dict[str, Any]:
    """The Pod as ``kubectl get pod -o json`` would show it once every container ended.

    podman ignores ``terminationMessagePath`` (a podman trap), so the kubelet's part is done here, as the kubelet
    does it: each container's ``state.terminated.message`` is the file its terminationMessagePath names, read from
    the volume mounted there. Exit codes are podman's own.
    """

    def message(container: dict[str, Any]) -> str:
        path = container.get("terminationMessagePath", "/dev/termination-log")
        for mount in container.get("volumeMounts") or ():
            if path.startswith(mount["mountPath"] + "/"):
                name = mount["name"].removesuffix(f"-{podman.RUN_ID}")
                found = podman.volume_path(pod, name, path[len(mount["mountPath"]) + 1 :])
                return found.read_text() if found.exists() else ""
        return ""

    def statuses(key: str) -> list[dict[str, Any]]:
        return [{"name": c["name"], "state": {"terminated": {"exitCode": played.state(c["name"]).exit_code,
                                                             "message": message(c)}}}
                for c in pod["spec"].get(key) or ()]  # fmt: skip

    return {**pod, "status": {"phase": "Succeeded", "initContainerStatuses": statuses("initContainers"),
                              "containerStatuses": statuses("containers")}}  # fmt: skip


def test_on_error_continue_runs_the_next_steps_and_the_failure_stays_visible(tmp_path: Path):
    """Decided: a Job whose continued step failed still completes (every container exits 0, as Tekton's TaskRun
    succeeds), and the step's own exit code reaches the Pod's status, where seq-fn status reports it failed."""
    workload = job("cont", [step("one", "exit 4"), step("two", "true")])
    played, pod = run(workload, tmp_path, config={**CONFIG, "onError": "continue"})
    try:
        assert played.state("one").exit_code == 0
        assert played.state("two").exit_code == 0, "the Job completes"
        assert stamps(played, "two") is not None
        live = as_kubelet_reports(played, pod)
        one = next(s for s in live["status"]["containerStatuses"] if s["name"] == "one")
        assert {"key": "ExitCode", "value": "4", "type": 3} in json.loads(one["state"]["terminated"]["message"])
        found = {s.name: s for s in status.steps(live)}
        assert (found["one"].state, found["one"].exit_code) == ("failed", 4)
        assert found["two"].state == "succeeded" and status.failed(list(found.values()))
    finally:
        podman.cleanup(played, pod)


@pytest.mark.parametrize(
    ("first", "annotations"),
    [
        (step("slow", "true", sleep=30), {"seq-fn.dev/timeout.slow": "2s"}),
        ({**step("slow", "true"), "command": ["/no/such/binary"]}, {}),
    ],
    ids=["timeout", "missing-command"],
)
def test_under_on_error_continue_a_timeout_or_a_missing_command_still_skips_the_rest(tmp_path: Path, first,
                                                                                    annotations):  # fmt: skip
    workload = job(f"cont-{'t' if annotations else 'm'}", [first, step("after", "true")], annotations)
    played, pod = run(workload, tmp_path, config={**CONFIG, "onError": "continue"})
    try:
        assert played.state("slow").exit_code == 1
        assert played.state("after").exit_code == 1, "skipped: continue does not cover it"
        assert stamps(played, "after") is None
        assert "Skipping step because a previous step failed" in played.logs("after")
    finally:
        podman.cleanup(played, pod)


def test_a_non_root_step_with_a_read_only_root_filesystem_runs(tmp_path: Path):
    locked = {"runAsUser": 1000, "runAsNonRoot": True, "readOnlyRootFilesystem": True,
              "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}  # fmt: skip
    first, second = step("first", "true"), step("second", "true")
    for container in (first, second):
        container["securityContext"] = locked
        container["volumeMounts"] = []
    workload = job("nonroot", [first, second])
    played, pod = run(workload, tmp_path)
    try:
        assert played.state("first").exit_code == 0
        assert played.state("second").exit_code == 0
        assert stamps(played, "second")[0] >= stamps(played, "first")[1]
    finally:
        podman.cleanup(played, pod)


def test_a_step_over_its_timeout_is_killed_and_the_rest_skip(tmp_path: Path):
    workload = job("timeout", [step("slow", "true", sleep=30), step("after", "true")],
                   {"seq-fn.dev/timeout.slow": "2s"})  # fmt: skip
    played, pod = run(workload, tmp_path)
    try:
        assert played.state("slow").exit_code != 0
        assert stamps(played, "slow")[1] == float("inf"), "killed before its END stamp"
        assert played.state("after").exit_code == 1
        assert stamps(played, "after") is None
    finally:
        podman.cleanup(played, pod)
