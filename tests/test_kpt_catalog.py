"""The kpt functions catalog's conventions: a ``metadata.yaml`` for the function, and examples that are kpt
packages carry ``.expected/config.yaml`` and ``diff.patch`` for kpt's e2e runner.

The runner copies the package into a git repository, runs ``kpt fn render`` or ``kpt fn eval`` as the config says,
twice (a function must be idempotent), and compares ``git diff`` with ``diff.patch``. This test does the same.
"""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.e2e.conftest import need

ROOT = Path(__file__).parent.parent
CASES = sorted(p.parent.parent for p in (ROOT / "kustomization-examples").glob("*/.expected/config.yaml"))
#: Fields of kpt's TestCaseConfig that these cases use (pkg/test/runner/config.go).
RUNNER_FIELDS = {"testType", "exitCode", "allowExec", "image", "execPath", "args", "fnConfig", "stdErr"}
#: The catalog's rules for a metadata.yaml, as its validator states them (kptdev/krm-functions-catalog,
#: scripts/generate_docs/metadata-schema.json): these fields only, image on ghcr.io, and a closed list of tags.
CATALOG_METADATA = {
    "type": "object",
    "required": ["image", "description", "tags"],
    "additionalProperties": False,
    "properties": {
        "image": {"type": "string", "pattern": "^ghcr\\.io/"},
        "description": {"type": "string"},
        "tags": {"type": "array", "minItems": 1, "items": {"type": "string", "enum": [
            "mutator", "validator", "viewer", "generator", "test", "testing", "timing", "Config Sync", "GCP",
            "blueprints", "name prefix", "name suffix"]}},
        "sourceURL": {"type": "string"},
        "examplePackageURLs": {"type": "array", "items": {"type": "string"}},
        "license": {"type": "string"},
        "hidden": {"type": "boolean"},
    },
}  # fmt: skip


def test_metadata_passes_the_catalogs_own_schema():
    meta = yaml.safe_load((ROOT / "metadata.yaml").read_text())
    jsonschema.validate(meta, CATALOG_METADATA)
    with pytest.raises(jsonschema.ValidationError, match="'sequencer' is not one of"):
        jsonschema.validate({**meta, "tags": ["mutator", "sequencer"]}, CATALOG_METADATA)
    with pytest.raises(jsonschema.ValidationError, match="Additional properties"):
        jsonschema.validate({**meta, "keywords": ["sidecars"]}, CATALOG_METADATA)


def test_metadata_has_the_catalog_fields_and_points_at_real_examples():
    meta = yaml.safe_load((ROOT / "metadata.yaml").read_text())
    assert set(meta) == {"image", "description", "tags", "sourceURL", "examplePackageURLs", "license"}
    assert ":" not in meta["image"].split("/")[-1], "the catalog's image has no tag: releases add vX.Y.Z, vX.Y, vX"
    assert meta["tags"] == ["mutator"]
    assert meta["license"] == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"]["text"]
    for url in meta["examplePackageURLs"]:
        assert url.startswith(meta["sourceURL"] + "/"), url
        assert (ROOT / url.removeprefix(meta["sourceURL"] + "/") / "README.md").exists(), url
    assert {ROOT / u.removeprefix(meta["sourceURL"] + "/") for u in meta["examplePackageURLs"]} >= set(CASES)


def test_the_kpt_package_examples_have_runner_cases():
    assert {c.name for c in CASES} >= {"kpt-package", "deployment-config-agent"}


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args], cwd=repo,
                          capture_output=True, text=True, check=True, timeout=60)  # fmt: skip
    return done.stdout


def _kpt_command(config: dict[str, object], package: Path) -> list[str]:
    if config.get("testType", "render") == "render":
        return [need("kpt"), "fn", "render", str(package), *(["--allow-exec"] if config.get("allowExec") else [])]
    # Stand-in for what cannot exist here: the published image cannot be pulled, so the case runs the installed
    # command instead (the runtime suite runs the image built from the Dockerfile).
    args = [f"{k}={v}" for k, v in dict(config.get("args") or {}).items()]
    return [need("kpt"), "fn", "eval", str(package), "--exec", need("seq-fn"), *(["--", *args] if args else [])]


@pytest.mark.e2e
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_e2e_runner_case(case: Path, tmp_path: Path):
    config = yaml.safe_load((case / ".expected" / "config.yaml").read_text())
    assert set(config) <= RUNNER_FIELDS, set(config) - RUNNER_FIELDS
    package = tmp_path / case.name
    shutil.copytree(case, package)
    _git(package, "init", "-q")
    _git(package, "add", "-A")
    _git(package, "commit", "-q", "-m", "before")
    expected = (case / ".expected" / "diff.patch").read_text()
    for run in ("first", "second"):
        done = subprocess.run(_kpt_command(config, package), capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == config.get("exitCode", 0), f"{run} run: {done.stderr}"
        assert _git(package, "diff") == expected, f"{run} run: git diff differs from diff.patch"
