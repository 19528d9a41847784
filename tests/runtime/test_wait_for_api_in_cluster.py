"""API waits as they run in a Pod: the real kubectl, in-cluster config, the Role seq-fn wrote, over TLS.

Each test sequences a workload with seq-fn, takes the ``seq-fn-wait`` container and the RBAC objects from its
output unchanged, and runs that container under podman the way the kubelet would (:mod:`tests.runtime.kubectl_pod`:
the real kubectl binary, no kubeconfig, ``KUBERNETES_SERVICE_HOST``/``PORT``, and the service-account ``token``,
``ca.crt`` and ``namespace`` mounted where the kubelet mounts them). The API server is the stub of
:mod:`tests.runtime.apiserver` (a stand-in: none can be installed here): HTTPS with a CA made for the test, the
bearer token checked, and exactly the Roles, ClusterRoles and bindings seq-fn wrote enforced (403 otherwise).

This replaces the earlier kubectl stand-in script and the kubeconfig-to-a-stub test: both gave kubectl a
configuration a Pod does not have, which hid that ``--request-timeout`` makes kubectl leave its in-cluster config.
:func:`test_the_old_script_dials_localhost_in_a_pod` keeps that proof: the script as seq-fn 0.x wrote it fails here.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import krm_fn
from krm_fn.sdk import yamlio
from tests.runtime import kubectl_pod, podman
from tests.runtime.apiserver import Request
from tests.runtime.kubectl_pod import NODE, Cluster

pytestmark = pytest.mark.runtime

HERE = Path(__file__).parent
#: seq-fn-wait's script as seq-fn wrote it before this test existed (kubectl get --request-timeout=10s ...).
OLD_SCRIPT = (HERE / "seq-fn-wait-with-request-timeout.sh").read_text()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    kubectl_pod.image()
    found = Cluster.start(tmp_path / "cluster")
    yield found
    found.stop()


def sequenced(waits: str, timeout: str, **spec: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """seq-fn's output for a Deployment in ``shop`` waiting on ``waits``: its seq-fn-wait container, its RBAC."""
    workload = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop",
                     "annotations": {"seq-fn.dev/wait-for": waits, "seq-fn.dev/wait-timeout": timeout}},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}},
                              "spec": {**spec, "containers": [{"name": "app", "image": "app:1",
                                                               "resources": {"limits": {"memory": "256Mi"}}}]}}},
    }  # fmt: skip
    out, _ = krm_fn.sequence_resources([workload])
    plain = [yamlio.to_plain(o) for o in out]
    wait = plain[0]["spec"]["template"]["spec"]["initContainers"][0]
    assert wait["name"] == "seq-fn-wait"
    return wait, [o for o in plain[1:] if o["apiVersion"].startswith("rbac.")]


def meta(name: str, namespace: str | None = "shop", **labels: str) -> dict[str, Any]:
    found: dict[str, Any] = {"name": name}
    if namespace:
        found["namespace"] = namespace
    if labels:
        found["labels"] = dict(labels)
    return found


def pod(name: str, ready: str, node: str = NODE, deleting: bool = False, **labels: str) -> dict[str, Any]:
    metadata = meta(name, **labels)
    if deleting:
        metadata["deletionTimestamp"] = "2026-12-06T00:00:00Z"
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": {"nodeName": node},
            "status": {"conditions": [{"type": "Ready", "status": ready}]}}  # fmt: skip


def endpoint(ip: str, **conditions: bool) -> dict[str, Any]:
    return {"addresses": [ip], "conditions": conditions}


def slice_of(service: str, name: str, *endpoints: dict[str, Any]) -> dict[str, Any]:
    metadata = meta(name, **{"kubernetes.io/service-name": service})
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
            "metadata": metadata, "endpoints": list(endpoints)}  # fmt: skip


