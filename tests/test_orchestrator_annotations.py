"""The annotations kpt and kustomize set (see the notes on KRM conventions) survive seq-fn exactly, except kpt's
comment-copy ids on a workload seq-fn rewrites (kpt would otherwise copy comments back by position)."""

from __future__ import annotations

from krm_fn.sdk import yamlio
from tests.support.run import krm

ORCHESTRATOR = {
    "internal.config.kubernetes.io/path": "a/job.yaml",
    "internal.config.kubernetes.io/index": "0",
    "internal.config.kubernetes.io/id": "7",
    "internal.config.kubernetes.io/seqindent": "wide",
    "internal.config.kubernetes.io/annotations-migration-resource-id": "0",
    "internal.config.kubernetes.io/package-path": "a",
    "config.kubernetes.io/path": "a/job.yaml",
    "config.kubernetes.io/index": "0",
    "config.k8s.io/id": "7",
    "kustomize.config.k8s.io/id": "kid",
    "internal.config.kubernetes.io/prefixes": "p-",
    "internal.config.kubernetes.io/suffixes": "-s",
    "internal.config.kubernetes.io/previousNames": "old",
    "internal.config.kubernetes.io/previousKinds": "Job",
    "internal.config.kubernetes.io/previousNamespaces": "default",
    "internal.config.k8s.io/kpt-resource-id": "0",
    "internal.config.kubernetes.io/kpt-resource-id": "0",
}


def _item(kind: str, extra: str) -> dict:
    text = f"apiVersion: {'batch/v1' if kind == 'Job' else 'v1'}\nkind: {kind}\nmetadata:\n  name: x\n{extra}"
    obj = yamlio.load_all(text)[0]
    obj["metadata"]["annotations"] = dict(ORCHESTRATOR)
    return obj


SEQUENCE_ALL = {"apiVersion": "seq-fn.dev/v1alpha1", "kind": "SequenceContainers", "metadata": {"name": "c"},
                "selectAll": True}  # fmt: skip


def test_orchestrator_annotations_survive_and_only_the_comment_copy_ids_leave_a_rewritten_workload():
    job = _item("Job", "spec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n"
                       "      - {name: a, image: busybox}\n      - {name: b, image: busybox}\n")  # fmt: skip
    config = _item("ConfigMap", "data: {a: b}\n")
    given = yamlio.dump({"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": [job, config],
                         "functionConfig": SEQUENCE_ALL})  # fmt: skip
    ran = krm(given)
    assert ran.code == 0, ran.stderr
    job_out, config_out = yamlio.load_all(ran.stdout)[0]["items"]
    assert dict(config_out["metadata"]["annotations"]) == ORCHESTRATOR
    expected = {
        k: v for k, v in ORCHESTRATOR.items() if k not in ("internal.config.kubernetes.io/id", "config.k8s.io/id")
    }
    written = dict(job_out["metadata"]["annotations"])
    assert written.pop("seq-fn.dev/undo").startswith("v1 ")  # the undo record (issue 25)
    assert written == {**expected, "seq-fn.dev/sequenced": "init-containers"}
