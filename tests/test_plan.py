"""``seq-fn plan``: what would change and why, without changing anything."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.run import command

JOB = """\
apiVersion: batch/v1
kind: Job
metadata: {name: etl, namespace: data, annotations: {seq-fn.dev/enabled: "true"}}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: extract, image: busybox, resources: {requests: {cpu: "1", memory: 256Mi}}}
      - {name: transform, image: busybox, resources: {requests: {cpu: "2", memory: 1Gi}}}
      - {name: load, image: busybox, resources: {requests: {cpu: "1", memory: 256Mi}}}
---
apiVersion: v1
kind: Service
metadata: {name: not-a-workload}
"""


def test_plan_text_shows_order_strategy_and_the_lower_pod_request(tmp_path: Path):
    source = tmp_path / "job.yaml"
    source.write_text(JOB)
    ran = command(["plan", str(source)])
    assert ran.code == 0, ran.stderr
    assert "Job data/etl" in ran.stdout and "not-a-workload" not in ran.stdout
    assert "steps, strategy init-containers: extract -> transform as init containers, then load" in ran.stdout
    assert "requests.cpu: 4 -> 2" in ran.stdout
    assert "requests.memory: 1536Mi -> 1Gi" in ran.stdout
    assert source.read_text() == JOB, "plan changes nothing"


def test_plan_json_for_machines():
    ran = command(["plan", "-o", "json", "-"], stdin=JOB)
    plans = json.loads(ran.stdout)
    assert len(plans) == 1
    template = plans[0]["podTemplates"][0]
    assert template["steps"] == ["extract", "transform", "load"]
    assert template["waitsFor"] == {"extract": [], "transform": ["extract"], "load": ["transform"]}
    assert template["resources"]["before"]["requests"] == {"cpu": "4", "memory": "1536Mi"}
    assert template["resources"]["after"]["requests"] == {"cpu": "2", "memory": "1Gi"}


def test_plan_mermaid_draws_every_wait_as_an_edge():
    dag = (Path(__file__).parent / "golden" / "entrypoint-dag" / "input.yaml").read_text()
    ran = command(["plan", "-o", "mermaid", "-"], stdin=dag)
    assert ran.stdout.startswith("flowchart LR\n")
    assert "Job_dag_spec_template_spec_fetch_a --> Job_dag_spec_template_spec_merge" in ran.stdout
    assert "Job_dag_spec_template_spec_fetch_b --> Job_dag_spec_template_spec_merge" in ran.stdout
    assert "fetch_a --> Job_dag_spec_template_spec_fetch_b" not in ran.stdout, "parallel branches stay parallel"


def test_plan_shows_errors_and_exits_1():
    cycle = (Path(__file__).parent / "golden" / "error-cycle" / "input.yaml").read_text()
    ran = command(["plan", "-"], stdin=cycle)
    assert ran.code == 1
    assert "error: metadata.annotations[seq-fn.dev/after.a]: the after annotations form a cycle" in ran.stdout


def test_plan_json_names_the_file_and_index_each_workload_was_read_from(tmp_path: Path):
    (tmp_path / "a.yaml").write_text(JOB.replace("name: etl", "name: first"))
    (tmp_path / "b.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n" + JOB)
    ran = command(["plan", "-o", "json", str(tmp_path)])
    assert ran.code == 0, ran.stderr
    files = {view["resourceRef"]["name"]: view["file"] for view in json.loads(ran.stdout)}
    assert files == {
        "first": {"path": str(tmp_path / "a.yaml"), "index": 0},
        "etl": {"path": str(tmp_path / "b.yaml"), "index": 1},
    }


BEST_EFFORT = """\
apiVersion: batch/v1
kind: Job
metadata: {name: tools, annotations: {seq-fn.dev/enabled: "true", seq-fn.dev/strategy: entrypoint}}
spec:
  activeDeadlineSeconds: 600
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: a, image: busybox, command: ["true"]}
      - {name: b, image: busybox, command: ["true"]}
"""


def test_the_entrypoint_copy_container_leaves_a_best_effort_pod_best_effort(tmp_path: Path):
    source = tmp_path / "job.yaml"
    source.write_text(BEST_EFFORT)
    ran = command(["plan", str(source)])
    assert ran.code == 0, ran.stderr
    assert "    pod resources (effective): none; qos class: BestEffort -> BestEffort\n" in ran.stdout
    assert "requests." not in ran.stdout, "no requests before, none after"
    assert not ran.stdout.rstrip().endswith(":"), "no heading over nothing"
    found = json.loads(command(["plan", "-o", "json", str(source)]).stdout)[0]["podTemplates"][0]["resources"]
    assert found["before"] == found["after"]
    assert found["after"] == {"qosClass": "BestEffort", "requests": {}, "limits": {}, "podLevel": [], "overhead": []}


def test_plan_shows_the_waits_of_order_with_after(tmp_path: Path):
    source = Path(__file__).parent / "golden" / "entrypoint-order-with-after" / "input.yaml"
    ran = command(["plan", str(source)])
    assert "a -> b -> c as containers run in order" in ran.stdout
    assert "waits: b after a; c after b, a" in ran.stdout
    heading = "    pod resources (effective):\n      requests.cpu: 1550m -> 1550m\n"
    assert heading in ran.stdout, "rows under the heading"
    assert "      qos class: Guaranteed -> Guaranteed" in ran.stdout


POD_LEVEL = """\
apiVersion: batch/v1
kind: Job
metadata: {name: etl, annotations: {seq-fn.dev/enabled: "true"}}
spec:
  template:
    spec:
      restartPolicy: Never
      runtimeClassName: kata
      overhead: {cpu: 250m, memory: 160Mi}
      resources:
        requests: {cpu: "4"}
      containers:
      - {name: extract, image: busybox, resources: {requests: {cpu: "1", memory: 256Mi}}}
      - {name: load, image: busybox, resources: {requests: {cpu: "2", memory: 1Gi}}}
