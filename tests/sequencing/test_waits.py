"""``seq-fn.dev/wait-for``: which dependencies are accepted, and the init container written for them."""

from __future__ import annotations

from typing import Any

import pytest

from krm_fn.sequencing import waits
from krm_fn.sequencing.config import SequenceConfig
from krm_fn.sequencing.report import Report
from krm_fn.sequencing.transformer import sequence_object
from tests.support import kube


def parsed(value: str) -> tuple[list[tuple[str, str]], list[str]]:
    report = Report()
    found = waits.parse(value, key="seq-fn.dev/wait-for", path=None, report=report)
    return [(d.kind, d.text) for d in found], [f.message for f in report.findings]


def test_network_and_file_dependencies_are_accepted() -> None:
    found, errors = parsed(
        "tcp://db.data.svc:5432, http://api:8080/healthz,https://auth.example/ready,file:/run/a.sock"
    )
    assert not errors
    assert found == [
        ("tcp", "tcp://db.data.svc:5432"),
        ("http", "http://api:8080/healthz"),
        ("http", "https://auth.example/ready"),
        ("file", "file:/run/a.sock"),
    ]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("tcp://db:0", "is not a dependency"),
        ("tcp://db;reboot:5432", "is not a dependency"),
        ("tcp://$(id):80", "is not a dependency"),
        ("db:5432", "is not a dependency"),
        ("file:relative/path", "is not a dependency"),
        ("tcp://a:1,,tcp://b:2", "has an empty entry"),
        ("service/API", "which is not a Service name"),
        ("service/1api", "which is not a Service name"),
        ("Prod/job/migrate", "which is not a namespace name"),
        ("pr_od/service/api", "which is not a namespace name"),
        ("job/" + "a" * 64, "which is not a Job name"),
        ("daemonset/agent;id", "which is not a DaemonSet name"),
        ("pod/app", "which is not a label LABEL=VALUE"),
        ("pod/app=db,tier=cache", "looks like one more label of a pod/ dependency"),
        ("pod/" + "a" * 64 + "=db", "which is not a label LABEL=VALUE"),
        ("pod/app=" + "v" * 64, "which is not a label LABEL=VALUE"),
        ("shop/pod/app=db+tier=" + "v" * 64, "which is not a label LABEL=VALUE"),
        ("pod/app=$(id)", "which is not a label"),
        ("deployment/web", "is not a dependency"),
        ("certificates.cert-manager.io/web-tls", "without a check"),
        ("certificates.cert-manager.io/web-tls:Ready", "without a check"),
        ("certificates.cert-manager.io/web-tls:status=Ready", "without a check"),
        ("certificates.cert-manager.io/Web:condition=Ready", "which is not an object name"),
        ("certificates.cert-manager.io/web:status.phase=$(id)", "without a check"),
        ("Certificates.cert-manager.io/web:condition=Ready", "is not a dependency"),
        ("ops/clusterissuers.cert-manager.io/prod:condition=Ready", "cluster-scoped: drop the namespace prefix ops/"),
    ],
)
def test_malformed_or_api_dependencies_are_errors_naming_them(value: str, message: str) -> None:
    _, errors = parsed(value)
    assert any(message in e for e in errors), errors


def test_api_dependencies_are_read_with_their_namespace_name_and_check() -> None:
    report = Report()
    value = (
        "service/api,data/job/migrate,pod/app.kubernetes.io/name=db+tier=cache,ops/daemonset/node-agent,"
        "certificates.cert-manager.io/web-tls:condition=Ready,"
        "data/postgresclusters.postgres-operator.crunchydata.com/db:status.phase=Ready,pod/pod/app=x"
    )
    found = waits.parse(value, key="seq-fn.dev/wait-for", path=None, report=report)
    assert not report.findings
    assert [(d.kind, d.namespace, d.name) for d in found] == [
        ("service", None, "api"),
        ("job", "data", "migrate"),
        ("pod", None, "app.kubernetes.io/name=db,tier=cache"),
        ("daemonset", "ops", "node-agent"),
        ("resource", None, "web-tls"),
        ("resource", "data", "db"),
        ("pod", "pod", "app=x"),
    ]
    cert, cluster = found[4], found[5]
    assert (cert.resource, cert.group, cert.field, cert.value) == (
        "certificates",
        "cert-manager.io",
        '{.status.conditions[?(@.type=="Ready")].status}',
        "True",
    )
    assert (cluster.resource, cluster.group, cluster.field, cluster.value) == (
        "postgresclusters",
        "postgres-operator.crunchydata.com",
        "{.status.phase}",
        "Ready",
    )
    assert all(d.reads_api for d in found)


