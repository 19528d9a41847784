"""A Pod that passes Pod Security "restricted" still passes after seq-fn, whatever the strategy."""

from __future__ import annotations

import pytest

import krm_fn
from tests.support.pss import restricted_violations

LOCKED = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}


def restricted_job(restart: str = "Never") -> dict:
    containers = [{"name": n, "image": "busybox", "command": ["true"], "securityContext": dict(LOCKED),
                   "readinessProbe": {"exec": {"command": ["true"]}}} for n in ("proxy", "a", "b")]  # fmt: skip
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "locked"},
            "spec": {"template": {"spec": {
                "restartPolicy": restart,
                "securityContext": {"runAsNonRoot": True, "runAsUser": 1000,
                                    "seccompProfile": {"type": "RuntimeDefault"}},
                "containers": containers}}}}  # fmt: skip


def test_the_input_passes_restricted():
    assert restricted_violations(restricted_job()["spec"]["template"]["spec"]) == []


@pytest.mark.parametrize(
    "config",
    [
        {"strategy": "init-containers", "sidecars": ["proxy"], "onIncompatibleFields": "drop"},
        {"strategy": "entrypoint", "sidecars": ["proxy"]},
        {"strategy": "entrypoint", "onError": "continue"},
    ],
    ids=["init-containers", "entrypoint-with-sidecar", "entrypoint-continue"],
)
def test_the_output_still_passes_restricted(config):
    out = krm_fn.sequence(restricted_job(), config)
    assert restricted_violations(out["spec"]["template"]["spec"]) == []


def test_the_copy_container_passes_restricted_on_its_own():
    job = restricted_job()
    del job["spec"]["template"]["spec"]["securityContext"]["seccompProfile"]
    del job["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"]
    out = krm_fn.sequence(job, {"strategy": "entrypoint"})
    problems = restricted_violations(out["spec"]["template"]["spec"])
    assert problems and not [p for p in problems if "seq-fn-entrypoint" in p]
