"""The function image, built with podman from the repository's Dockerfile and run as orchestrators run it:
``kpt fn eval --image``, a Kptfile ``image:`` under ``kpt fn render``, and a kustomize container transformer
(``kubectl kustomize --enable-alpha-plugins`` with a ``docker`` on PATH that execs podman). Every output must equal
what the exec form gives for the same input.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from subprocess import CompletedProcess

import pytest
import yaml

import krm_fn
from krm_fn.sdk import yamlio
from tests.e2e.conftest import need, run, snapshot
from tests.runtime import image

pytestmark = pytest.mark.runtime
GOLDEN = Path(__file__).parent.parent / "golden"
ROOT = Path(__file__).parent.parent.parent


@pytest.fixture
def built(function_image: int) -> int:
    return function_image


def two_packages(tmp_path: Path) -> tuple[Path, Path]:
    """The same package twice: one for the image, one for the exec form."""
    out = []
    for name in ("image", "exec"):
        pkg = tmp_path / name
        pkg.mkdir()
        shutil.copy(GOLDEN / "job-chain" / "input.yaml", pkg / "job.yaml")
        shutil.copy(GOLDEN / "deployment-start-order" / "input.yaml", pkg / "deploy.yaml")
        shutil.copy(GOLDEN / "entrypoint-dag" / "input.yaml", pkg / "dag.yaml")
        out.append(pkg)
    return out[0], out[1]


def podman_env() -> dict[str, str]:
    return {**os.environ, "KPT_FN_RUNTIME": "podman"}


def test_the_image_runs_as_nobody_without_network_and_is_small(built: int):
    done = run(["podman", "run", "--rm", "-i", "--network", "none", "--user", "nobody",
                "--security-opt=no-new-privileges", image.IMAGE, "--version"])  # fmt: skip
    assert done.returncode == 0 and done.stdout.startswith("seq-fn "), done.stderr
    base = int(run(["podman", "image", "inspect", image.BASE, "--format", "{{.Size}}"]).stdout)
    assert built - base < 30e6, f"seq-fn adds {(built - base) / 1e6:.1f} MB to its base"
    assert image.leftovers() == [], "the build left untagged images (its builder stage) in podman's storage"


def test_kpt_eval_with_the_image_equals_the_exec_form(built: int, tmp_path: Path):
    with_image, with_exec = two_packages(tmp_path)
    done = run([need("kpt"), "fn", "eval", str(with_image), "--image", image.IMAGE, "--image-pull-policy", "never",
                "--", "sidecars=config-agent-not-here"], env=podman_env())  # fmt: skip
    assert done.returncode == 0, done.stderr
    done = run([need("kpt"), "fn", "eval", str(with_exec), "--exec", need("seq-fn"), "--",
                "sidecars=config-agent-not-here"])  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert snapshot(with_image) == snapshot(with_exec)
    assert "initContainers" in (with_image / "job.yaml").read_text()


def test_kpt_render_with_an_image_pipeline_equals_the_exec_form(built: int, tmp_path: Path):
    with_image, with_exec = two_packages(tmp_path)
    for pkg, runner in ((with_image, f"image: {image.IMAGE}"), (with_exec, "exec: seq-fn")):
        (pkg / "Kptfile").write_text(
            "apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\n"
            '  annotations:\n    config.kubernetes.io/local-config: "true"\n'
            f"pipeline:\n  mutators:\n  - {runner}\n    configMap:\n      strategy: auto\n"
        )
    done = run([need("kpt"), "fn", "render", str(with_image), "--image-pull-policy", "never"], env=podman_env())
    assert done.returncode == 0, done.stderr
    done = run([need("kpt"), "fn", "render", str(with_exec), "--allow-exec"])
    assert done.returncode == 0, done.stderr
    image_files, exec_files = snapshot(with_image), snapshot(with_exec)
    assert image_files.pop("Kptfile") != exec_files.pop("Kptfile")
    assert image_files == exec_files
    assert "seq-fn.dev/sequenced" in (with_image / "dag.yaml").read_text()


def test_kustomize_container_transformer_equals_the_library_result(built: int, tmp_path: Path):
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "docker").write_text('#!/bin/sh\nexec podman "$@"\n')
    (shim / "docker").chmod(0o755)
    kust = tmp_path / "kust"
    kust.mkdir()
    shutil.copy(GOLDEN / "job-chain" / "input.yaml", kust / "job.yaml")
    (kust / "kustomization.yaml").write_text("resources: [job.yaml]\ntransformers: [seq-fn.yaml]\n")
    (kust / "seq-fn.yaml").write_text(
        "apiVersion: seq-fn.dev/v1alpha1\nkind: SequenceContainers\nmetadata:\n  name: sequence\n"
        f"  annotations:\n    config.kubernetes.io/function: |\n      container:\n        image: {image.IMAGE}\n"
        "strategy: init-containers\n"
    )
    env = {**os.environ, "PATH": f"{shim}:{os.environ['PATH']}"}
    done = run([need("kubectl"), "kustomize", "--enable-alpha-plugins", str(kust)], env=env)
    assert done.returncode == 0, done.stderr
    got = yamlio.to_plain(yamlio.load_all(done.stdout)[0])
    source = yamlio.load_all((GOLDEN / "job-chain" / "input.yaml").read_text())[0]
    want = yamlio.to_plain(krm_fn.sequence(source, {"strategy": "init-containers"}))
    assert got == want


def test_the_image_needs_no_network_and_no_writable_filesystem(built: int):
    given = (GOLDEN / "job-chain" / "input.yaml").read_text()
    from tests.support.run import resource_list

    done = run(["podman", "run", "--rm", "-i", "--network", "none", "--read-only", "--user", "nobody",
                "--cap-drop", "ALL", "--security-opt=no-new-privileges", image.IMAGE],
               stdin=resource_list(given).encode())  # fmt: skip
    assert done.returncode == 0, done.stderr
    out = yamlio.load_all(done.stdout)[0]
    assert out["items"][0]["metadata"]["annotations"]["seq-fn.dev/sequenced"] == "init-containers"


def test_help_and_errors_point_to_an_explanation_the_image_can_print(built: int):
    """Where seq-fn runs as a container function there is no checkout: the troubleshooting page ships inside."""
    done = run(["podman", "run", "--rm", "--network", "none", "--read-only", "--user", "nobody", image.IMAGE,
                "explain", "order-and-dag"])  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("## order-and-dag: ")


def test_the_argocd_plugin_generate_command_runs_in_the_image_as_the_repo_server_runs_the_sidecar(
    built: int, tmp_path: Path
):
    """The plugin's generate command, by name, inside the image: uid 999 (no passwd entry), read-only root, no
    capabilities, no network, the app's files read-only, in a working directory under /tmp as the CMP server
    unpacks them."""
    example = ROOT / "kustomization-examples" / "argocd"
    plugin = yaml.safe_load((example / "plugin.yaml").read_text())
    entrypoint, *args = [*plugin["spec"]["generate"]["command"], *plugin["spec"]["generate"]["args"]]

    def generate(app: Path) -> CompletedProcess[str]:
        return run(["podman", "run", "--rm", "--user", "999", "--read-only", "--network", "none", "--cap-drop", "ALL",
                    "--security-opt=no-new-privileges", "-v", f"{app}:/tmp/_cmp_server/app:ro",
                    "--workdir", "/tmp/_cmp_server/app", "--entrypoint", entrypoint, image.IMAGE, *args])  # fmt: skip

    done = generate(example / "app")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (example / ".expected" / "output.yaml").read_text()
    broken = tmp_path / "app"
    shutil.copytree(example / "app", broken)
    (broken / "sequence.yaml").write_text((broken / "sequence.yaml").read_text().replace("sidecars:", "sidecar:"))
    failed = generate(broken)
    assert failed.returncode != 0 and failed.stdout == "", "a failed render must fail the sync, never print nothing"
    assert "sidecar" in failed.stderr


def test_every_module_a_run_imports_comes_from_bytecode_compiled_at_build_time(built: int):
    """Read-only for nobody, so a module without bytecode would be compiled again at every start (and the
    start would cost several times the container's own). ``-v`` names the source of each module compiled."""
    given = (GOLDEN / "job-chain" / "input.yaml").read_text()
    config = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: function-input}\ndata: {strategy: init-containers}\n"
    from tests.support.run import resource_list

    done = run(["podman", "run", "--rm", "-i", "--read-only", "--user", "nobody", "-e", "PYTHONVERBOSE=1",
                image.IMAGE], stdin=resource_list(given, config).encode())  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "code object from '/opt/seq-fn/" in done.stderr, "PYTHONVERBOSE did not report imports"
    compiled = [line for line in done.stderr.splitlines() if line.startswith("# code object from /")]
    assert compiled == [], f"{len(compiled)} modules compiled at run time, e.g. {compiled[:3]}"
    writable = run(["podman", "run", "--rm", "--entrypoint", "find", image.IMAGE, "/opt/seq-fn", "-writable"])
    assert writable.returncode == 0 and writable.stdout == "", writable.stdout[:500]