def test_a_built_in_kind_of_a_named_group_is_waited_on_as_a_resource() -> None:
    """apps and batch have no dot: ``deployments.apps/web:condition=Available`` reads a Deployment's condition."""
    report = Report()
    found = waits.parse("deployments.apps/web:condition=Available", key="seq-fn.dev/wait-for", path=None,
                        report=report)  # fmt: skip
    assert not report.findings
    assert [(d.kind, d.resource, d.group, d.name, d.value) for d in found] == [
        ("resource", "deployments", "apps", "web", "True")
    ]


def deployment(annotations: dict[str, str], *containers: dict[str, Any], init: list[Any] | None = None) -> Any:
    spec: dict[str, Any] = {"containers": list(containers)}
    if init:
        spec["initContainers"] = init
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "annotations": annotations},
        "spec": {
            "selector": {"matchLabels": {"a": "b"}},
            "template": {"metadata": {"labels": {"a": "b"}}, "spec": spec},
        },
    }


def qos(spec: dict[str, Any]) -> str:
    """The Pod QoS class as the kubelet computes it (cpu and memory, init containers included)."""
    everything = [*(spec.get("initContainers") or []), *spec["containers"]]
    amounts = [(c.get("resources") or {}) for c in everything]
    if not any(r.get("requests") or r.get("limits") for r in amounts):
        return "BestEffort"
    for r in amounts:
        limits, requests = r.get("limits") or {}, {**(r.get("limits") or {}), **(r.get("requests") or {})}
        if any(limits.get(k) is None or requests.get(k) != limits.get(k) for k in ("cpu", "memory")):
            return "Burstable"
    return "Guaranteed"


