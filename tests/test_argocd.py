"""Argo CD Config Management Plugin parameters: read as the sidecar sets them, and laid over the config by the
plugin's generate command (``kustomization-examples/argocd/plugin.yaml``), run as the sidecar runs it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from krm_fn import argocd
from krm_fn.sdk import yamlio
from krm_fn.sdk.errors import ConfigError

EXAMPLE = Path(__file__).parent.parent / "kustomization-examples" / "argocd"
REPORT = """\
apiVersion: batch/v1
kind: Job
metadata: {name: report}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: query, image: registry.example/query:1}
      - {name: mail, image: registry.example/mail:1}
"""


def test_the_json_form_wins_and_arrays_become_lists():
    env = {
        "ARGOCD_APP_PARAMETERS": '[{"name": "strategy", "string": "entrypoint"}, '
        '{"name": "sidecars", "array": ["proxy", "logger"]}, {"name": "kubernetesVersion", "string": ""}]',
        "PARAM_STRATEGY": "init-containers",
    }
    assert argocd.parameters(env) == {"strategy": "entrypoint", "sidecars": "proxy,logger"}


def test_the_param_variables_when_there_is_no_json():
    env = {"ARGOCD_APP_PARAMETERS": "null", "PARAM_SELECTALL": "true", "PARAM_SIDECARS_0": "a", "PARAM_SIDECARS_1": "b"}
    assert argocd.parameters(env) == {"selectAll": "true", "sidecars": "a,b"}
    assert argocd.parameters({}) == {}
    assert argocd.variable("kubernetesVersion") == "PARAM_KUBERNETESVERSION"


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("[{", "is not JSON"),
        ('{"name": "strategy"}', "must be a JSON list"),
        ('[{"name": "strategi", "string": "auto"}]', "'strategi' is not a parameter seq-fn reads"),
        ('[{"name": "sidecars", "map": {"a": "b"}}]', "sidecars must be a string or an array, not a map"),
        ('[{"string": "auto"}]', "must be an object with a name"),
    ],
)
def test_a_malformed_parameter_is_a_config_error_naming_it(raw: str, says: str):
    with pytest.raises(ConfigError, match=says):
        argocd.parameters({"ARGOCD_APP_PARAMETERS": raw})


def _generate(app: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """The plugin's generate command, in the app's folder, with the variables the sidecar would set."""
    plugin = yaml.safe_load((EXAMPLE / "plugin.yaml").read_text())["spec"]
    command = [*plugin["generate"]["command"], *plugin["generate"]["args"]]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARGOCD_", "PARAM_"))}
    return subprocess.run(command, cwd=app, env={**env, **variables}, capture_output=True, text=True, check=False,
                          timeout=120)  # fmt: skip


def _containers_of_report(stdout: str) -> dict[str, list[str]]:
    (report,) = [d for d in yamlio.load_all(stdout) if d["metadata"]["name"] == "report"]
    spec = report["spec"]["template"]["spec"]
    return {key: [c["name"] for c in spec.get(key, [])] for key in ("initContainers", "containers")}


@pytest.fixture
def app(tmp_path: Path) -> Path:
    """The example's app with one more Job that declares no intent: only selectAll sequences it."""
    shutil.copytree(EXAMPLE / "app", tmp_path / "app")
    (tmp_path / "app" / "report.yaml").write_text(REPORT)
    return tmp_path / "app"


def test_plugin_yaml_announces_the_parameters_seq_fn_reads():
    static = yaml.safe_load((EXAMPLE / "plugin.yaml").read_text())["spec"]["parameters"]["static"]
    assert [p["name"] for p in static] == list(argocd.PARAMETERS)
    assert not any("string" in p or "array" in p for p in static), "Argo CD never sends announced defaults"


def test_the_generate_command_lays_the_applications_parameters_over_the_config(app: Path):
    plain = _generate(app)
    assert plain.returncode == 0, plain.stderr
    assert _containers_of_report(plain.stdout) == {"initContainers": [], "containers": ["query", "mail"]}

    as_json = _generate(app, ARGOCD_APP_PARAMETERS='[{"name": "selectAll", "string": "true"}]')
    assert as_json.returncode == 0, as_json.stderr
    assert _containers_of_report(as_json.stdout) == {"initContainers": ["query"], "containers": ["mail"]}
    as_variables = _generate(app, ARGOCD_APP_PARAMETERS="null", PARAM_SELECTALL="true")
    assert as_variables.stdout == as_json.stdout

    too_old = _generate(app, ARGOCD_APP_PARAMETERS='[{"name": "kubernetesVersion", "string": "1.28"}]')
    assert too_old.returncode != 0 and too_old.stdout == "", "a failed render must fail the sync"
    assert "kubernetesVersion is 1.28" in too_old.stderr

    bad = _generate(app, ARGOCD_APP_PARAMETERS='[{"name": "strategy", "string": "sequential"}]')
    assert bad.returncode != 0 and bad.stdout == ""
    assert "Argo CD parameters: strategy: must be one of" in bad.stderr


def test_application_env_arrives_prefixed_and_can_name_another_config(app: Path):
    config = (app / "sequence.yaml").read_text() + "selectAll: true\n"
    (app / "sequence-all.yaml").write_text(config)
    ran = _generate(app, ARGOCD_ENV_SEQ_FN_CONFIG="sequence-all.yaml")
    assert ran.returncode == 0, ran.stderr
    assert _containers_of_report(ran.stdout)["initContainers"] == ["query"]
    assert "SequenceContainers" not in ran.stdout, "the config file is local config: never applied"
