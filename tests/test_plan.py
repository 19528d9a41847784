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
    assert "steps, strategy init-containers: extract -> transform -> load as init containers" in ran.stdout
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
    assert "qos class: BestEffort -> BestEffort" in ran.stdout
    assert "requests." not in ran.stdout, "no requests before, none after"
    found = json.loads(command(["plan", "-o", "json", str(source)]).stdout)[0]["podTemplates"][0]["resources"]
    assert found["before"] == found["after"] == {"qosClass": "BestEffort", "requests": {}, "limits": {}}


def test_plan_shows_the_waits_of_order_with_after(tmp_path: Path):
    source = Path(__file__).parent / "golden" / "entrypoint-order-with-after" / "input.yaml"
    ran = command(["plan", str(source)])
    assert "a -> b -> c as containers run in order" in ran.stdout
    assert "waits: b after a; c after b, a" in ran.stdout
    assert "qos class: Guaranteed -> Guaranteed" in ran.stdout
    assert "requests.cpu: 1550m -> 1550m" in ran.stdout