@pytest.mark.parametrize(
    "resources",
    [
        None,
        {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
        {"requests": {"cpu": "1"}},
    ],
    ids=["BestEffort", "Guaranteed", "Burstable"],
)
@pytest.mark.parametrize("wait", ["tcp://db:5432", "service/db"])
def test_the_wait_keeps_the_pod_qos_class_and_comes_first(resources: dict[str, Any] | None, wait: str) -> None:
    app: dict[str, Any] = {"name": "app", "image": "nginx:1.27"}
    if resources:
        app["resources"] = resources
    obj = deployment({"seq-fn.dev/wait-for": wait}, app, init=[{"name": "mine", "image": "busybox:1.36"}])
    obj["metadata"]["namespace"] = "shop"
    before = qos(obj["spec"]["template"]["spec"])
    outcome = sequence_object(obj, SequenceConfig())
    spec = outcome.changed["spec"]["template"]["spec"]
    assert [c["name"] for c in spec["initContainers"]] == ["seq-fn-wait", "mine"]
    assert qos(spec) == before
    kube.check_workload(outcome.changed)


def test_the_dependencies_are_arguments_of_the_script_not_part_of_it() -> None:
    obj = deployment({"seq-fn.dev/wait-for": "http://api:8080/x?a=1&b=2", "seq-fn.dev/wait-timeout": "90s"},
                     {"name": "app", "image": "nginx:1.27"})  # fmt: skip
    wait = sequence_object(obj, SequenceConfig()).changed["spec"]["template"]["spec"]["initContainers"][0]
    assert wait["command"][:2] == ["sh", "-c"] and "api:8080" not in wait["command"][2]
    assert wait["command"][3:] == ["seq-fn-wait", "90", "90s", "http", "http://api:8080/x?a=1&b=2"]
    assert wait["securityContext"]["runAsNonRoot"] and wait["securityContext"]["readOnlyRootFilesystem"]


def test_api_waits_use_the_api_image_for_every_wait_and_pass_names_as_arguments() -> None:
    obj = deployment({"seq-fn.dev/wait-for": "tcp://db:5432,ops/daemonset/agent"}, {"name": "app", "image": "x:1"})
    obj["metadata"]["namespace"] = "shop"
    config = SequenceConfig(wait_api_image="mirror.example/kubectl:1.29")
    wait = sequence_object(obj, config).changed["spec"]["template"]["spec"]["initContainers"][0]
    assert wait["image"] == "mirror.example/kubectl:1.29"
    assert wait["command"][3:] == ["seq-fn-wait", "600", "10m", "tcp", "tcp://db:5432",
                                   "daemonset", "ops/daemonset/agent", "ops", "agent"]  # fmt: skip
    assert "agent" not in wait["command"][2], "names are arguments, never part of the script"
    node = {"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}
    assert wait["env"] == [{"name": "KUBECACHEDIR", "value": "/var/cache/seq-fn-wait"}, node]
    assert all(not part.startswith("--") for part in wait["command"][2].split("kubectl ")[1:]), "no kubectl flag"
    plain = deployment({"seq-fn.dev/wait-for": "tcp://db:5432"}, {"name": "app", "image": "x:1"})
    assert sequence_object(plain, config).changed["spec"]["template"]["spec"]["initContainers"][0]["image"] == (
        SequenceConfig().wait_image
    ), "no API dependency: busybox, no RBAC"
    assert not sequence_object(plain, config).added


def test_a_container_already_named_seq_fn_wait_is_an_error() -> None:
    obj = deployment({"seq-fn.dev/wait-for": "tcp://db:5432"}, {"name": "seq-fn-wait", "image": "nginx:1.27"})
    outcome = sequence_object(obj, SequenceConfig())
    assert outcome.changed is None
    assert any("already has a container named 'seq-fn-wait'" in f.message for f in outcome.findings)


def test_without_an_automounted_token_only_seq_fn_wait_gets_one() -> None:
    obj = deployment({"seq-fn.dev/wait-for": "service/db"}, {"name": "app", "image": "x:1"})
    obj["metadata"]["namespace"] = "shop"
    obj["spec"]["template"]["spec"]["automountServiceAccountToken"] = False
    spec = sequence_object(obj, SequenceConfig()).changed["spec"]["template"]["spec"]
    assert spec["automountServiceAccountToken"] is False, "the app containers stay without a token"
    wait, app = spec["initContainers"][0], spec["containers"][0]
    assert wait["volumeMounts"] == [{"name": "seq-fn-wait-token", "readOnly": True,
                                     "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount"},
                                    {"name": "seq-fn-wait-cache", "mountPath": "/var/cache/seq-fn-wait"}]  # fmt: skip
    assert "volumeMounts" not in app
    volume, cache = spec["volumes"]
    assert cache == {"name": "seq-fn-wait-cache", "emptyDir": {"sizeLimit": "64Mi"}}
    kinds = [next(iter(source)) for source in volume["projected"]["sources"]]
    assert kinds == ["serviceAccountToken", "configMap", "downwardAPI"]
    kube.check_workload(sequence_object(obj, SequenceConfig()).changed)
    tcp_only = deployment({"seq-fn.dev/wait-for": "tcp://db:5432"}, {"name": "app", "image": "x:1"})
    tcp_only["spec"]["template"]["spec"]["automountServiceAccountToken"] = False
    assert "volumes" not in sequence_object(tcp_only, SequenceConfig()).changed["spec"]["template"]["spec"]


def test_api_waits_keep_kubectls_cache_on_an_emptydir_and_refuse_a_volume_of_that_name() -> None:
    """kubectl's discovery cache needs a writable folder (the root filesystem is read-only): an emptyDir named by
    KUBECACHEDIR, never a kubectl flag, which would make kubectl leave its in-cluster configuration."""
    obj = deployment({"seq-fn.dev/wait-for": "job/migrate"}, {"name": "app", "image": "x:1"})
    obj["metadata"]["namespace"] = "shop"
    spec = sequence_object(obj, SequenceConfig()).changed["spec"]["template"]["spec"]
    wait = spec["initContainers"][0]
    assert wait["env"] == [{"name": "KUBECACHEDIR", "value": "/var/cache/seq-fn-wait"}]
    assert wait["volumeMounts"] == [{"name": "seq-fn-wait-cache", "mountPath": "/var/cache/seq-fn-wait"}]
    assert spec["volumes"] == [{"name": "seq-fn-wait-cache", "emptyDir": {"sizeLimit": "64Mi"}}]
    assert "--request-timeout" not in wait["command"][2] and "--cache-dir" not in wait["command"][2]
    kube.check_workload(sequence_object(obj, SequenceConfig()).changed)
    taken = deployment({"seq-fn.dev/wait-for": "job/migrate"}, {"name": "app", "image": "x:1"})
    taken["metadata"]["namespace"] = "shop"
    taken["spec"]["template"]["spec"]["volumes"] = [{"name": "seq-fn-wait-cache", "emptyDir": {}}]
    outcome = sequence_object(taken, SequenceConfig())
    assert outcome.changed is None
    assert any("already has a volume named 'seq-fn-wait-cache'" in f.message for f in outcome.findings)
