"""seq-fn under the real kpt: ``fn eval --exec`` with key=values and with ``--fn-config``, ``fn render``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from krm_fn.sdk import yamlio
from tests.e2e.conftest import GOLDEN, need, run, snapshot
from tests.support import kube

pytestmark = pytest.mark.e2e


def objects_in(path: Path) -> list:
    return [d for d in yamlio.load_all(path.read_text()) if d is not None]


def init_names(obj) -> list[str]:
    return [c["name"] for c in obj["spec"]["template"]["spec"].get("initContainers") or []]


def test_eval_exec_with_key_values_sequences_and_leaves_other_files_byte_identical(package: Path):
    before = snapshot(package)
    done = run(
        [
            need("kpt"),
            "fn",
            "eval",
            str(package),
            "--exec",
            need("seq-fn"),
            "--",
            "strategy=auto",
            "sidecars=transform,not-in-any-workload",
        ]
    )
    assert done.returncode == 0, done.stderr
    assert "extract as init containers, then load; sidecars transform as native sidecars" in done.stderr
    after = snapshot(package)
    assert after["settings.yaml"] == before["settings.yaml"]
    job = objects_in(package / "job.yaml")[0]
    assert init_names(job) == ["transform", "extract"]  # the sidecar first, from the ConfigMap's comma list
    assert job["spec"]["template"]["spec"]["initContainers"][0]["restartPolicy"] == "Always"
    deploy = objects_in(package / "deploy.yaml")[0]
    assert init_names(deploy) == ["config-agent"]
    for obj in (job, deploy):
        kube.check_workload(obj)


def test_eval_twice_changes_nothing_the_second_time(package: Path):
    kpt, seq_fn = need("kpt"), need("seq-fn")
    assert run([kpt, "fn", "eval", str(package), "--exec", seq_fn]).returncode == 0
    once = snapshot(package)
    assert run([kpt, "fn", "eval", str(package), "--exec", seq_fn]).returncode == 0
    assert snapshot(package) == once


def test_eval_with_fn_config_file(package: Path, tmp_path: Path):
    config = tmp_path / "sequence.yaml"
    config.write_text(
        "apiVersion: seq-fn.dev/v1alpha1\nkind: SequenceContainers\nmetadata: {name: s}\n"
        "selectors: [{kind: Deployment}]\n"
    )
    before = snapshot(package)
    done = run([need("kpt"), "fn", "eval", str(package), "--exec", need("seq-fn"), "--fn-config", str(config)])
    assert done.returncode == 0, done.stderr
    after = snapshot(package)
    assert after["job.yaml"] == before["job.yaml"], "the Job is not selected"
    assert init_names(objects_in(package / "deploy.yaml")[0]) == ["config-agent"]


def test_eval_with_a_bad_config_fails_and_writes_nothing(package: Path):
    before = snapshot(package)
    done = run([need("kpt"), "fn", "eval", str(package), "--exec", need("seq-fn"), "--", "strategy=fastest"])
    assert done.returncode != 0
    assert "must be one of auto, init-containers" in done.stderr
    assert snapshot(package) == before


def test_render_runs_the_kptfile_pipeline_with_selectors(package: Path):
    (package / "Kptfile").write_text(
        "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\n"
        '  annotations:\n    config.kubernetes.io/local-config: "true"\n'
        "pipeline:\n  mutators:\n  - exec: seq-fn\n    configPath: sequence.yaml\n"
        "    selectors:\n    - kind: Job\n"
    )
    (package / "sequence.yaml").write_text(
        "apiVersion: seq-fn.dev/v1alpha1\nkind: SequenceContainers\nmetadata:\n  name: sequence\n"
        '  annotations:\n    config.kubernetes.io/local-config: "true"\nstrategy: init-containers\n'
    )
    before = snapshot(package)
    done = run([need("kpt"), "fn", "render", str(package), "--allow-exec"])
    assert done.returncode == 0, done.stderr
    after = snapshot(package)
    changed = {name for name in after if after[name] != before[name]}
    assert changed == {"job.yaml"}, "only the selected Job changes; Kptfile, config and the rest stay as they were"
    assert init_names(objects_in(package / "job.yaml")[0]) == ["extract", "transform"]


TRAP = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: etl
  annotations:
    seq-fn.dev/enabled: "true"
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: extract   # comment on the first key of the first item
        image: busybox  # extract image
      - name: transform # transform name
        image: busybox
      - name: load
        image: busybox  # load image
"""


