"""Which Services of the input reach a named port that moved onto a native sidecar (below Kubernetes 1.32)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.run import krm, resource_list

CASE = Path(__file__).parent.parent / "golden" / "error-named-port-per-replica-service" / "input.yaml"
#: The case's config: a cluster older than 1.32, where a Service cannot reach a native sidecar's named port.
CONFIG = (CASE.parent / "config.yaml").read_text()


@pytest.mark.parametrize(
    "selector",
    [
        "statefulset.kubernetes.io/pod-name: cache-extra-0",  # a Pod of the StatefulSet cache-extra
        "statefulset.kubernetes.io/pod-name: cache-",
        'apps.kubernetes.io/pod-index: "first"',
        "tier: cache",  # no Pod of the StatefulSet has it
    ],
)
def test_a_service_that_selects_no_pod_of_the_workload_gives_a_warning_not_an_error(selector: str) -> None:
    text = CASE.read_text().replace("statefulset.kubernetes.io/pod-name: cache-0", selector)
    ran = krm(resource_list(text, CONFIG))
    assert ran.code == 0, ran.stderr
    messages = [(r["severity"], r["message"]) for r in ran.resource_list()["results"]]
    assert any(s == "warning" and "port 'redis' is named: a Service elsewhere" in m for s, m in messages), messages


def test_a_service_that_selects_one_replica_by_its_index_is_an_error() -> None:
    text = CASE.read_text().replace("statefulset.kubernetes.io/pod-name: cache-0", 'apps.kubernetes.io/pod-index: "0"')
    ran = krm(resource_list(text, CONFIG))
    assert ran.code == 1
    assert "which Service cache-0 targets" in ran.stderr
