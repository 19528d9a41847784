"""Selection: what a user sees when seq-fn runs over workloads that did, or did not, ask for it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import krm_fn
from krm_fn.sequencing import known_sidecars
from tests.support.run import command

ROOT = Path(__file__).parents[2]


def _job(annotations: dict[str, str] | None = None, template_annotations: dict[str, str] | None = None) -> dict:
    template: dict = {"spec": {"restartPolicy": "Never", "containers": [
        {"name": "a", "image": "busybox"}, {"name": "b", "image": "busybox"}]}}  # fmt: skip
    if template_annotations:
        template["metadata"] = {"annotations": template_annotations}
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "annotations": annotations or {}},
            "spec": {"template": template}}  # fmt: skip


@pytest.mark.parametrize(
    ("annotations", "template_annotations", "sequenced"),
    [
        ({}, None, False),
        ({"seq-fn.dev/enabled": "true"}, None, True),
        ({}, {"seq-fn.dev/enabled": "true"}, True),
        ({"seq-fn.dev/order": "b,a"}, None, True),
        ({"seq-fn.dev/timeout.a": "5m"}, None, True),
        ({"seq-fn.dev/enabled": "true"}, {"seq-fn.dev/enabled": "false"}, False),
        ({"seq-fn.dev/order": "b,a", "seq-fn.dev/skip": "true"}, None, False),
        ({"other.example/enabled": "true"}, None, False),
    ],
)
def test_only_a_workload_that_declares_intent_is_sequenced(annotations, template_annotations, sequenced):
    items, _ = krm_fn.sequence_resources([_job(annotations, template_annotations)])
    assert ("initContainers" in items[0]["spec"]["template"]["spec"]) is sequenced


def test_select_all_and_selectors_select_without_annotations_but_never_past_an_opt_out():
    plain, opted_out = _job(), _job({"seq-fn.dev/enabled": "false"})
    for config in ({"selectAll": True}, {"selectors": [{"kind": "Job"}]}):
        items, _ = krm_fn.sequence_resources([plain, opted_out], config)
        assert "initContainers" in items[0]["spec"]["template"]["spec"], config
        assert items[1] is opted_out, config


def test_a_bad_opt_in_value_is_an_error_naming_the_annotation():
    _, results = krm_fn.sequence_resources([_job({"seq-fn.dev/enabled": "yes please"})])
    assert [r.severity for r in results] == ["error"]
    assert 'seq-fn.dev/enabled must be "true" or "false"' in results[0].message


def test_the_standalone_all_flag_sequences_a_file_nothing_in_which_asked(tmp_path: Path):
    source = tmp_path / "job.yaml"
    source.write_text(
        "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n"
        "      restartPolicy: Never\n      containers:\n      - {name: a, image: busybox}\n"
        "      - {name: b, image: busybox}\n"
    )
    assert "initContainers" not in command(["-f", str(source)]).stdout
    assert "initContainers" in command(["--all", "-f", str(source)]).stdout
    plan = command(["plan", str(source)]).stdout
    assert "not sequenced: declares no intent" in plan
    assert "init-containers" in command(["plan", "--all", str(source)]).stdout


def test_the_readme_lists_every_known_sidecar_with_its_names():
    section = (ROOT / "README.md").read_text().split("### Known sidecars", 1)[1].split("\n## ", 1)[0]
    rows = {row.split("|")[1].strip(): row for row in section.splitlines() if row.startswith("| ")}
    for known in known_sidecars.KNOWN:
        assert known.label in rows, known.label
        for name in known.names:
            assert f"`{name}`" in rows[known.label], (known.label, name)


@pytest.mark.parametrize(
    ("image", "label"),
    [
        ("docker.io/istio/proxyv2:1.22.3", "Istio proxy"),
        ("my-mirror.example:5000/istio/proxyv2:1.22.3@sha256:" + "0" * 64, "Istio proxy"),
        ("gcr.io/cloud-sql-connectors/cloud-sql-proxy:2.11.4", "Cloud SQL Auth Proxy"),
        ("registry.k8s.io/kubebuilder/kube-rbac-proxy:v0.16.0", "kube-rbac-proxy"),
        ("cr.l5d.io/linkerd/proxy:edge-24.11.8", "Linkerd proxy"),
        ("nginx:1.27", None),
        ("registry.example/proxyv2-app:1", None),
    ],
)
def test_known_sidecars_are_recognised_by_image_on_any_registry(image, label):
    found = known_sidecars.recognise({"name": "c", "image": image})
    assert (found.label if found else None) == label


def test_every_known_sidecar_label_is_unique():
    labels = [k.label for k in known_sidecars.KNOWN]
    assert len(labels) == len(set(labels))
    assert all(re.fullmatch(r"[\w .-]+", label) for label in labels)


def test_when_selectors_match_nothing_the_hint_says_to_widen_them_not_to_annotate():
    _, results = krm_fn.sequence_resources([_job({"seq-fn.dev/enabled": "true"})], {"selectors": [{"kind": "Pod"}]})
    assert [r.severity for r in results] == ["info"]
    assert "not selected by the functionConfig's selectors" in results[0].message
    assert "make the functionConfig's selectors match it" in results[0].message


def test_a_run_that_sequences_something_gives_no_hints_for_the_rest():
    _, results = krm_fn.sequence_resources([_job({"seq-fn.dev/enabled": "true"}), _job()])
    assert [r.severity for r in results] == ["info"]
    assert "as init containers" in results[0].message
