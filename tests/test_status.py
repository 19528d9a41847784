"""``seq-fn status`` on live Pods of every strategy.

No API server can run on these machines, so the Pods' ``status`` blocks are written by hand in the shape
``kubectl get pod -o json`` prints (containerStatuses with running/terminated/waiting states); the specs are real
seq-fn output for the golden inputs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import krm_fn
from krm_fn.sdk import yamlio
from tests.support.run import command

GOLDEN = Path(__file__).parent / "golden"


def live_pod(workload_case: str, states: dict[str, dict[str, Any]], config: dict | None = None) -> dict[str, Any]:
    workload = yamlio.load_all((GOLDEN / workload_case / "input.yaml").read_text())[0]
    out = yamlio.to_plain(krm_fn.sequence(workload, config))
    spec = out["spec"] if out["kind"] == "Pod" else out["spec"]["template"]["spec"]
    init_names = {c["name"] for c in spec.get("initContainers") or ()}

    def statuses(init: bool) -> list[dict[str, Any]]:
        return [{"name": n, "state": s} for n, s in states.items() if (n in init_names) == init]

    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pod-1"}, "spec": spec,
            "status": {"phase": "Running", "initContainerStatuses": statuses(True),
                       "containerStatuses": statuses(False)}}  # fmt: skip


def done(code: int = 0) -> dict[str, Any]:
    return {"terminated": {"exitCode": code, "reason": "Completed" if code == 0 else "Error"}}


RUNNING = {"running": {"startedAt": "2026-11-22T06:00:00Z"}}
WAITING = {"waiting": {"reason": "PodInitializing"}}


def status_of(pod: dict[str, Any]):
    ran = command(["status", "-o", "json", "-"], stdin=json.dumps(pod))
    return ran, {s["name"]: s for s in json.loads(ran.stdout)}


def test_init_containers_in_progress():
    pod = live_pod("job-chain", {"extract": done(), "transform": RUNNING, "load": WAITING})
    ran, found = status_of(pod)
    assert ran.code == 0
    assert [found[n]["state"] for n in ("extract", "transform", "load")] == ["succeeded", "running", "waiting"]
    assert found["extract"]["exit_code"] == 0
    text = command(["status", "-"], stdin=json.dumps(pod)).stdout
    assert "Pod pod-1: 1 of 3 steps succeeded" in text


def test_a_failed_init_step_exits_1():
    pod = live_pod("job-chain", {"extract": done(), "transform": done(3), "load": WAITING})
    ran, found = status_of(pod)
    assert ran.code == 1
    assert (found["transform"]["state"], found["transform"]["exit_code"]) == ("failed", 3)


def test_entrypoint_steps_that_run_but_wait_are_reported_as_waiting():
    pod = live_pod("entrypoint-dag", {"seq-fn-entrypoint": done(), "fetch-a": done(), "fetch-b": RUNNING,
                                      "merge": RUNNING, "report": RUNNING})  # fmt: skip
    ran, found = status_of(pod)
    assert ran.code == 0
    assert found["fetch-b"]["state"] == "running"
    assert (found["merge"]["state"], found["merge"]["detail"]) == ("waiting", "for fetch-b")
    assert (found["report"]["state"], found["report"]["detail"]) == ("waiting", "for merge")
    assert found["seq-fn-entrypoint"]["role"] == "setup"


def test_entrypoint_steps_after_a_failure_are_skipped_and_exit_1():
    pod = live_pod("entrypoint-dag", {"seq-fn-entrypoint": done(), "fetch-a": done(2), "fetch-b": done(),
                                      "merge": done(1), "report": done(1)})  # fmt: skip
    ran, found = status_of(pod)
    assert ran.code == 1
    assert (found["fetch-a"]["state"], found["fetch-a"]["exit_code"]) == ("failed", 2)
    assert (found["merge"]["state"], found["merge"]["detail"]) == ("skipped", "after fetch-a failed")
    assert found["report"]["state"] == "skipped"


def test_native_sidecars_and_the_main_container():
    pod = live_pod("deployment-start-order", {"config-agent": RUNNING, "app": RUNNING})
    ran, found = status_of(pod)
    assert ran.code == 0
    assert (found["config-agent"]["role"], found["config-agent"]["state"]) == ("sidecar", "running")
    assert (found["app"]["role"], found["app"]["state"]) == ("main", "running")


def test_not_a_pod_exits_2():
    ran = command(["status", "-"], stdin="apiVersion: v1\nkind: Service\nmetadata: {name: s}\n")
    assert ran.code == 2 and "status needs one Pod" in ran.stderr
