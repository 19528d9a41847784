"""seq-fn-wait's script with the REAL kubectl: the script seq-fn writes, run by ``sh`` with the installed kubectl on
PATH, against a stub API server.

Stand-in, labelled: no API server can be installed here, so a small HTTP server answers the requests kubectl makes
(discovery, then the GET of one object or a label-selected list) with the JSON a Kubernetes API server sends: a
``Warning`` header on Endpoints (as servers send from 1.33), a 403 ``Status`` for a forbidden read, 404 for a
missing object. Everything else is real: kubectl's flags (``--request-timeout``, ``--cache-dir=/dev/null`` with no
writable home), its JSONPath and go-template output, its exit codes and error lines, the script's parsing of them.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import krm_fn
from krm_fn.sequencing import waits_rbac
from krm_fn.sequencing.report import Report
from krm_fn.sequencing.waits import Dependency, parse
from tests.e2e.conftest import need

pytestmark = pytest.mark.e2e

NAMESPACE = "shop"
FORBIDDEN = ('jobs.batch "secret" is forbidden: User "system:serviceaccount:shop:default" cannot get resource '
             '"jobs" in API group "batch" in the namespace "shop"')  # fmt: skip


def _resources(group_version: str, *kinds: tuple[str, str], cluster: tuple[str, ...] = ()) -> dict[str, Any]:
    """Discovery of a group version; the kinds named in ``cluster`` are cluster-scoped."""
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version,
            "resources": [{"name": plural, "singularName": kind.lower(), "namespaced": kind not in cluster,
                           "kind": kind, "verbs": ["get", "list"]} for plural, kind in kinds]}  # fmt: skip


def _group(name: str, version: str) -> dict[str, Any]:
    found = {"groupVersion": f"{name}/{version}", "version": version}
    return {"name": name, "versions": [found], "preferredVersion": found}


class Stub:
    """What the stub API server holds: objects by URL path, the requests it got."""

    def __init__(self) -> None:
        self.objects: dict[str, tuple[int, Any, str | None]] = {}
        self.requests: list[str] = []
        self.allowed: Callable[[str], bool] = lambda request: True  # the RBAC the Pod has: all, unless a test says
        self.denied: list[str] = []
        base = {
            "/api": {"kind": "APIVersions", "versions": ["v1"],
                     "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "stub"}]},
            "/apis": {"kind": "APIGroupList", "apiVersion": "v1",
                      "groups": [_group("batch", "v1"), _group("apps", "v1"), _group("cert-manager.io", "v1")]},
            "/api/v1": _resources("v1", ("endpoints", "Endpoints"), ("pods", "Pod")),
            "/apis/batch/v1": _resources("batch/v1", ("jobs", "Job")),
            "/apis/apps/v1": _resources("apps/v1", ("daemonsets", "DaemonSet")),
            "/apis/cert-manager.io/v1": _resources("cert-manager.io/v1", ("certificates", "Certificate"),
                                                   ("clusterissuers", "ClusterIssuer"), cluster=("ClusterIssuer",)),
            "/version": {"major": "1", "minor": "36", "gitVersion": "v1.36.2"},
        }  # fmt: skip
        for path, body in base.items():
            self.objects[path] = (200, body, None)

    def put(self, path: str, body: Any, *, code: int = 200, warning: str | None = None) -> None:
        self.objects[path] = (code, body, warning)


@pytest.fixture
def stub(tmp_path: Path) -> Iterator[tuple[Stub, dict[str, str]]]:
    state = Stub()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return

        def do_GET(self) -> None:  # http.server's name
            path = self.path.split("?")[0]
            state.requests.append(self.path)
            code, body, warning = state.objects.get(
                path, (404, {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "NotFound",
                             "message": f"the server could not find {path}", "code": 404}, None))  # fmt: skip
            if not state.allowed(self.path):
                state.denied.append(self.path)
                code, body, warning = (
                    403,
                    {
                        "kind": "Status",
                        "apiVersion": "v1",
                        "status": "Failure",
                        "reason": "Forbidden",
                        "message": f"{path} is forbidden",
                        "code": 403,
                    },
                    None,
                )
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            if warning:
                self.send_header("Warning", f'299 - "{warning}"')
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = tmp_path / "kubeconfig"
    config.write_text(
        "apiVersion: v1\nkind: Config\n"
        f"clusters: [{{name: stub, cluster: {{server: 'http://127.0.0.1:{server.server_port}'}}}}]\n"
        "users: [{name: sa, user: {}}]\ncontexts: [{name: stub, context: {cluster: stub, user: sa}}]\n"
        "current-context: stub\n"
    )
    home = tmp_path / "home"
    home.mkdir()
    home.chmod(0o555)  # read-only, as the container's root filesystem: kubectl must not need to write
    env = {"PATH": os.environ["PATH"], "KUBECONFIG": str(config), "HOME": str(home), "NODE_NAME": "node-a"}
    need("kubectl")
    yield state, env
    server.shutdown()
    server.server_close()


def wait_command(waits: str, timeout: str) -> list[str]:
    """The command of the seq-fn-wait container seq-fn writes for ``waits``."""
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "p", "namespace": NAMESPACE,
                        "annotations": {"seq-fn.dev/wait-for": waits, "seq-fn.dev/wait-timeout": timeout}},
           "spec": {"restartPolicy": "Never", "containers": [{"name": "app", "image": "x"}]}}  # fmt: skip
    command: list[str] = krm_fn.sequence(pod)["spec"]["initContainers"][0]["command"]
    return command


def run_wait(waits: str, timeout: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(wait_command(waits, timeout), env=dict(env), capture_output=True, text=True, timeout=120,
                          check=False)  # fmt: skip


def waits_of(text: str) -> tuple[Dependency, ...]:
    report = Report()
    found = parse(text, key="seq-fn.dev/wait-for", path=None, report=report)
    assert not report.findings
    return found


def pod(name: str, ready: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": NAMESPACE},
            "status": {"conditions": [{"type": "Ready", "status": ready}]}}  # fmt: skip


def test_the_script_reads_real_kubectl_output_and_drops_its_warnings(stub) -> None:
    state, env = stub
    state.put("/api/v1/namespaces/shop/endpoints/api",
              {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "api", "namespace": NAMESPACE},
               "subsets": [{"addresses": [{"ip": "10.0.0.7"}]}]},
              warning="v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice")  # fmt: skip
    state.put("/apis/batch/v1/namespaces/shop/jobs/migrate",
              {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate", "namespace": NAMESPACE},
               "status": {"conditions": [{"type": "Complete", "status": "True"}]}})  # fmt: skip
    state.put(
        "/api/v1/namespaces/shop/pods",
        {"apiVersion": "v1", "kind": "PodList", "metadata": {}, "items": [pod("a", "False"), pod("b", "True")]},
    )
    state.put("/apis/apps/v1/namespaces/shop/daemonsets/agent",
              {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": NAMESPACE},
               "spec": {"selector": {"matchLabels": {"app": "agent", "tier": "node"}}}})  # fmt: skip
    state.put("/apis/cert-manager.io/v1/namespaces/shop/certificates/web-tls",
              {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
               "metadata": {"name": "web-tls", "namespace": NAMESPACE},
               "status": {"conditions": [{"type": "Issuing", "status": "False"},
                                         {"type": "Ready", "status": "True"}]}})  # fmt: skip
    waits = ("service/api,job/migrate,pod/app=db+tier=primary,daemonset/agent,"
             "certificates.cert-manager.io/web-tls:condition=Ready")  # fmt: skip
    found = waits_rbac.grants(waits_of(waits), NAMESPACE)
    state.allowed = lambda request: _allowed(request, found)  # the Role seq-fn writes, and nothing more
    done = run_wait(waits, "30s", env)
    assert done.returncode == 0, done.stderr
    assert not state.denied
    for dependency in waits.split(","):
        assert f"seq-fn-wait: {dependency} is ready" in done.stdout
    assert "Warning" not in done.stdout + done.stderr
    asked = [r for r in state.requests if "/namespaces/" in r]
    assert "/api/v1/namespaces/shop/pods?labelSelector=app%3Ddb%2Ctier%3Dprimary&limit=500&timeout=10s" in asked
    assert any("labelSelector=app%3Dagent%2Ctier%3Dnode" in r and "fieldSelector=spec.nodeName%3Dnode-a" in r
               for r in asked), asked  # fmt: skip
    assert all("timeout=10s" in r for r in asked), "every call has --request-timeout"


def test_a_forbidden_read_is_shown_when_the_wait_gives_up(stub) -> None:
    state, env = stub
    state.put("/apis/batch/v1/namespaces/shop/jobs/secret",
              {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": FORBIDDEN, "reason": "Forbidden",
               "details": {"name": "secret", "group": "batch", "kind": "jobs"}, "code": 403}, code=403)  # fmt: skip
    started = time.monotonic()
    done = run_wait("job/secret", "3s", env)
    assert done.returncode == 1
    assert time.monotonic() - started < 30
    assert "seq-fn-wait: job/secret is still not ready after 3s (seq-fn.dev/wait-timeout): giving up" in done.stderr
    assert f"seq-fn-wait: the last answer: Error from server (Forbidden): {FORBIDDEN}" in done.stderr


def test_a_failed_job_ends_the_wait_at_once_and_a_custom_field_must_match(stub) -> None:
    state, env = stub
    state.put("/apis/batch/v1/namespaces/shop/jobs/migrate",
              {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate", "namespace": NAMESPACE},
               "status": {"conditions": [{"type": "Failed", "status": "True"}]}})  # fmt: skip
    done = run_wait("job/migrate", "10m", env)
    assert done.returncode == 1
    assert "Job shop/migrate failed (condition Failed=True), so it will never complete: giving up" in done.stderr
    state.put("/apis/cert-manager.io/v1/namespaces/shop/certificates/web-tls",
              {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
               "metadata": {"name": "web-tls", "namespace": NAMESPACE}, "status": {"phase": "Pending"}})  # fmt: skip
    done = run_wait("certificates.cert-manager.io/web-tls:status.phase=Ready", "3s", env)
    assert done.returncode == 1
    assert "the last answer: certificates.cert-manager.io shop/web-tls: the field is Pending, not Ready" in done.stderr


def _allowed(request: str, found: list[waits_rbac.Grant]) -> bool:
    """Whether the Role seq-fn writes (``found``) lets the Pod make ``request``, judged as RBAC judges a path."""
    parts = request.split("?", maxsplit=1)[0].strip("/").split("/")
    root = 2 if parts[0] == "api" else 3  # /api/v1 or /apis/GROUP/VERSION, then the resource
    if len(parts) <= root:
        return True  # discovery (/api, /apis, /version): open to every authenticated user (system:discovery)
    group = "" if parts[0] == "api" else parts[1]
    if parts[root] == "namespaces":
        namespace, resource, name = parts[root + 1], parts[root + 2], (parts[root + 3 :] or [None])[0]
    else:  # a cluster-scoped resource: a ClusterRole's grant, namespace ""
        namespace, resource, name = "", parts[root], (parts[root + 1 :] or [None])[0]
    verb = "get" if name else "list"
    return any((g.namespace, g.api_group, g.resource, g.verb) == (namespace, group, resource, verb)
               and (not g.names or name in g.names) for g in found)  # fmt: skip


@pytest.mark.parametrize("resource", ["certificates.cert-manager.io", "certificate.cert-manager.io"])
def test_every_read_the_script_makes_is_one_the_role_grants(stub, resource: str) -> None:
    """The stub answers as the API server would with the Role seq-fn writes bound: 403 for any read it does not
    grant. kubectl resolves a singular resource name (``certificate``) to the plural it requests, which a Role
    naming the singular does not grant: the wait must say so, not just time out on a Forbidden."""
    state, env = stub
    state.put("/apis/cert-manager.io/v1/namespaces/shop/certificates/web-tls",
              {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
               "metadata": {"name": "web-tls", "namespace": NAMESPACE},
               "status": {"conditions": [{"type": "Ready", "status": "True"}]}})  # fmt: skip
    waits_text = f"{resource}/web-tls:condition=Ready"
    found = waits_rbac.grants(waits_of(waits_text), NAMESPACE)
    state.allowed = lambda request: _allowed(request, found)
    done = run_wait(waits_text, "3s", env)
    if resource.startswith("certificates."):
        assert done.returncode == 0, done.stderr
        assert not state.denied
    else:
        assert done.returncode == 1
        assert state.denied, "kubectl read the plural, which the Role does not grant"
        assert "write its plural name" in done.stderr and "certificates.cert-manager.io" in done.stderr, done.stderr


def test_a_cluster_scoped_resource_is_read_without_a_namespace_under_the_cluster_role(stub) -> None:
    """A ClusterIssuer is cluster-scoped: kubectl reads it at /apis/cert-manager.io/v1/clusterissuers/NAME (the
    ``-n`` it is given does not apply), which only the ClusterRole seq-fn writes for it grants."""
    state, env = stub
    state.put("/apis/cert-manager.io/v1/clusterissuers/letsencrypt",
              {"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer", "metadata": {"name": "letsencrypt"},
               "status": {"conditions": [{"type": "Ready", "status": "True"}]}})  # fmt: skip
    waits_text = "clusterissuers.cert-manager.io/letsencrypt:condition=Ready"
    found = waits_rbac.grants(waits_of(waits_text), NAMESPACE)
    assert [(g.namespace, g.resource, g.names) for g in found] == [("", "clusterissuers", ("letsencrypt",))]
    state.allowed = lambda request: _allowed(request, found)
    done = run_wait(waits_text, "5s", env)
    assert done.returncode == 0, done.stderr
    assert not state.denied
    assert any(r.startswith("/apis/cert-manager.io/v1/clusterissuers/letsencrypt") for r in state.requests)