def condition(kind: str, group_version: str, name: str, status: str, namespace: str | None = "shop") -> dict[str, Any]:
    conditions = [{"type": "Issuing", "status": "False"}, {"type": "Ready", "status": status}]
    return {"apiVersion": group_version, "kind": kind, "metadata": meta(name, namespace),
            "status": {"conditions": conditions}}  # fmt: skip


WAITS = ("service/catalog,job/migrate,pod/app=db+role=primary,daemonset/fluent-bit,"
         "certificates.cert-manager.io/web-tls:condition=Ready,"
         "data/postgresclusters.postgres-operator.crunchydata.com/ledger:status.phase=Ready,"
         "clusterissuers.cert-manager.io/letsencrypt:condition=Ready")  # fmt: skip


def test_every_api_wait_holds_until_its_dependency_is_ready(cluster: Cluster) -> None:
    """Each form waits while its dependency is not ready (in the ways a cluster shows it), and passes once it is:
    a Service whose only endpoints are not serving, terminating, or listed ready only because the Service publishes
    not-ready addresses; a Job without conditions; a Pod with one of the two labels (Ready: a decoy), one with both
    not Ready, one with both Ready but terminating; the DaemonSet's Pod Ready on another node; a custom resource
    with its condition False, one in another namespace with the wrong field, a cluster-scoped one False."""
    server = cluster.server
    wait, rbac = sequenced(WAITS, "120s")
    server.allow(rbac)
    not_ready = [
        slice_of("catalog", "catalog-abc12", endpoint("10.0.0.1", ready=False, serving=False, terminating=False),
                 endpoint("10.0.0.2", ready=False, serving=True, terminating=True),
                 endpoint("10.0.0.3", ready=True, serving=False, terminating=False)),
        slice_of("other", "other-xyz98", endpoint("10.0.0.9", ready=True, serving=True, terminating=False)),
        {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta("migrate"), "status": {"active": 1}},
        pod("db-decoy", "True", app="db"),
        pod("db-0", "False", app="db", role="primary"),
        pod("db-old", "True", deleting=True, app="db", role="primary"),
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": meta("fluent-bit"),
         "spec": {"selector": {"matchLabels": {"app": "fluent-bit", "tier": "node"}}}},
        pod("fluent-bit-b", "True", node="node-b", app="fluent-bit", tier="node"),
        pod("fluent-bit-a", "False", app="fluent-bit", tier="node"),
        condition("Certificate", "cert-manager.io/v1", "web-tls", "False"),
        {"apiVersion": "postgres-operator.crunchydata.com/v1beta1", "kind": "PostgresCluster",
         "metadata": meta("ledger", "data"), "status": {"phase": "Creating"}},
        condition("ClusterIssuer", "cert-manager.io/v1", "letsencrypt", "False", namespace=None),
    ]  # fmt: skip
    for obj in not_ready:
        server.put(obj)
    ready = {  # the request that reads a dependency -> what makes it ready
        "/apis/discovery.k8s.io/v1/namespaces/shop/endpointslices":
            slice_of("catalog", "catalog-def34", endpoint("10.0.0.4", ready=True, serving=True, terminating=False)),
        "/apis/batch/v1/namespaces/shop/jobs/migrate":
            {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta("migrate"),
             "status": {"conditions": [{"type": "Complete", "status": "True"}]}},
        "/api/v1/namespaces/shop/pods?labelSelector=app%3Ddb": pod("db-1", "True", app="db", role="primary"),
        "/api/v1/namespaces/shop/pods?fieldSelector=spec.nodeName": pod("fluent-bit-a", "True", app="fluent-bit",
                                                                           tier="node"),
        "/apis/cert-manager.io/v1/namespaces/shop/certificates/web-tls":
            condition("Certificate", "cert-manager.io/v1", "web-tls", "True"),
        "/apis/postgres-operator.crunchydata.com/v1beta1/namespaces/data/postgresclusters/ledger":
            {"apiVersion": "postgres-operator.crunchydata.com/v1beta1", "kind": "PostgresCluster",
             "metadata": meta("ledger", "data"), "status": {"phase": "Ready"}},
        "/apis/cert-manager.io/v1/clusterissuers/letsencrypt":
            condition("ClusterIssuer", "cert-manager.io/v1", "letsencrypt", "True", namespace=None),
    }  # fmt: skip
    asked: dict[str, int] = {}

    def come_up(request: Request) -> None:
        """A dependency turns ready after it was read once not ready: its second read finds it ready."""
        for prefix, obj in ready.items():
            if request.url.startswith(prefix):
                asked[prefix] = asked.get(prefix, 0) + 1
                if asked[prefix] == 2:
                    server.put(obj)

    server.before_answer = come_up
    ran = kubectl_pod.run(wait, cluster)
    assert ran.code == 0, ran.stdout + ran.stderr
    for dependency in WAITS.split(","):
        assert f"seq-fn-wait: {dependency} is ready" in ran.stdout
    assert all(count >= 2 for count in asked.values()) and len(asked) == len(ready), asked
    assert all(r.user == server.user for r in server.requests), "every request carried the service-account token"
    assert [r.url for r in server.requests if r.code != 200] == [], "the Roles seq-fn wrote granted every read"
    assert "Warning" not in ran.stdout + ran.stderr and "localhost" not in ran.stderr
    discovery = [r.url for r in server.requests if r.discovery]
    # kubectl >= 1.30 reads /api and /apis (aggregated discovery); older ones each group version too: once each
    assert discovery[:2] == ["/api?timeout=32s", "/apis?timeout=32s"], discovery
    assert len(discovery) == len(set(discovery)), f"discovery read once, then from KUBECACHEDIR: {discovery}"
    daemonset_reads = [r for r in server.requests if r.path.endswith("/daemonsets/fluent-bit")]
    assert len(daemonset_reads) == 1, "the DaemonSet's selector is read once (it is immutable)"


