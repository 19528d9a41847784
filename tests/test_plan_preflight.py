"""``seq-fn plan``'s preflight: the Kubernetes the output needs, and ``--kubernetes-version``'s answer.

The versions come from one table (``krm_fn/sequencing/features.py``) that validation reads too; these tests check
the behaviour a user sees: what ``plan`` says a workload needs, that the answer for one version agrees with what
seq-fn itself refuses at that version, that fields the user wrote count as well as seq-fn's, and that a kubelet
patch release without a sidecar fix is named.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from krm_fn.sequencing import features, preflight
from tests.support.run import command

GOLDEN = Path(__file__).parent / "golden"
RESTART_ALL = GOLDEN / "restart-all-on-exit-codes"
GATES = GOLDEN / "known-proxy-startup-gates"

#: A native sidecar the user already wrote (seq-fn keeps it) with a resizePolicy, which needs 1.33.
OWN_SIDECAR = """\
apiVersion: batch/v1
kind: Job
metadata: {name: own, annotations: {seq-fn.dev/enabled: "true"}}
spec:
  template:
    spec:
      restartPolicy: Never
      initContainers:
      - name: logger
        image: registry.example/logger:1
        restartPolicy: Always
        resizePolicy: [{resourceName: cpu, restartPolicy: NotRequired}]
      containers:
      - {name: a, image: registry.example/a:1}
      - {name: b, image: registry.example/b:1}
"""


def test_plan_lists_each_field_with_its_version_and_the_minimum_cluster():
    ran = command(["plan", "--config", str(RESTART_ALL / "config.yaml"), str(RESTART_ALL / "input.yaml")])
    assert ran.code == 0, ran.stdout
    assert "needs Kubernetes: control plane 1.36 or newer, kubelets 1.36 or newer" in ran.stdout
    assert (
        "1.36  restart all containers (restartPolicyRules action RestartAllContainers): alpha 1.35, beta 1.36 "
        "(on by default); gate RestartAllContainersOnContainerExits; spec.template.spec.initContainers[0]"
        ".restartPolicyRules" in ran.stdout
    )
    assert "1.29  native sidecars" in ran.stdout
    assert ran.stdout.rstrip().endswith(
        "the output needs Kubernetes: control plane 1.36 or newer, kubelets 1.36 or newer"
    )


@pytest.mark.parametrize(("version", "code", "answer"), [("1.36", 0, "yes"), ("1.37.1", 0, "yes"), ("1.35", 1, "no")])
def test_kubernetes_version_answers_does_this_run_there(version, code, answer):
    ran = command(["plan", "--kubernetes-version", version, str(RESTART_ALL / "input.yaml")])
    assert ran.code == code, ran.stdout
    assert f"on Kubernetes {version}: {answer}" in ran.stdout
    if answer == "no":
        assert "RestartAllContainers, which Kubernetes has from 1.36, but kubernetesVersion is 1.35" in ran.stdout


def test_fields_the_user_wrote_count_too(tmp_path: Path):
    source = tmp_path / "own.yaml"
    source.write_text(OWN_SIDECAR)
    ran = command(["plan", "--kubernetes-version", "1.32", str(source)])
    assert ran.code == 1, ran.stdout
    assert "on Kubernetes 1.32: no:" in ran.stdout
    assert "Job own: resize of sidecars (resizePolicy on a native sidecar) needs 1.33" in ran.stdout
    assert command(["plan", "--kubernetes-version", "1.33", str(source)]).code == 0


@pytest.mark.parametrize(
    ("version", "answer"),
    [("1.33.4", "yes, with these risks"), ("1.33.6", "yes"), ("1.34.1", "yes, with these risks"), ("1.34.2", "yes")],
)
def test_a_kubelet_patch_without_the_sidecar_startup_fix_is_named(version, answer):
    ran = command(["plan", "--kubernetes-version", version, str(GATES / "input.yaml")])
    assert ran.code == 0, ran.stdout
    assert f"on Kubernetes {version}: {answer}" + ("\n" if answer == "yes" else ":") in ran.stdout
    if answer != "yes":
        assert (
            f"Job migrate: kubelets {version} have a bug: a native sidecar whose startupProbe fails once" in ran.stdout
        )


def test_the_kubelet_fix_is_listed_only_where_the_output_can_hit_it():
    ran = command(["plan", str(GATES / "input.yaml")])
    blocks = {block.split("  (")[0]: block for block in ran.stdout.split("\n\n")}
    assert "kubelet fix kubernetes/kubernetes#132826" in blocks["Job migrate"], "sidecar startupProbe, Never"
    assert "kubelet fix" not in blocks["Deployment web"], "a Deployment's Pod restarts its containers"
    assert "with kubernetes/kubernetes#132826 fixed: 1.33.6 on 1.33, 1.34.2 on 1.34, any 1.35 or newer" in ran.stdout


def test_json_carries_the_needs_and_the_answer():
    ran = command(["plan", "-o", "json", "--kubernetes-version", "1.36", str(RESTART_ALL / "input.yaml")])
    found = json.loads(ran.stdout)[0]["podTemplates"][0]["needs"]
    assert (found["controlPlane"], found["kubelet"]) == ("1.36", "1.36")
    assert [f["feature"] for f in found["fields"]] == ["native sidecars", "restart rules", "restart all containers"]
    assert found["runsOn"] == {"version": "1.36", "missing": [], "risks": []}


def test_a_bad_version_is_refused_with_a_clear_message():
    ran = command(["plan", "--kubernetes-version", "latest", str(RESTART_ALL / "input.yaml")])
    assert ran.code == 2
    assert "--kubernetes-version must be a version such as 1.31 or 1.33.4, not 'latest'" in ran.stderr
    assert "Traceback" not in ran.stderr


def test_every_feature_names_a_public_source_and_an_ordered_history():
    for feature in features.FEATURES:
        assert feature.source.startswith("https://github.com/kubernetes/"), feature.key
        releases = [release for release, _ in feature.stages]
        assert releases == sorted(releases) and feature.stage_at(feature.since) in ("beta", "GA", "alpha")


def test_the_startup_probe_fix_by_patch_release():
    fix = features.SIDECAR_STARTUP_PROBE_RACE
    assert [fix.fixed_at(v) for v in [(1, 32, 9), (1, 33, 5), (1, 33, 6), (1, 34, 1), (1, 34, 2), (1, 35, 0)]] == [
        False,
        False,
        True,
        False,
        True,
        True,
    ]
    assert fix.fixed_at((1, 34)) is None, "a minor alone cannot tell"


def test_parse_version():
    assert preflight.parse_version("v1.33.4") == (1, 33, 4)
    assert preflight.parse_version("1.31") == (1, 31)
    assert preflight.parse_version("1") is None and preflight.parse_version("1.x") is None


def test_plan_shows_the_restart_all_rules():
    ran = command(["plan", "--config", str(RESTART_ALL / "config.yaml"), str(RESTART_ALL / "input.yaml")])
    assert "process exiting with 75 restarts every container in place (the sequence reruns from its first step)" in (
        ran.stdout
    )
    ran = command(["plan", "-o", "json", "--config", str(RESTART_ALL / "config.yaml"), str(RESTART_ALL / "input.yaml")])
    template = json.loads(ran.stdout)[0]["podTemplates"][0]
    assert template["restartAllOnExitCodes"] == {"process": [75], "upload": [75], "watcher": [88]}
    assert template["retryOnExitCodes"] == {"upload": [42]}
