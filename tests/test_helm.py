"""seq-fn as Helm runs a post-renderer: Helm 3's ``--post-renderer seq-fn`` and Helm 4's ``postrenderer/v1``
plugin shipped in ``helm-plugin/``.

The ``helm`` binary cannot be installed on these machines, so :mod:`tests.support.helm` does what Helm's source
does when it runs a post-renderer (each step names the Go file it follows) and loads ``plugin.yaml`` with the
checks of Helm 4's loader. seq-fn itself is the installed console script, run as a subprocess; what it prints is
read by kubectl and validated strictly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

import krm_fn
from krm_fn.sdk import yamlio
from tests.e2e.conftest import need
from tests.support import helm, kube

ROOT = Path(__file__).parent.parent
PLUGIN = ROOT / "helm-plugin"
RENDERED = (ROOT / "tests" / "helm" / "rendered.yaml").read_text()
CONFIG = ROOT / "tests" / "helm" / "sequence.yaml"


@pytest.fixture
def env() -> dict[str, str]:
    """Helm's environment: the user's, with seq-fn on PATH and none of seq-fn's own variables."""
    need("seq-fn")
    return {k: v for k, v in os.environ.items() if not k.startswith("SEQ_FN_")}


def _job(manifests: str) -> dict[str, list[str]]:
    (job,) = [d for d in yamlio.load_all(manifests) if d and d["kind"] == "Job"]
    spec = job["spec"]["template"]["spec"]
    return {key: [c["name"] for c in spec.get(key, [])] for key in ("initContainers", "containers")}


#: The chart's Job with an order that leaves out a step: an error, whatever the config.
BAD_ORDER = RENDERED.replace(
    "kind: Job\nmetadata:\n", 'kind: Job\nmetadata:\n  annotations: {seq-fn.dev/order: "load,extract"}\n'
)
SEQUENCED = {"initContainers": ["extract", "transform"], "containers": ["load"]}


