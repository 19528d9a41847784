"""The Flux example (``kustomization-examples/flux-ci``): CI renders with seq-fn, Flux applies what CI rendered.

Its render step (``render.sh``, what the workflow runs) runs here with the real kpt and seq-fn and must write
exactly the committed ``rendered/``; what Flux would apply from it is built with kubectl's kustomize (the build
kustomize-controller does over a folder without a kustomization.yaml: every manifest file) and validated
strictly; the workflow passes actionlint. Flux, a registry and cosign cannot run here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from krm_fn.sdk import yamlio
from tests.e2e.conftest import need
from tests.support import kube
from tests.test_release import _actionlint

EXAMPLE = Path(__file__).parent.parent / "kustomization-examples" / "flux-ci"
#: The OIDC issuer of GitHub Actions, whose identity signs the artifacts keyless.
ISSUER = "https://token.actions.githubusercontent.com"

pytestmark = pytest.mark.e2e


def _render(folder: Path) -> subprocess.CompletedProcess[str]:
    need("kpt"), need("seq-fn")
    return subprocess.run(["bash", str(folder / "render.sh")], capture_output=True, text=True, timeout=300,
                          check=False)  # fmt: skip


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_render_step_writes_the_committed_manifests_and_leaves_the_source_alone(tmp_path: Path):
    copy = tmp_path / "flux-ci"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("rendered"))
    done = _render(copy)
    assert done.returncode == 0, done.stderr
    assert _files(copy / "rendered") == _files(EXAMPLE / "rendered"), "rendered/ is stale: run render.sh"
    assert _files(copy / "app") == _files(EXAMPLE / "app"), "the source is never rewritten"
    again = _render(copy)
    assert again.returncode == 0 and _files(copy / "rendered") == _files(EXAMPLE / "rendered"), "idempotent"


def test_flux_applies_only_the_sequenced_workloads(tmp_path: Path):
    build = tmp_path / "build"
    shutil.copytree(EXAMPLE / "rendered", build)
    manifests = sorted(p.name for p in build.glob("*.yaml"))
    (build / "kustomization.yaml").write_text(yaml.safe_dump({"resources": manifests}))
    done = subprocess.run([need("kubectl"), "kustomize", str(build)], capture_output=True, text=True, timeout=120,
                          check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    applied = yamlio.load_all(done.stdout)
    assert [(o["kind"], o["metadata"]["name"]) for o in applied] == [("Deployment", "api"), ("Job", "migrate")]
    for obj in applied:
        assert obj["metadata"]["annotations"]["seq-fn.dev/sequenced"]
        spec = obj["spec"]["template"]["spec"]
        assert [(c["name"], c.get("restartPolicy")) for c in spec["initContainers"]] == [("cloud-sql-proxy", "Always")]
        for version in kube.schema_versions():
            kube.validate_strict(obj, version)
        assert kube.semantic_errors(obj) == []


def test_a_failed_render_writes_nothing_to_push(tmp_path: Path):
    copy = tmp_path / "flux-ci"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("rendered"))
    config = copy / "app" / "sequence.yaml"
    config.write_text(config.read_text().replace("sidecars:", "sidecar:"))
    done = _render(copy)
    assert done.returncode != 0
    assert not (copy / "rendered").exists(), "the workflow's push step must find nothing"


def test_the_workflow_passes_actionlint_and_renders_with_render_sh():
    workflow = EXAMPLE / "render-and-push.yml"
    assert _actionlint([workflow]) == []
    steps = yaml.safe_load(workflow.read_text())["jobs"]["render"]["steps"]
    runs = "\n".join(str(s.get("run", "")) for s in steps)
    assert "bash render.sh" in runs and "flux push artifact" in runs and "--path=rendered" in runs
    assert runs.index("bash render.sh") < runs.index("flux push artifact")


def test_the_flux_objects_point_at_each_other():
    source = yaml.safe_load((EXAMPLE / "flux" / "ocirepository.yaml").read_text())
    kustomization = yaml.safe_load((EXAMPLE / "flux" / "flux-kustomization.yaml").read_text())
    assert kustomization["spec"]["sourceRef"] == {"kind": source["kind"], "name": source["metadata"]["name"]}
    assert kustomization["metadata"]["namespace"] == source["metadata"]["namespace"]
    assert source["spec"]["url"].startswith("oci://")
    workflow = (EXAMPLE / "render-and-push.yml").read_text()
    identity = source["spec"]["verify"]["matchOIDCIdentity"][0]
    signer = "https://github.com/example/shop/.github/workflows/render-and-push.yml@refs/heads/main"
    assert re.search(identity["subject"], signer) and re.search(identity["issuer"], ISSUER), "only CI's signature"
    assert not re.search(identity["subject"], signer.replace("render-and-push", "other")), "no other workflow's"
    assert "--tag latest" in workflow and source["spec"]["ref"] == {"tag": "latest"}
    assert os.access(EXAMPLE / "render.sh", os.X_OK)
