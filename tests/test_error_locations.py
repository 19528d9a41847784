"""Every error says where: the file, the line in it, and the field as it is in the input, in every mode.

A user fixes the file they have. ``seq-fn DIR`` used to say "Job migrate: spec.template..." with no file, and an
error about a container that would have become ``initContainers[1]`` pointed at a field the file does not have.
The expected lines are found in the files themselves (the line holding the field), never typed in.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from krm_fn.sdk import yamlio
from tests.support.run import command, krm, resource_list

ROOT = Path(__file__).parent.parent
CRONJOB = ROOT / "kustomization-examples" / "cronjob-entrypoint" / "cronjob.yaml"
CORPUS = ROOT / "tests" / "corpus"
TYPO_JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: etl
  annotations:
    seq-fn.dev/odrer: "load,extract"
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: extract, image: busybox:1.36}
      - {name: load, image: busybox:1.36}
"""


def _line_of(path: Path, text: str, after: int = 0) -> int:
    """The 1-based number of the first line of ``path`` after line ``after`` that contains ``text``."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if number > after and text in line:
            return number
    raise AssertionError(f"{text!r} is not in {path}")


def test_standalone_dir_names_the_file_the_line_and_the_input_path(tmp_path: Path) -> None:
    shutil.copy(CRONJOB, tmp_path / "cronjob.yaml")
    (tmp_path / "a-configmap.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n")
    ran = command(["--all", str(tmp_path)])  # without its config: the step keeps a livenessProbe
    assert ran.code == 1 and ran.stdout == ""
    line = _line_of(tmp_path / "cronjob.yaml", "livenessProbe:")
    expected = "spec.jobTemplate.spec.template.spec.containers[1].livenessProbe: container 'build-report'"
    assert expected in ran.stderr, ran.stderr
    assert "initContainers" not in ran.stderr
    assert f"(file {tmp_path / 'cronjob.yaml'}, line {line})" in ran.stderr, ran.stderr


def test_the_line_counts_from_the_top_of_the_file_in_a_multi_document_file(tmp_path: Path) -> None:
    source = tmp_path / "app.yaml"
    source.write_text("# the app\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n" + TYPO_JOB)
    for args in ([str(source)], ["-"]):
        ran = command(args, stdin=source.read_bytes() if args == ["-"] else b"")
        name = "<stdin>" if args == ["-"] else str(source)
        assert ran.code == 1
        assert "did you mean seq-fn.dev/order? " in ran.stderr
        assert f"(file {name}, line {_line_of(source, 'seq-fn.dev/odrer')})" in ran.stderr, ran.stderr


def test_plan_names_the_line(tmp_path: Path) -> None:
    source = tmp_path / "app.yaml"
    source.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n" + TYPO_JOB)
    ran = command(["plan", str(source)])
    assert ran.code == 1
    assert f"Job etl  ({source})" in ran.stdout
    assert f"(line {_line_of(source, 'seq-fn.dev/odrer')})" in ran.stdout, ran.stdout


def test_a_non_utf8_file_is_named(tmp_path: Path) -> None:
    bad = tmp_path / "latin1.yaml"
    bad.write_bytes(b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: \xa4}\n")
    ran = command([str(tmp_path)])
    assert ran.code == 2
    assert f"{bad}: input is not UTF-8: byte 0xa4" in ran.stderr


def test_krm_results_carry_the_input_path_and_a_line_of_the_resource_list_only_where_no_file_is_named() -> None:
    given = resource_list(CRONJOB.read_text())
    ran = krm(given)
    assert ran.code == 1
    errors = [r for r in ran.resource_list()["results"] if r["severity"] == "error"]
    assert errors[0]["field"]["path"] == "spec.jobTemplate.spec.template.spec.containers[1].livenessProbe"
    line = next(n for n, text in enumerate(given.splitlines(), start=1) if "livenessProbe:" in text)
    assert f"(line {line} of the input)" in ran.stderr
    plain = CRONJOB.read_text()
    annotated = plain.replace(
        "  annotations:\n", "  annotations:\n    internal.config.kubernetes.io/path: jobs/cj.yaml\n", 1
    )
    assert annotated != plain
    ran = krm(resource_list(annotated))
    probe = next(line for line in ran.stderr.splitlines() if "livenessProbe" in line)
    assert probe.endswith("(see: seq-fn explain incompatible-fields) (file jobs/cj.yaml)"), (
        probe
    )  # kpt's lines are not the file's


BAD_CONFIG = """\
apiVersion: seq-fn.dev/v1alpha1
kind: SequenceContainers
metadata: {name: c}
strategy: fastest
kubernetesVersion: 1.30
onError: retry
"""


def test_every_config_error_is_reported_in_one_run_with_its_line(tmp_path: Path) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(BAD_CONFIG)
    job = tmp_path / "job.yaml"
    job.write_text(TYPO_JOB)
    ran = command(["--config", str(config), str(job)])
    assert ran.code == 1
    for field in ("strategy", "kubernetesVersion", "onError"):
        assert f"{config}: {field}: " in ran.stderr, ran.stderr
        assert f"(line {_line_of(config, field + ':')})" in ran.stderr
    krm_ran = krm(resource_list(TYPO_JOB, BAD_CONFIG))
    paths = {r["field"]["path"] for r in krm_ran.resource_list()["results"] if r["severity"] == "error"}
    assert paths == {"strategy", "kubernetesVersion", "onError"}


def test_every_configmap_value_error_is_reported_in_one_run() -> None:
    config = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  strategy: fastest\n  selectAll: maybe\n"
    ran = krm(resource_list(TYPO_JOB, config + "  kubernetesVersion: 1.30\n"))
    results = [r for r in ran.resource_list()["results"] if r["severity"] == "error"]
    assert {r["field"]["path"] for r in results} == {"data.strategy", "data.selectAll", "data.kubernetesVersion"}
    assert any("(got number 1.3)" in r["message"] for r in results), results


def test_an_item_with_anchors_still_gets_the_line_of_its_field() -> None:
    job = TYPO_JOB.replace("image: busybox:1.36}", "image: &img busybox:1.36}", 1).replace(
        "{name: load, image: busybox:1.36}", "{name: load, image: *img}"
    )
    given = resource_list(job)
    given = yamlio.dump(yamlio.load_all(given)[0])  # the anchors are expanded by the helper: put them back by hand
    text = given.replace("image: busybox:1.36", "image: &img busybox:1.36", 1)
    assert "&img" in text
    ran = krm(text)
    assert ran.code == 1
    line = next(n for n, t in enumerate(text.splitlines(), start=1) if "seq-fn.dev/odrer" in t)
    assert f"(line {line} of the input)" in ran.stderr, ran.stderr


def test_a_config_file_that_is_not_utf8_or_not_yaml_is_named(tmp_path: Path) -> None:
    job = tmp_path / "job.yaml"
    job.write_text(TYPO_JOB)
    for name, data in (("latin1.yaml", b"strategy: \xa4\n"), ("broken.yaml", b"strategy: [\n")):
        config = tmp_path / name
        config.write_bytes(data)
        ran = command(["--config", str(config), str(job)])
        assert ran.code == 2
        assert re.search(rf"config {re.escape(str(config))}: (line \d+: )?input is not", ran.stderr), ran.stderr


def test_a_finding_judged_across_objects_names_the_line_in_plan_and_standalone(tmp_path: Path) -> None:
    """The named-port check sees the Service only at the end; its error still points at the port's line."""
    source = tmp_path / "exporter.yaml"
    source.write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\n" + (CORPUS / "postgres-exporter.yaml").read_text()
    )
    line = _line_of(source, "name: https")
    old = tmp_path / "old.yaml"
    old.write_text(
        'apiVersion: seq-fn.dev/v1alpha1\nkind: SequenceContainers\nmetadata: {name: s}\nkubernetesVersion: "1.29"\n'
    )
    plan = command(["plan", "--all", "--config", str(old), str(source)])
    assert plan.code == 1
    assert "spec.template.spec.containers[1].ports[0].name: container 'kube-rbac-proxy'" in plan.stdout
    assert f"(line {line})" in plan.stdout, plan.stdout
    ran = command(["--all", "--config", str(old), str(source)])
    assert f"(file {source}, line {line})" in ran.stderr, ran.stderr


def test_a_refused_value_in_a_document_read_by_ruamel_yaml_names_its_line_in_the_file(tmp_path: Path) -> None:
    """A tag kubectl refuses, in a document after a ``---`` and a comment: the line of the file, not of the object."""
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n# b\napiVersion: v1\nkind: ConfigMap\n"
    for value in ("!!bool 1", "!foo x"):
        path = tmp_path / "two.yaml"
        path.write_text(text + f"metadata: {{name: b}}\ndata:\n  x: 1\n  y: {value}\n")
        ran = command([str(path)])
        assert ran.code == 2, ran.stderr
        assert f"two.yaml: line {_line_of(path, value)}: " in ran.stderr, ran.stderr
