"""API waits in real containers: ``seq-fn-wait``'s script, as seq-fn writes it, runs under podman and waits for a
Service with a ready endpoint, a completed Job, a Ready Pod by labels, a DaemonSet's Pod on the same node and a
custom resource's condition and field, each coming up late; it gives up with kubectl's Forbidden error visible,
and at once on a failed Job.

Stand-ins, labelled: there is no API server here (none can be installed), so ``kubectl`` on the image's PATH is
``kubectl-standin.sh``, which answers each query from a file the test writes. Each answer is what the REAL kubectl
prints for that object and that ``-o`` template (computed here with the installed kubectl on a local object, the
very templates the script uses); errors are the API server's Forbidden and NotFound messages, exit 1, and
Endpoints answers carry the deprecation warning the server sends from 1.33. The image is Debian's static busybox
with the stand-in (the default image, alpine/kubectl, cannot be pulled here); ``NODE_NAME``, which Kubernetes fills
from ``spec.nodeName``, is given a value (podman has no node); the answers folder is mounted into seq-fn-wait.
"""

from __future__ import annotations

import hashlib
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

import krm_fn
from krm_fn.sequencing import waits_script
from tests.runtime import podman

pytestmark = pytest.mark.runtime

HERE = Path(__file__).parent
APPLETS = ("sh", "nc", "wget", "timeout", "date", "grep", "test", "sleep", "echo", "cat", "true", "printf")
STANDIN = HERE / "kubectl-standin.sh"
_CONTENT = hashlib.sha256(" ".join(APPLETS).encode() + STANDIN.read_bytes()).hexdigest()[:12]
IMAGE = f"localhost/seq-fn-test-kubectl-standin:{_CONTENT}"
NODE = "node-a"


@pytest.fixture(scope="module", autouse=True)
def standin_image() -> None:
    """busybox with the applets the script uses, and the kubectl stand-in as /bin/kubectl."""
    podman.busybox_image(IMAGE, APPLETS, {"bin/kubectl": STANDIN})


def real_kubectl(obj: Mapping[str, Any], output: str, tmp: Path) -> str:
    """What the installed kubectl prints for ``obj`` with ``-o output`` (``--local``: no server is asked).

    kubectl prints the objects of anything with ``items`` one by one when it reads a file, so a list is given to
    it under another key, with the template reading that key: the same JSONPath over the same objects.
    """
    if "items" in obj:
        obj = {"apiVersion": "example.com/v1", "kind": "Probe", "metadata": {"name": "list"}, "things": obj["items"]}
        output = output.replace(".items[", ".things[")
    path = tmp / "object.yaml"
    path.write_text(yaml.safe_dump(dict(obj)))
    done = subprocess.run(["kubectl", "annotate", "--local", "--overwrite", "-f", str(path), "probe=1", "-o", output],
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    return done.stdout


def meta(name: str, namespace: str = "shop") -> dict[str, Any]:
    return {"name": name, "namespace": namespace}


def pod_object(name: str, ready: str, node: str = NODE) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta(name), "spec": {"nodeName": node, "containers": []},
            "status": {"conditions": [{"type": "Ready", "status": ready}]}}  # fmt: skip


class Api:
    """The answers folder the stand-in reads, written as the objects would change on a cluster."""

    def __init__(self, folder: Path, tmp: Path) -> None:
        self.folder, self.tmp = folder, tmp

    def answer(self, key: str, obj: Mapping[str, Any], output: str) -> None:
        text = real_kubectl(obj, output, self.tmp)
        partial = self.folder / f".{key}"
        partial.write_text(text)
        partial.chmod(0o644)
        partial.rename(self.folder / key)  # whole, never half-written

    def forbid(self, key: str) -> None:
        (self.folder / f"{key}.forbidden").write_text("")
        (self.folder / f"{key}.forbidden").chmod(0o644)

    def calls(self) -> list[str]:
        path = self.folder / "calls"
        return path.read_text().splitlines() if path.exists() else []


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    folder = tmp_path / "api"
    folder.mkdir()
    folder.chmod(0o777)  # seq-fn-wait runs as nobody and the stand-in logs its calls there
    work = tmp_path / "work"
    work.mkdir()
    yield Api(folder, work)


