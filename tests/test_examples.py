"""Every example in ``kustomization-examples/`` runs with its README's command and prints its expected output.

The container-form example needs the function image and runs in ``tests/runtime/test_examples_image.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from krm_fn.sdk import objects, yamlio
from tests.e2e.conftest import need
from tests.support.examples import EXAMPLES, NEEDS_IMAGE, ROOT, run_example

LOCAL = [e for e in EXAMPLES if e.name not in NEEDS_IMAGE]


def test_every_example_has_a_readme_a_command_and_an_expected_output():
    assert len(EXAMPLES) >= 8, "an example lost its .expected/ folder"
    for folder in EXAMPLES:
        readme = (folder / "README.md").read_text()
        command = (folder / ".expected" / "command").read_text().strip()
        assert command in readme.replace("\n", " ") or command.split(" && ")[-1] in readme, folder.name
        assert (folder / ".expected" / "output.yaml").exists(), folder.name


@pytest.mark.e2e
@pytest.mark.parametrize("folder", LOCAL, ids=[e.name for e in LOCAL])
def test_example(folder: Path):
    need("kpt"), need("kubectl"), need("seq-fn")
    run_example(folder)


def test_kubectl_kustomize_silently_skips_the_exec_form():
    output = run_example(ROOT / "kustomization-examples" / "job-pipeline-exec")
    assert "initContainers" not in output, "if kubectl ever runs exec functions, update the README's warning"


def test_the_argocd_plugin_generate_command_renders_only_what_argo_applies(tmp_path: Path):
    example = ROOT / "kustomization-examples" / "argocd"
    plugin = yaml.safe_load((example / "plugin.yaml").read_text())
    configmap = yaml.safe_load((example / "plugin-configmap.yaml").read_text())
    assert configmap["data"]["plugin.yaml"] == (example / "plugin.yaml").read_text(), "the ConfigMap is stale"
    generate = [*plugin["spec"]["generate"]["command"], *plugin["spec"]["generate"]["args"]]
    done = subprocess.run(generate, cwd=example / "app", capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (example / ".expected" / "output.yaml").read_text()
    docs = yamlio.load_all(done.stdout)
    assert [d["kind"] for d in docs] == ["Job", "Deployment"]
    assert not any(objects.is_local_config(d) for d in docs)
    broken = tmp_path / "app"
    subprocess.run(["cp", "-r", str(example / "app"), str(broken)], check=True)
    (broken / "sequence.yaml").write_text((broken / "sequence.yaml").read_text().replace("sidecars:", "sidecar:"))
    failed = subprocess.run(generate, cwd=broken, capture_output=True, text=True, timeout=120, check=False)
    assert failed.returncode != 0 and failed.stdout == "", "a failed render must fail the sync, never print nothing"


@pytest.mark.e2e
def test_the_repository_is_a_kpt_package_of_the_examples():
    done = subprocess.run([need("kpt"), "fn", "eval", str(ROOT), "--exec", need("cat"), "-o", "stdout"],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    items = yamlio.load_all(done.stdout)[0]["items"]
    paths = {objects.file_ref(d)["path"] for d in items}
    assert paths and all(p == "Kptfile" or p.startswith("kustomization-examples/") for p in paths), paths
    assert not any("/.expected/" in p for p in paths)


@pytest.mark.e2e
@pytest.mark.parametrize("folder", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_kpt_reads_each_example_without_its_expected_output(folder: Path):
    """`kpt fn eval` in an example folder must not read `.expected/` (its workloads would come out twice)."""
    assert (folder / ".krmignore").exists()
    done = subprocess.run([need("kpt"), "fn", "eval", str(folder), "--exec", need("cat"), "-o", "stdout"],
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    items = yamlio.load_all(done.stdout)[0]["items"]
    paths = [objects.file_ref(d)["path"] for d in items]
    assert paths and not any(p.startswith(".expected/") for p in paths), paths
    named = [(d.get("kind"), (d.get("metadata") or {}).get("name")) for d in items]
    assert len(named) == len(set(named)), f"an object is read twice: {named}"


@pytest.mark.e2e
def test_the_commands_the_root_kptfile_advertises_work(tmp_path: Path):
    advertised = re.findall(r"`(kpt fn [^`]+)`", (ROOT / "Kptfile").read_text().replace("\n# ", " "))
    assert len(advertised) == 2, advertised
    shutil.copytree(ROOT / "kustomization-examples", tmp_path / "kustomization-examples")
    for line in advertised:
        done = subprocess.run(line.split(), cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, (line, done.stderr)


def _settings(conf: Path) -> list[str]:
    return [line for line in conf.read_text().splitlines() if line.strip() and not line.startswith("#")]


def test_the_container_example_ships_the_podman_settings_the_runtime_tests_use():
    podman = ROOT / "kustomization-examples" / "job-pipeline" / "podman"
    assert _settings(podman / "containers.conf") == _settings(ROOT / "tests" / "runtime" / "containers.conf")
    assert os.access(podman / "docker", os.X_OK), "the docker stand-in must be executable"
    assert 'exec podman "$@"' in (podman / "docker").read_text()
