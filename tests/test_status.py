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


def done(code: int = 0, message: str | None = None) -> dict[str, Any]:
    terminated: dict[str, Any] = {"exitCode": code, "reason": "Completed" if code == 0 else "Error"}
    if message is not None:
        terminated["message"] = message
    return {"terminated": terminated}


def wrapped(code: int = 0, *, step_code: int | None = None, timed_out: bool = False) -> dict[str, Any]:
    """A step the entrypoint binary ran, ended as the kubelet reports it: the container's code, and the binary's
    JSON (Tekton's RunResult entries, type 3 = internal) read from the step's terminationMessagePath."""
    entries = [{"key": "StartedAt", "value": "2026-11-22T06:00:01.000Z", "type": 3}]
    if step_code is not None:
        entries.append({"key": "ExitCode", "value": str(step_code), "type": 3})
    if timed_out:
        entries.append({"key": "Reason", "value": "TimeoutExceeded", "type": 3})
    return done(code, json.dumps(entries, separators=(",", ":")))


KILLED = {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}


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
    pod = live_pod("entrypoint-dag", {"seq-fn-entrypoint": done(), "fetch-a": wrapped(), "fetch-b": RUNNING,
                                      "merge": RUNNING, "report": RUNNING})  # fmt: skip
    ran, found = status_of(pod)
    assert ran.code == 0
    assert found["fetch-b"]["state"] == "running"
    assert (found["merge"]["state"], found["merge"]["detail"]) == ("waiting", "for fetch-b")
    assert (found["report"]["state"], found["report"]["detail"]) == ("waiting", "for merge")
    assert found["seq-fn-entrypoint"]["role"] == "setup"


def test_entrypoint_steps_after_a_failure_are_skipped_and_exit_1():
    pod = live_pod("entrypoint-dag", {"seq-fn-entrypoint": done(), "fetch-a": wrapped(2), "fetch-b": wrapped(),
                                      "merge": wrapped(1), "report": wrapped(1)})  # fmt: skip
    ran, found = status_of(pod)
    assert ran.code == 1
    assert (found["fetch-a"]["state"], found["fetch-a"]["exit_code"]) == ("failed", 2)
    assert (found["merge"]["state"], found["merge"]["detail"]) == ("skipped", "after fetch-a failed")
    assert found["report"]["state"] == "skipped"


def test_a_step_continued_past_is_reported_failed_with_its_own_exit_code():
    pod = live_pod("entrypoint-dag", {"seq-fn-entrypoint": done(), "fetch-a": wrapped(0, step_code=3),
                                      "fetch-b": wrapped(), "merge": wrapped(), "report": RUNNING},
                   config={"onError": "continue"})  # fmt: skip
    ran, found = status_of(pod)
    assert ran.code == 1, "a failed step fails status even though its container exited 0"
    assert (found["fetch-a"]["state"], found["fetch-a"]["exit_code"]) == ("failed", 3)
    assert "continued past" in found["fetch-a"]["detail"]
    assert (found["merge"]["state"], found["merge"]["exit_code"]) == ("succeeded", 0), "the step after it ran"
    assert found["report"]["state"] == "running"
    text = command(["status", "-"], stdin=json.dumps(pod)).stdout
    assert "Pod pod-1: 2 of 4 steps succeeded" in text


def test_a_timed_out_step_is_failed_and_says_so():
    pod = live_pod("entrypoint-dag", {"seq-fn-entrypoint": done(), "fetch-a": wrapped(1, timed_out=True),
                                      "fetch-b": wrapped(), "merge": wrapped(1), "report": wrapped(1)})  # fmt: skip
    ran, found = status_of(pod)
    assert ran.code == 1
    assert (found["fetch-a"]["state"], found["fetch-a"]["detail"]) == ("failed", "timed out")
    assert found["merge"]["state"] == "skipped"


def test_a_killed_step_says_the_later_steps_wait_forever():
    pod = live_pod("entrypoint-dag", {"seq-fn-entrypoint": done(), "fetch-a": KILLED, "fetch-b": wrapped(),
                                      "merge": RUNNING, "report": RUNNING})  # fmt: skip
    ran, found = status_of(pod)
    assert ran.code == 1
    assert found["fetch-a"]["state"] == "failed"
    assert (found["merge"]["state"], found["merge"]["detail"]) == ("waiting", "forever: fetch-a ended without posting")
    assert found["report"]["detail"] == "forever: fetch-a ended without posting", "names the step that was killed"
    text = command(["status", "-"], stdin=json.dumps(pod)).stdout
    assert "step fetch-a ended without posting, later steps will wait forever" in text


def test_a_step_that_ended_with_no_message_on_its_own_path_was_killed():
    """SIGKILL leaves no termination file, whatever the exit code the runtime reports."""
    pod = live_pod("entrypoint-dag", {"seq-fn-entrypoint": done(), "fetch-a": done(0), "fetch-b": wrapped(),
                                      "merge": RUNNING, "report": RUNNING})  # fmt: skip
    ran, found = status_of(pod)
    assert ran.code == 1
    assert found["merge"]["detail"] == "forever: fetch-a ended without posting"


def test_a_list_holding_one_pod_is_read():
    pod = live_pod("job-chain", {"extract": done(), "transform": RUNNING, "load": WAITING})
    listed = {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": [pod]}
    ran, found = status_of(listed)
    assert ran.code == 0
    assert found["transform"]["state"] == "running"


def test_a_list_of_two_pods_is_refused():
    pod = live_pod("job-chain", {"extract": done(), "transform": RUNNING, "load": WAITING})
    ran = command(["status", "-"], stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": [pod, pod]}))
    assert ran.code == 2 and "a List of 2 objects" in ran.stderr


def test_steps_after_a_failed_init_step_show_as_skipped():
    pod = live_pod("job-chain", {"extract": done(2), "transform": WAITING, "load": WAITING})
    ran, found = status_of(pod)
    assert ran.code == 1
    assert (found["transform"]["state"], found["transform"]["detail"]) == ("skipped", "never started: extract failed")
    assert found["load"]["state"] == "skipped", "the main container never starts either"


def test_native_sidecars_and_the_main_container():
    pod = live_pod("deployment-start-order", {"config-agent": RUNNING, "app": RUNNING})
    ran, found = status_of(pod)
    assert ran.code == 0
    assert (found["config-agent"]["role"], found["config-agent"]["state"]) == ("sidecar", "running")
    assert (found["app"]["role"], found["app"]["state"]) == ("main", "running")


def test_not_a_pod_exits_2():
    ran = command(["status", "-"], stdin="apiVersion: v1\nkind: Service\nmetadata: {name: s}\n")
    assert ran.code == 2 and "status needs one Pod" in ran.stderr


def test_the_wait_for_init_container_is_setup_not_a_step():
    pod = live_pod(
        "wait-for-network-and-file", {"seq-fn-wait": RUNNING, "api": {"waiting": {"reason": "PodInitializing"}}}
    )
    ran, found = status_of(pod)
    assert ran.code == 0
    assert found["seq-fn-wait"]["role"] == "setup"