def sequenced_pod(name: str, waits: str, timeout: str, answers: Path) -> dict[str, Any]:
    """A Pod with seq-fn's wait for ``waits``, its image the stand-in, the answers folder mounted into it."""
    workload = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop",
                     "annotations": {"seq-fn.dev/wait-for": waits, "seq-fn.dev/wait-timeout": timeout}},
        "spec": {"restartPolicy": "Never", "containers": [{"name": "app", "image": IMAGE,
                                                           "command": ["sh", "-c", "echo app started"]}]},
    }  # fmt: skip
    out = krm_fn.sequence(workload, {"waitFor": {"apiImage": IMAGE}})
    wait = out["spec"]["initContainers"][0]
    assert wait["name"] == "seq-fn-wait" and wait["image"] == IMAGE
    # stand-in plumbing, not seq-fn's output: no node to read spec.nodeName from, the answers on a volume
    wait["env"] = [
        *(e for e in wait.get("env") or () if e["name"] != "NODE_NAME"),
        {"name": "NODE_NAME", "value": NODE},
        {"name": "KUBECTL_STANDIN_ANSWERS", "value": "/api"},
    ]
    wait.setdefault("volumeMounts", []).append({"name": "api", "mountPath": "/api"})
    out["spec"]["volumes"] = [{"name": "api", "hostPath": {"path": str(answers), "type": "Directory"}}]
    for container in [*out["spec"]["initContainers"], *out["spec"]["containers"]]:
        container["imagePullPolicy"] = "Never"
    out["metadata"]["annotations"] = {}  # podman 4.3 refuses annotation values over 63 characters
    return podman.as_pod(out, name=name)  # fmt: skip


def logs(container: str) -> str:
    done = subprocess.run(["podman", "logs", container], capture_output=True, timeout=60, check=False)
    return (done.stdout + done.stderr).decode()


def test_each_api_wait_holds_the_pod_until_its_dependency_is_ready(tmp_path: Path, api: Api) -> None:
    waits = ("service/catalog,job/migrate,pod/app=db+role=primary,daemonset/fluent-bit,"
             "certificates.cert-manager.io/web-tls:condition=Ready,"
             "data/postgresclusters.postgres-operator.crunchydata.com/ledger:status.phase=Ready")  # fmt: skip
    endpoints = {"apiVersion": "v1", "kind": "Endpoints", "metadata": meta("catalog")}
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta("migrate"), "status": {}}
    daemonset = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": meta("fluent-bit"),
                 "spec": {"selector": {"matchLabels": {"app": "fluent-bit", "tier": "node"}}}}  # fmt: skip
    cert = {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": meta("web-tls"),
            "status": {"conditions": [{"type": "Ready", "status": "False"}]}}  # fmt: skip
    ledger = {"apiVersion": "postgres-operator.crunchydata.com/v1beta1", "kind": "PostgresCluster",
              "metadata": meta("ledger", "data"), "status": {"phase": "Creating"}}  # fmt: skip
    pods_key = "pods.shop.l=app=db,role=primary"
    node_pods_key = f"pods.shop.l=app=fluent-bit,tier=node.f=spec.nodeName={NODE}"
    # not ready yet: no ready address, no condition, a Pod not Ready, the other node's Pod Ready, False, Creating
    api.answer("endpoints.shop.catalog", {**endpoints, "subsets": [{"notReadyAddresses": [{"ip": "10.0.0.9"}]}]},
               waits_script.ENDPOINTS)  # fmt: skip
    api.answer("jobs.batch.shop.migrate", job, waits_script.JOB_DONE)
    api.answer(pods_key, {"items": [pod_object("db-0", "False")]}, waits_script.READY_PODS)
    api.answer("daemonsets.apps.shop.fluent-bit", daemonset, waits_script.DAEMONSET_LABELS)
    api.answer(node_pods_key, {"items": [pod_object("fluent-bit-x", "False")]}, waits_script.READY_PODS)
    api.answer(
        "certificates.cert-manager.io.shop.web-tls", cert, 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'
    )
    api.answer("postgresclusters.postgres-operator.crunchydata.com.data.ledger", ledger, "jsonpath={.status.phase}")

    changes = [  # (a query the script makes, the answer that turns it ready)
        ("endpoints catalog -n shop", "endpoints.shop.catalog",
         {**endpoints, "subsets": [{"addresses": [{"ip": "10.0.0.7"}]}]}, waits_script.ENDPOINTS),
        ("jobs.batch migrate -n shop", "jobs.batch.shop.migrate",
         {**job, "status": {"conditions": [{"type": "Complete", "status": "True"}]}}, waits_script.JOB_DONE),
        ("-l app=db,role=primary", pods_key,
         {"items": [pod_object("db-0", "False"), pod_object("db-1", "True")]}, waits_script.READY_PODS),
        (f"--field-selector spec.nodeName={NODE}", node_pods_key,
         {"items": [pod_object("fluent-bit-x", "True")]}, waits_script.READY_PODS),
        ("certificates.cert-manager.io web-tls -n shop", "certificates.cert-manager.io.shop.web-tls",
         {**cert, "status": {"conditions": [{"type": "Ready", "status": "True"}]}},
         'jsonpath={.status.conditions[?(@.type=="Ready")].status}'),
        ("postgresclusters.postgres-operator.crunchydata.com ledger -n data",
         "postgresclusters.postgres-operator.crunchydata.com.data.ledger",
         {**ledger, "status": {"phase": "Ready"}}, "jsonpath={.status.phase}"),
    ]  # fmt: skip

    def come_up() -> None:
        """Each dependency turns ready only once the script has found it not ready: no clock decides."""
        for query, key, obj, output in changes:
            for _ in range(600):
                if any(query in call for call in api.calls()):
                    break
                time.sleep(0.1)
            api.answer(key, obj, output)

    thread = threading.Thread(target=come_up, daemon=True)
    thread.start()
    pod = sequenced_pod("seq-fn-wait-api", waits, "90s", api.folder)
    played = podman.play(pod, tmp_path)
    try:
        assert played.play_code == 0, played.play_output
        played.wait(["app"])
        written = logs(f"{played.name}-seq-fn-wait")
        for dependency in waits.split(","):
            assert f"seq-fn-wait: {dependency} is ready" in written, written
        assert "Warning:" not in written, "kubectl's deprecation warnings are not in the log"
        assert played.state("app").exit_code == 0 and "app started" in played.logs("app")
        calls = api.calls()
        for query, *_ in changes:
            asked = [c for c in calls if query in c]
            assert len(asked) >= 2, f"{query}: asked again after a not-ready answer ({calls})"
        assert calls[0].startswith("get --request-timeout=10s --cache-dir=/dev/null endpoints catalog -n shop -o ")
    finally:
        thread.join(timeout=30)
        podman.cleanup(played, pod)