def test_the_old_script_dials_localhost_in_a_pod(cluster: Cluster) -> None:
    """seq-fn-wait as seq-fn wrote it before (``kubectl get --request-timeout=10s ...``) never reaches the API
    server from a Pod: kubectl leaves its in-cluster config for the flag and dials localhost:8080. The same
    container with today's script, against the same server, passes."""
    server = cluster.server
    wait, rbac = sequenced("job/migrate", "4s")
    server.allow(rbac)
    server.put({"apiVersion": "batch/v1", "kind": "Job", "metadata": meta("migrate"),
                "status": {"conditions": [{"type": "Complete", "status": "True"}]}})  # fmt: skip
    old = {**wait, "command": [*wait["command"][:2], OLD_SCRIPT, *wait["command"][3:]]}
    assert "--request-timeout=10s" in OLD_SCRIPT
    ran = kubectl_pod.run(old, cluster)
    assert ran.code == 1
    assert "seq-fn-wait: job/migrate is still not ready after 4s" in ran.stderr
    assert "localhost:8080" in ran.stderr, ran.stderr
    assert server.resource_requests() == [], "the old script never reached the API server"
    ran = kubectl_pod.run(wait, cluster)
    assert ran.code == 0, ran.stderr
    assert "seq-fn-wait: job/migrate is ready" in ran.stdout


def test_a_read_the_role_does_not_grant_is_forbidden_and_named_at_the_timeout(cluster: Cluster) -> None:
    """A singular resource name: the Role grants ``certificate`` as written, kubectl reads ``certificates``, the
    API server answers 403; at the timeout the wait shows kubectl's Forbidden error and says to write the plural."""
    server = cluster.server
    wait, rbac = sequenced("certificate.cert-manager.io/web-tls:condition=Ready", "5s")
    server.allow(rbac)
    server.put(condition("Certificate", "cert-manager.io/v1", "web-tls", "True"))
    ran = kubectl_pod.run(wait, cluster)
    assert ran.code == 1
    assert ('seq-fn-wait: the last answer: Error from server (Forbidden): certificates.cert-manager.io "web-tls" '
            'is forbidden: User "system:serviceaccount:shop:default" cannot get resource "certificates" in API '
            'group "cert-manager.io" in the namespace "shop"') in ran.stderr  # fmt: skip
    assert "the API lists no certificate.cert-manager.io but certificates.cert-manager.io" in ran.stderr
    assert "write its plural name" in ran.stderr
    assert all(r.code == 403 for r in server.resource_requests())