def _kubectl_reads(manifests: str, tmp_path: Path) -> list[dict[str, object]]:
    """The objects as kubectl reads them (the oracle of values), each validated strictly."""
    out = tmp_path / "out.yaml"
    out.write_text(manifests)
    done = subprocess.run([need("kubectl"), "label", "--local", "-f", str(out), "probe=1", "-o", "json"],
                          env={**os.environ, "KUBECONFIG": "/dev/null"}, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    objects, decoder, at = [], json.JSONDecoder(), 0  # kubectl prints one JSON object after another
    while done.stdout[at:].strip():
        obj, at = decoder.raw_decode(done.stdout, len(done.stdout) - len(done.stdout[at:].lstrip()))
        objects.append(obj)
    for obj in objects:
        obj["metadata"]["labels"].pop("probe")
        for version in kube.schema_versions():
            kube.validate_strict(obj, version)
    return list(objects)


def test_helm3_with_no_arguments_reads_the_plain_stream_and_keeps_what_it_does_not_change(env: dict[str, str]):
    rendered = helm.helm3_post_render("seq-fn", [], RENDERED, env)
    assert rendered.error is None
    assert rendered.manifests == RENDERED, "nothing asked to be sequenced: the stream comes back byte for byte"


@pytest.mark.e2e
def test_helm3_config_through_post_renderer_args(env: dict[str, str], tmp_path: Path):
    rendered = helm.helm3_post_render("seq-fn", [f"--config={CONFIG}"], RENDERED, env)
    assert rendered.error is None
    assert _job(rendered.manifests) == SEQUENCED
    assert "# Source: etl/templates/job.yaml" in rendered.manifests, "Helm's source comments stay"
    objects = _kubectl_reads(rendered.manifests, tmp_path)
    assert [o["kind"] for o in objects] == ["ServiceAccount", "ConfigMap", "Job"]
    two_args = helm.helm3_post_render("seq-fn", ["--config", str(CONFIG)], RENDERED, env)
    assert two_args.manifests == rendered.manifests


def test_helm3_config_through_the_environment_for_wrappers_that_pass_no_arguments(env: dict[str, str]):
    rendered = helm.helm3_post_render("seq-fn", [], RENDERED, {**env, "SEQ_FN_CONFIG": str(CONFIG)})
    assert rendered.error is None
    assert _job(rendered.manifests) == SEQUENCED
    other = CONFIG.parent / "missing.yaml"
    wins = helm.helm3_post_render("seq-fn", [f"--config={CONFIG}"], RENDERED, {**env, "SEQ_FN_CONFIG": str(other)})
    assert wins.error is None, "--config wins over SEQ_FN_CONFIG"
    assert _job(wins.manifests) == SEQUENCED


def test_helm3_all_through_post_renderer_args(env: dict[str, str]):
    rendered = helm.helm3_post_render("seq-fn", ["--all"], RENDERED, env)
    assert rendered.error is None
    assert _job(rendered.manifests) == SEQUENCED


def test_a_failed_render_fails_helm_with_nothing_on_stdout(env: dict[str, str], tmp_path: Path):
    broken = BAD_ORDER
    done = subprocess.run([need("seq-fn"), "--all"], input=broken, env=env, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode != 0 and done.stdout == ""
    rendered = helm.helm3_post_render("seq-fn", ["--all"], broken, env)
    assert rendered.error is not None and "seq-fn: error:" in rendered.error
    bad_config = tmp_path / "bad.yaml"
    bad_config.write_text(CONFIG.read_text() + "strategy: sequential\n")
    for args, extra in (([f"--config={bad_config}"], {}), ([], {"SEQ_FN_CONFIG": str(bad_config)})):
        done = subprocess.run([need("seq-fn"), *args], input=RENDERED, env={**env, **extra}, capture_output=True,
                              text=True, timeout=120, check=False)  # fmt: skip
        assert done.returncode == 1 and done.stdout == "", done.stderr
        assert "strategy" in done.stderr and "Traceback" not in done.stderr


def test_a_resource_list_on_stdin_with_no_arguments_is_still_the_krm_function(env: dict[str, str]):
    items = yamlio.load_all(RENDERED)
    resource_list = yamlio.dump({"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": items,
                                 "functionConfig": yaml.safe_load(CONFIG.read_text())})  # fmt: skip
    done = subprocess.run([need("seq-fn")], input=resource_list, env={**env, "SEQ_FN_CONFIG": "/nonexistent"},
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    (out,) = yamlio.load_all(done.stdout)
    assert out["kind"] == "ResourceList", "KRM mode answers with a ResourceList (and ignores SEQ_FN_CONFIG)"
    assert _job(yamlio.dump(out["items"][2])) == SEQUENCED
    single = subprocess.run([need("seq-fn")], input=yamlio.dump(items[2]), env=env, capture_output=True, text=True,
                            timeout=120, check=False)  # fmt: skip
    assert single.returncode == 0 and single.stdout == yamlio.dump(items[2]), "one plain object: standalone too"
    listed = yamlio.dump({"apiVersion": "v1", "kind": "List", "items": items})  # kubectl get -o yaml
    done = subprocess.run([need("seq-fn")], input=listed, env={**env, "SEQ_FN_CONFIG": str(CONFIG)},
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert _job(yamlio.dump(yamlio.load_all(done.stdout)[0]["items"][2])) == SEQUENCED
    for not_objects in ("just a string\n", "- a\n- b\n"):  # no object at all: the KRM function's refusal
        refused = subprocess.run([need("seq-fn")], input=not_objects, env=env, capture_output=True, text=True,
                                 timeout=120, check=False)  # fmt: skip
        assert refused.returncode == 2 and refused.stdout == "", not_objects
    empty = subprocess.run([need("seq-fn")], input="", env=env, capture_output=True, text=True, timeout=120,
                           check=False)  # fmt: skip
    assert empty.returncode == 0 and empty.stdout == "", "a chart that renders nothing: an empty stream back"


def test_the_helm4_plugin_manifest_passes_helms_loader_checks():
    text = (PLUGIN / "plugin.yaml").read_text()
    assert helm.manifest_problems(text) == []
    meta = yaml.safe_load(text)
    assert meta["name"] == "seq-fn" and meta["version"] == krm_fn.__version__
    for broken, says in (
        (text.replace("type: postrenderer/v1", "type: postrenderer"), "type must be"),
        (text.replace("runtimeConfig:", "runtimeconfig:"), "unknown field 'runtimeconfig'"),
        (text.replace("name: seq-fn", "name: seq fn"), "invalid plugin name"),
        (text.replace("  - command: seq-fn", "  - cmd: seq-fn"), "unknown platformCommand[0] field 'cmd'"),
        (text.replace("version: ", "version: v"), "SemVer"),
    ):
        assert any(says in p for p in helm.manifest_problems(broken)), says


def test_the_helm4_plugin_runs_seq_fn_with_the_post_renderer_args(env: dict[str, str], tmp_path: Path):
    plugin = tmp_path / "plugins" / "seq-fn"  # where `helm plugin install` puts it: HELM_PLUGINS/NAME
    shutil.copytree(PLUGIN, plugin)
    rendered = helm.helm4_post_render(plugin, [f"--config={CONFIG}"], RENDERED, env)
    assert rendered.error is None
    assert _job(rendered.manifests) == SEQUENCED
    through_env = helm.helm4_post_render(plugin, [], RENDERED, {**env, "SEQ_FN_CONFIG": str(CONFIG)})
    assert through_env.manifests == rendered.manifests
    for goos, goarch in (("darwin", "arm64"), ("windows", "amd64")):  # one command, no os or arch: every platform
        assert helm.platform_command(yaml.safe_load((plugin / "plugin.yaml").read_text())["runtimeConfig"]
                                     ["platformCommand"], goos, goarch)[0] == ["seq-fn"]  # fmt: skip
    failed = helm.helm4_post_render(plugin, ["--all"], BAD_ORDER, env)
    assert failed.error is not None and failed.manifests == ""


@pytest.mark.parametrize(
    ("stdin", "krm"),
    [
        (b"apiVersion: config.kubernetes.io/v1\nitems: []\nkind: ResourceList\n", True),  # kustomize sorts kind last
        (b'{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": []}', True),
        (b"{apiVersion: config.kubernetes.io/v1, kind: 'ResourceList', items: []}", True),
        (b"apiVersion: v1\nkind: ConfigMap\ndata: {about: 'kind: ResourceList'}\n", False),  # a value, not the kind
        (b'{"apiVersion": "v1", "kind": "ConfigMap", "data": {"x": "{\\"kind\\": \\"ResourceList\\"}"}}', False),
        (b"---\n# Source: c/templates/job.yaml\napiVersion: batch/v1\nkind: Job\n", False),
        (b"apiVersion: v1\nkind: List\nitems: []\n", False),
        (b"", True),
        (b"just a string\n", True),
    ],
)
def test_the_kind_on_stdin_picks_the_mode(stdin: bytes, krm: bool):
    from krm_fn import cli

    assert cli.is_krm_input(stdin) is krm
