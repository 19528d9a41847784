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
    assert [p["name"] for p in static] == [*argocd.PARAMETERS, *argocd.RENDER_PARAMETERS]
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


# A Helm chart or a kustomization as the Application's source. Neither helm nor kustomize can be installed here:
# `helm` is a stand-in that records how it was called and prints a rendered chart (tests/helm/rendered.yaml), and
# `kustomize build DIR` is kubectl's embedded kustomize (`kubectl kustomize DIR`), the same build.
HELM_STANDIN = """#!/bin/sh
printf '%s\\n' "$@" > "$HELM_CALLS"
for arg in "$@"; do case "$arg" in /*) cat "$arg" > "$HELM_CALLS.values";; esac; done
[ "$1" = template ] || exit 0
[ -z "$HELM_FAILS" ] || { echo 'Error: template: etl/templates/job.yaml:3: function "oops" not defined' >&2; exit 1; }
cat "$HELM_RENDERED"
"""
KUSTOMIZE_STANDIN = '#!/bin/sh\n[ "$1" = build ] && exec kubectl kustomize "$2"\nexit 2\n'
JOB_CONFIG = (EXAMPLE.parent.parent / "tests" / "helm" / "sequence.yaml").read_text()


def _standins(tmp_path: Path) -> dict[str, str]:
    """PATH with the helm and kustomize stand-ins first, and where the helm stand-in writes its arguments."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, text in (("helm", HELM_STANDIN), ("kustomize", KUSTOMIZE_STANDIN)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    return {
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "HELM_CALLS": str(tmp_path / "helm-calls"),
        "HELM_RENDERED": str(EXAMPLE.parent.parent / "tests" / "helm" / "rendered.yaml"),
        "HELM_FAILS": "",
    }


def _job_containers(stdout: str) -> dict[str, list[str]]:
    (job,) = [d for d in yamlio.load_all(stdout) if d and d["kind"] == "Job"]
    spec = job["spec"]["template"]["spec"]
    return {key: [c["name"] for c in spec.get(key, [])] for key in ("initContainers", "containers")}


@pytest.fixture
def chart(tmp_path: Path) -> Path:
    chart = tmp_path / "chart"
    chart.mkdir()
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: etl\nversion: 0.1.0\n")
    (chart / "values.yaml").write_text("replicas: 1\n")
    (chart / "values-prod.yaml").write_text("replicas: 3\n")
    (chart / "sequence.yaml").write_text(JOB_CONFIG)
    return chart


def test_a_helm_chart_is_rendered_as_argo_cd_would_then_sequenced(chart: Path, tmp_path: Path):
    env = _standins(tmp_path)
    ran = _generate(chart, **env, ARGOCD_APP_NAME="etl", ARGOCD_APP_NAMESPACE="data", KUBE_VERSION="1.33.2+k3s1",
                    KUBE_API_VERSIONS="v1,apps/v1,batch/v1", PARAM_VALUEFILES_0="values-prod.yaml",
                    PARAM_VALUES="replicas: 2",
                    ARGOCD_APP_PARAMETERS='[{"name": "valueFiles", "array": ["values-prod.yaml"]}, '
                    '{"name": "values", "string": "replicas: 2"}]')  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    calls = Path(env["HELM_CALLS"]).read_text().splitlines()
    assert calls[:-1] == ["template", "etl", ".", "--namespace", "data", "--include-crds", "--kube-version",
                          "1.33.2+k3s1", "--api-versions", "v1", "--api-versions", "apps/v1", "--api-versions",
                          "batch/v1", "--values", "values-prod.yaml", "--values"]  # fmt: skip
    assert Path(env["HELM_CALLS"] + ".values").read_text() == "replicas: 2\n", "inline values, after the files"
    assert _job_containers(ran.stdout) == {"initContainers": ["extract", "transform"], "containers": ["load"]}
    assert "SequenceContainers" not in ran.stdout and "# Source: etl/templates/job.yaml" in ran.stdout


def test_a_chart_without_a_config_file_is_served_when_the_app_names_the_plugin(chart: Path, tmp_path: Path):
    (chart / "sequence.yaml").unlink()
    env = _standins(tmp_path)
    ran = _generate(chart, **env, ARGOCD_APP_NAME="etl", ARGOCD_APP_NAMESPACE="data",
                    ARGOCD_APP_PARAMETERS='[{"name": "selectAll", "string": "true"}]')  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert _job_containers(ran.stdout)["containers"] == ["load"]
    named = _generate(chart, **env, ARGOCD_APP_NAME="etl", ARGOCD_APP_NAMESPACE="data",
                      ARGOCD_ENV_SEQ_FN_CONFIG="missing.yaml")  # fmt: skip
    assert named.returncode != 0 and "missing.yaml" in named.stderr, "a config the app names must exist"


def test_a_failed_helm_render_fails_the_sync(chart: Path, tmp_path: Path):
    env = {**_standins(tmp_path), "HELM_FAILS": "1"}
    ran = _generate(chart, **env, ARGOCD_APP_NAME="etl", ARGOCD_APP_NAMESPACE="data")
    assert ran.returncode != 0, "pipefail: helm's failure is the command's, whatever seq-fn made of no input"
    assert 'function "oops" not defined' in ran.stderr


@pytest.mark.e2e
def test_a_kustomization_is_built_then_sequenced(tmp_path: Path):
    app = tmp_path / "overlay"
    app.mkdir()
    (app / "kustomization.yaml").write_text("resources: [job.yaml]\nnamePrefix: prod-\n")
    (app / "job.yaml").write_text(REPORT)
    (app / "sequence.yaml").write_text(JOB_CONFIG)
    ran = _generate(app, **_standins(tmp_path))
    assert ran.returncode == 0, ran.stderr
    (job,) = yamlio.load_all(ran.stdout)
    assert job["metadata"]["name"] == "prod-report", "kustomize's output is what seq-fn sequenced"
    assert _job_containers(ran.stdout) == {"initContainers": ["query"], "containers": ["mail"]}


def test_kube_version_is_the_kubernetes_version_when_neither_parameters_nor_config_set_one(app: Path):
    too_old = _generate(app, KUBE_VERSION="1.28.5-eks-1234")
    assert too_old.returncode != 0 and too_old.stdout == ""
    assert "kubernetesVersion is 1.28" in too_old.stderr, "the cluster's version, not seq-fn's default"
    parameter = _generate(app, KUBE_VERSION="1.28.5", ARGOCD_APP_PARAMETERS='[{"name": "kubernetesVersion", '
                          '"string": "1.30"}]')  # fmt: skip
    assert parameter.returncode == 0, "the Application's parameter wins"
    (app / "sequence.yaml").write_text((app / "sequence.yaml").read_text() + 'kubernetesVersion: "1.29"\n')
    assert _generate(app, KUBE_VERSION="1.28.5").returncode == 0, "the config file wins"
    assert _generate(app, KUBE_VERSION="").returncode == 0, "Argo CD sends it empty when it does not know"
    bad = _generate(app, KUBE_VERSION="latest")
    assert bad.returncode != 0 and "KUBE_VERSION 'latest' is not a Kubernetes version" in bad.stderr


def test_cluster_version_keeps_major_and_minor():
    assert argocd.cluster_version({"KUBE_VERSION": "v1.31.2+k3s1"}) == argocd.as_configmap(
        {"kubernetesVersion": "1.31"}
    )
    assert argocd.cluster_version({"KUBE_VERSION": "1.30"})["data"] == {"kubernetesVersion": "1.30"}
    assert argocd.cluster_version({}) is None