def test_under_kpt_no_comment_is_duplicated_or_moved_to_another_container(tmp_path: Path):
    """kpt copies comments back by position: containers[0] used to be extract, now it is load."""
    pkg = tmp_path / "trap"
    pkg.mkdir()
    (pkg / "job.yaml").write_text(TRAP)
    done = run([need("kpt"), "fn", "eval", str(pkg), "--exec", need("seq-fn")])
    assert done.returncode == 0, done.stderr
    text = (pkg / "job.yaml").read_text()
    for comment in ("# comment on the first key of the first item", "# extract image", "# transform name",
                    "# load image"):  # fmt: skip
        assert text.count(comment) == 1, (comment, text)
    assert "- name: extract # comment on the first key of the first item" in text
    assert "- name: load\n" in text, "load's name line has no comment of extract's"
    spec = objects_in(pkg / "job.yaml")[0]["spec"]["template"]["spec"]
    assert list(spec).index("initContainers") < list(spec).index("containers"), "the order seq-fn wrote"
    once = snapshot(pkg)
    assert run([need("kpt"), "fn", "eval", str(pkg), "--exec", need("seq-fn")]).returncode == 0
    assert snapshot(pkg) == once


def kinds_and_names(path: Path) -> list[tuple[str, str]]:
    return [(d["kind"], d["metadata"]["name"]) for d in objects_in(path)]


@pytest.mark.parametrize("mode", ["eval", "render"])
def test_api_waits_land_their_role_and_binding_in_the_workload_file_and_a_second_run_adds_nothing(
    package: Path, mode: str
):
    """kpt writes the Role and RoleBinding into the workload's file (after the objects already in it: kpt orders a
    file by index), leaves the other files alone, and a second run changes no byte."""
    shutil.copy(GOLDEN / "wait-for-api-service-and-job" / "input.yaml", package / "web.yaml")
    kpt, seq_fn = need("kpt"), need("seq-fn")
    command = [kpt, "fn", "eval", str(package), "--exec", seq_fn]
    if mode == "render":
        (package / "Kptfile").write_text(
            "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\n"
            '  annotations:\n    config.kubernetes.io/local-config: "true"\n'
            "pipeline:\n  mutators:\n  - exec: seq-fn\n"
        )
        command = [kpt, "fn", "render", str(package), "--allow-exec"]
    before = snapshot(package)
    done = run(command)
    assert done.returncode == 0, done.stderr
    after = snapshot(package)
    assert set(after) == set(before), "no new file: the RBAC goes into the workload's file"
    assert after["settings.yaml"] == before["settings.yaml"]
    assert kinds_and_names(package / "web.yaml") == [
        ("Deployment", "web"),
        ("Service", "web"),
        ("Role", "seq-fn-wait-web"),
        ("RoleBinding", "seq-fn-wait-web"),
    ]
    role, binding = objects_in(package / "web.yaml")[2:]
    assert yamlio.to_plain(role["rules"]) == [
        {"apiGroups": ["batch"], "resources": ["jobs"], "verbs": ["get"], "resourceNames": ["migrate-schema"]},
        {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list"]},
    ]
    assert yamlio.to_plain(binding["subjects"]) == [{"kind": "ServiceAccount", "name": "web", "namespace": "shop"}]
    assert not any("config.kubernetes.io" in key for key in role["metadata"]["annotations"]), "kpt took its own"
    for obj in (role, binding):
        kube.validate_strict(obj, "1.29")
    assert run(command).returncode == 0
    assert snapshot(package) == after, "a second run adds nothing and changes nothing"
