"""``selectAll`` over a folder of real application shapes (tests/apps, see its README.md) is safe.

Run over a repository, ``--all`` met Istio ingress gateways, OpenTelemetry collectors, oauth2-proxy and
cloud-sql-proxy Deployments (a proxy is the whole workload), one-container Deployments and scaffolds with no pod
spec yet: each failed its whole file. Now nothing to do is an info result, and only the workloads a user wants
changed change: a Job's and a CronJob's database proxy and a Deployment's mesh proxy and injected collector become
native sidecars started first. Through the real ``seq-fn`` and ``kpt`` commands; every changed workload is
validated strictly with kubernetes-validate.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from krm_fn.sequencing import known_sidecars
from tests.e2e.conftest import need, run, snapshot
from tests.support import kube

pytestmark = pytest.mark.e2e

APPS = Path(__file__).parent.parent / "apps"
#: The files whose workload a user running --all wants changed, and the container that must start first.
CHANGED = {
    "api.yaml": "istio-proxy",
    "migrate-job.yaml": "cloud-sql-proxy",
    "reports-cronjob.yaml": "cloudsql-proxy",
    "worker.yaml": "otc-container",
}
#: The workloads left alone, each with the reason its info result gives.
NOTHING_TO_DO = {
    "Deployment istio-ingress/istio-ingressgateway": "its only containers are sidecars (istio-proxy: Istio proxy)",
    "Deployment observability/otel-collector": "its only containers are sidecars (opentelemetry-collector:",
    "Deployment dashboard/oauth2-proxy": "its only containers are sidecars (oauth2-proxy: OAuth2 Proxy)",
    "Deployment shop/cloud-sql-proxy": "its only containers are sidecars (cloud-sql-proxy: Cloud SQL Auth Proxy)",
    "Deployment shop/search": "no pod spec at spec.template.spec yet",
    "Job shop/reindex": "no pod spec at spec.template.spec yet",
    "Deployment shop/web": "one container (web)",
}


def seq_fn(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    done = subprocess.run([need("seq-fn"), *args], input=stdin, capture_output=True, timeout=300, check=False)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def files() -> list[Path]:
    return sorted(APPS.glob("*.yaml"))


def pod_spec(obj: dict) -> dict | None:  # type: ignore[type-arg]
    if obj.get("kind") == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return (obj.get("spec") or {}).get("template", {}).get("spec")


def test_the_folder_has_every_shape_the_issue_names() -> None:
    left_alone = {"istio-ingressgateway.yaml", "otel-collector.yaml", "oauth2-proxy.yaml", "cloud-sql-proxy.yaml"}
    assert {p.name for p in files()} >= {*CHANGED, *left_alone, "scaffold.yaml", "web.yaml"}
    kinds = {d["kind"] for p in files() for d in yaml.safe_load_all(p.read_text()) if d}
    assert {"Service", "ConfigMap", "Deployment", "Job", "CronJob"} <= kinds


def test_all_over_the_folder_fails_nothing_and_says_why_each_workload_was_left_alone() -> None:
    done = seq_fn("--all", "-v", str(APPS))
    assert done.returncode == 0, done.stderr
    assert "error" not in done.stderr
    infos = [line for line in done.stderr.splitlines() if line.startswith("seq-fn: info: ")]
    for workload, reason in NOTHING_TO_DO.items():
        (line,) = [i for i in infos if f"info: {workload}:" in i]
        assert f"nothing to do: {reason}" in line, line
    for name, first in CHANGED.items():
        assert any(f"({first}: well-known long-running, so started first)" in i and name in i for i in infos), name


@pytest.mark.parametrize("path", files(), ids=[p.name for p in files()])
def test_only_the_workloads_a_user_wants_changed_change(path: Path) -> None:
    done = seq_fn("--all", str(path))
    assert done.returncode == 0, done.stderr
    if path.name not in CHANGED:
        assert done.stdout == path.read_text(), f"{path.name} changed"
        return
    assert done.stdout != path.read_text()
    changed = [d for d in yaml.safe_load_all(done.stdout) if d and pod_spec(d) is not None]
    (workload,) = changed
    spec = pod_spec(workload)
    assert spec is not None
    first = CHANGED[path.name]
    native = [c["name"] for c in spec["initContainers"] if c.get("restartPolicy") == "Always"]
    assert native[0] == first, native
    for container in spec["containers"]:
        assert known_sidecars.recognise(container) is None, f"{container['name']} is a main container"
    kube.check_workload(workload)
    again = seq_fn("--all", "-", stdin=done.stdout.encode())
    assert again.returncode == 0 and again.stdout == done.stdout, "a second run changes nothing"


def test_kpt_eval_with_select_all_changes_the_same_files(tmp_path: Path) -> None:
    identity, package = tmp_path / "identity", tmp_path / "package"
    for root in (identity, package):
        shutil.copytree(APPS, root)
    assert run([need("kpt"), "fn", "eval", str(identity), "--exec", need("cat")]).returncode == 0
    done = run([need("kpt"), "fn", "eval", str(package), "--exec", need("seq-fn"), "--", "selectAll=true"])
    assert done.returncode == 0, done.stderr
    after, expected = snapshot(package), snapshot(identity)
    assert {name for name in expected if after[name] != expected[name]} == set(CHANGED)


def test_a_pod_spec_without_containers_yet_is_nothing_to_do(tmp_path: Path) -> None:
    base = tmp_path / "base.yaml"
    base.write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: b}\n"
        "spec:\n  template:\n    metadata: {labels: {app: b}}\n    spec:\n      serviceAccountName: b\n"
    )
    done = seq_fn("--all", "-v", str(base))
    assert done.returncode == 0, done.stderr
    assert done.stdout == base.read_text()
    assert "nothing to do: no containers at spec.template.spec.containers yet" in done.stderr