"""


def test_plan_counts_pod_level_resources_and_overhead_as_the_scheduler_does(tmp_path: Path):
    source = tmp_path / "job.yaml"
    source.write_text(POD_LEVEL)
    ran = command(["plan", str(source)])
    assert ran.code == 0, ran.stderr
    assert "pod-level spec.resources sets cpu whatever the order; spec.overhead adds cpu, memory" in ran.stdout
    assert "requests.cpu: 4250m -> 4250m" in ran.stdout, "the pod-level request holds, plus the overhead"
    assert "requests.memory: 1440Mi -> 1184Mi" in ran.stdout, "memory is still the containers' total, plus overhead"
    found = json.loads(command(["plan", "--output", "json", str(source)]).stdout)
    after = found[0]["podTemplates"][0]["resources"]["after"]
    assert after["podLevel"] == ["cpu"] and after["overhead"] == ["cpu", "memory"]


def test_plan_lists_stop_delays_signals_and_retries_of_a_one_container_workload(tmp_path: Path):
    source = tmp_path / "job.yaml"
    source.write_text(
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: sync\n  annotations:\n"
        '    seq-fn.dev/retry-on-exit-codes.rsync: "23,24"\n    seq-fn.dev/stop-delay.rsync: "5s"\n'
        "spec:\n  template:\n    spec:\n      restartPolicy: Never\n"
        "      containers:\n      - {name: rsync, image: registry.example/rsync:3.2}\n"
    )
    config = tmp_path / "config.yaml"
    config.write_text(
        'apiVersion: seq-fn.dev/v1alpha1\nkind: SequenceContainers\nmetadata: {name: s}\nkubernetesVersion: "1.35"\n'
    )
    ran = command(["plan", "--config", str(config), str(source)])
    assert ran.code == 0, ran.stderr
    assert "steps, strategy init-containers: nothing to order" in ran.stdout
    assert "rsync stops 5s after it is told to" in ran.stdout
    assert "rsync restarts in place on exit codes 23, 24" in ran.stdout
    assert "terminationGracePeriodSeconds raised by 5s" in ran.stdout
    found = json.loads(command(["plan", "-o", "json", "--config", str(config), str(source)]).stdout)
    template = found[0]["podTemplates"][0]
    assert template["retryOnExitCodes"] == {"rsync": [23, 24]} and template["stopDelaySeconds"] == {"rsync": 5}


def test_plan_lists_the_rbac_api_waits_would_add_and_changes_nothing(tmp_path: Path):
    source = tmp_path / "backup.yaml"
    text = (Path(__file__).parent / "golden" / "wait-for-api-cross-namespace" / "input.yaml").read_text()
    text += (Path(__file__).parent / "golden" / "wait-for-api-pods-and-daemonset" / "input.yaml").read_text()
    source.write_text(text.replace("# A Job", "---\n# A Job", 1))
    ran = command(["plan", str(source)])
    assert ran.code == 0, ran.stderr
    assert "  adds RBAC (next to it, in its file):\n" in ran.stdout
    assert "    Role and RoleBinding seq-fn-wait-backup in ops: list endpointslices.discovery.k8s.io\n" in ran.stdout
    assert (
        "    Role and RoleBinding seq-fn-wait-backup.ops in data: get jobs.batch vacuum; "
        "list endpointslices.discovery.k8s.io\n"
        "    bound to ServiceAccount ops/default\n"
    ) in ran.stdout
    assert "seq-fn-wait-ingest in analytics: list pods; get daemonsets.apps fluent-bit" in ran.stdout
    assert "(list pods has no resourceNames: a label selector reads the pods of the whole namespace)" in ran.stdout
    note = "(list endpointslices has no resourceNames: a label selector reads the endpointslices of the whole namespace"
    assert note in ran.stdout
    as_json = json.loads(command(["plan", "-o", "json", str(source)]).stdout)
    rbac = as_json[0]["rbac"]
    assert [(r["kind"], r["namespace"], r["name"]) for r in rbac] == [
        ("Role", "ops", "seq-fn-wait-backup"),
        ("RoleBinding", "ops", "seq-fn-wait-backup"),
        ("Role", "data", "seq-fn-wait-backup.ops"),
        ("RoleBinding", "data", "seq-fn-wait-backup.ops"),
    ]
    assert rbac[2]["rules"][0] == {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["get"],
                                   "resourceNames": ["vacuum"]}  # fmt: skip
    assert as_json[0]["rbacAlreadyThere"] is False
    assert source.read_text().startswith("# Dependencies in another namespace"), "plan changes nothing"


def test_plan_says_when_the_rbac_is_already_there(tmp_path: Path):
    source = tmp_path / "web.yaml"
    source.write_text((Path(__file__).parent / "golden" / "wait-for-api-rbac-already-there" / "input.yaml").read_text())
    ran = command(["plan", str(source)])
    assert ran.code == 0, ran.stderr
    assert "  needs RBAC (already in the input, as seq-fn would write it):\n" in ran.stdout