def test_a_failed_job_ends_the_wait_at_once_and_a_missing_one_is_waited_for(cluster: Cluster) -> None:
    server = cluster.server
    wait, rbac = sequenced("job/migrate", "5m")
    server.allow(rbac)
    server.put({"apiVersion": "batch/v1", "kind": "Job", "metadata": meta("migrate"),
                "status": {"conditions": [{"type": "Failed", "status": "True"}]}})  # fmt: skip
    started = time.monotonic()
    ran = kubectl_pod.run(wait, cluster)
    assert ran.code == 1 and time.monotonic() - started < 60, "not the 5m timeout"
    assert ("seq-fn-wait: job/migrate: Job shop/migrate failed (condition Failed=True), so it will never complete: "
            "giving up") in ran.stderr  # fmt: skip
    assert len(server.resource_requests()) == 1
    wait, rbac = sequenced("job/seed", "4s")
    server.allow(rbac)
    ran = kubectl_pod.run(wait, cluster)
    assert ran.code == 1
    assert 'seq-fn-wait: the last answer: Error from server (NotFound): jobs.batch "seed" not found' in ran.stderr
    assert len([r for r in server.resource_requests() if r.path.endswith("/jobs/seed")]) >= 3, "asked until the end"


def test_a_pod_without_automounted_token_uses_the_volume_seq_fn_adds(cluster: Cluster) -> None:
    """``automountServiceAccountToken: false``: the kubelet mounts nothing, seq-fn-wait reads its own projected
    token volume (here the same three files at the mount path seq-fn wrote)."""
    server = cluster.server
    wait, rbac = sequenced("service/catalog", "30s", automountServiceAccountToken=False)
    assert any(m["name"] == "seq-fn-wait-token" for m in wait["volumeMounts"])
    server.allow(rbac)
    server.put(slice_of("catalog", "catalog-abc12", endpoint("10.0.0.4")))  # no conditions: ready, as the API says
    ran = kubectl_pod.run(wait, cluster, automount=False)
    assert ran.code == 0, ran.stderr
    assert "seq-fn-wait: service/catalog is ready" in ran.stdout


def test_a_pod_deleted_while_it_waits_stops_at_once(cluster: Cluster) -> None:
    """The kubelet stops a container with SIGTERM, and the wait's shell is the container's PID 1, which ignores
    SIGTERM unless it traps it: the wait must stop within a kubectl call, not hold the Pod for its grace period
    (here ``podman stop --time 30``, which sends SIGKILL after 30 s)."""
    server = cluster.server
    wait, rbac = sequenced("job/migrate", "5m")
    server.allow(rbac)  # no such Job: NotFound, so it waits
    name = podman.unique("seq-fn-wait-stop-21")
    args = kubectl_pod.podman_args(wait, cluster)
    process = subprocess.Popen(["podman", args[0], f"--name={name}", *args[1:]], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        for _ in range(600):
            if len(server.resource_requests()) >= 3:
                break
            time.sleep(0.1)
        started = time.monotonic()
        podman.podman("stop", "--time", "30", name, timeout=120)
        _, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
        podman.podman("rm", "-f", name, check=False)
    assert time.monotonic() - started < 15, "stopped within a kubectl call, not after the grace period"
    assert process.returncode == 143, stderr
    assert "seq-fn-wait: stopped (SIGTERM) while waiting for job/migrate" in stderr