def test_a_forbidden_read_gives_up_at_the_timeout_with_kubectls_error(tmp_path: Path, api: Api) -> None:
    api.forbid("endpoints.shop.catalog")
    pod = sequenced_pod("seq-fn-wait-forbidden", "service/catalog", "4s", api.folder)
    played = podman.play(pod, tmp_path)
    try:
        assert played.play_code != 0, "an init container that gives up fails the Pod"
        written = logs(f"{played.name}-seq-fn-wait")
        assert (
            "seq-fn-wait: service/catalog is still not ready after 4s (seq-fn.dev/wait-timeout): giving up" in written
        )
        assert ('seq-fn-wait: the last answer: Error from server (Forbidden): endpoints "catalog" is forbidden: User '
                '"system:serviceaccount:shop:default" cannot get resource "endpoints"') in written  # fmt: skip
        assert played.state("seq-fn-wait").exit_code == 1
        assert played.state("app").status != "exited", "the app never ran"
    finally:
        podman.cleanup(played, pod)


def test_a_failed_job_ends_the_wait_at_once(tmp_path: Path, api: Api) -> None:
    failed = {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta("migrate"),
              "status": {"conditions": [{"type": "Failed", "status": "True"}]}}  # fmt: skip
    api.answer("jobs.batch.shop.migrate", failed, waits_script.JOB_DONE)
    pod = sequenced_pod("seq-fn-wait-job-failed", "job/migrate", "5m", api.folder)
    started = time.monotonic()
    played = podman.play(pod, tmp_path)
    try:
        assert played.play_code != 0
        assert time.monotonic() - started < 60, "it does not wait for the 5m timeout"
        written = logs(f"{played.name}-seq-fn-wait")
        assert ("seq-fn-wait: job/migrate: Job shop/migrate failed (condition Failed=True), so it will never "
                "complete: giving up") in written  # fmt: skip
        assert len(api.calls()) == 1, "one read was enough"
    finally:
        podman.cleanup(played, pod)


def test_a_missing_object_is_waited_for_and_named_with_kubectls_not_found(tmp_path: Path, api: Api) -> None:
    pod = sequenced_pod("seq-fn-wait-not-found", "job/migrate", "3s", api.folder)
    played = podman.play(pod, tmp_path)
    try:
        assert played.play_code != 0
        written = logs(f"{played.name}-seq-fn-wait")
        assert 'seq-fn-wait: the last answer: Error from server (NotFound): jobs.batch "migrate" not found' in written
        assert len(api.calls()) >= 2, "it kept asking until the timeout"
    finally:
        podman.cleanup(played, pod)
