"""The ``seq-fn`` command: standalone mode over files, KRM mode on stdin, and the helpers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from krm_fn.sdk import yamlio
from krm_fn.sequencing.config import schema
from tests.support.run import command, krm, resource_list

GOLDEN = Path(__file__).parent / "golden"
STREAM = """\
# leading comment document
---
apiVersion: v1
kind: Service
metadata: {name: web}   # flow style, odd spacing
spec:
  ports: [{port: 80, targetPort: 'http'}]
---
apiVersion: batch/v1
kind: Job
metadata:
  name: etl
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: a     # wide list indentation
          image: busybox:1.36
        - name: b
          image: busybox:1.36
---
not: a kubernetes object
"""


def test_standalone_keeps_untouched_documents_byte_for_byte_and_the_changed_ones_style(tmp_path: Path):
    source = tmp_path / "all.yaml"
    source.write_text(STREAM)
    left = command(["-f", str(source)])
    assert left.code == 0 and left.stdout == STREAM, "with no intent declared, nothing changes"
    assert "Job etl (a, b) is not sequenced: declares no intent; to sequence it, annotate it with " in left.stderr
    assert 'seq-fn.dev/enabled: "true"' in left.stderr, "a no-op run says how to opt in"
    ran = command(["--all", "-f", str(source)])
    assert ran.code == 0, ran.stderr
    parts = yamlio.split_documents(ran.stdout)
    original = yamlio.split_documents(STREAM)
    assert len(parts) == 4
    assert parts[0] == original[0] and parts[1] == original[1] and parts[3] == original[3]
    assert "      initContainers:\n        - name: a     # wide list indentation\n" in parts[2]
    assert "kubectl.kubernetes.io/default-container: b" in parts[2]


def test_standalone_keeps_crlf_line_ends_in_a_changed_document(tmp_path: Path):
    """A file saved with CRLF comes back with CRLF only, not with LF lines mixed in (a whole-file diff in git)."""
    source = tmp_path / "job.yaml"
    source.write_bytes(
        b"# saved on Windows\r\napiVersion: batch/v1\r\nkind: Job\r\nmetadata:\r\n  name: etl  # the nightly one\r\n"
        b'  annotations: {seq-fn.dev/enabled: "true"}\r\nspec:\r\n  template:\r\n    spec:\r\n'
        b"      restartPolicy: Never\r\n      containers:\r\n      - {name: extract, image: busybox}\r\n"
        b"      - {name: load, image: busybox}\r\n"
    )
    ran = command(["-f", str(source)])
    assert ran.code == 0, ran.stderr
    lines = ran.stdout.encode().split(b"\n")
    assert lines[-1] == b"" and all(line.endswith(b"\r") for line in lines[:-1]), ran.stdout
    assert "# the nightly one" in ran.stdout
    spec = yamlio.load_all(ran.stdout)[0]["spec"]["template"]["spec"]
    assert [c["name"] for c in spec["initContainers"]] == ["extract"]


def test_standalone_reads_stdin_directories_and_resource_lists(tmp_path: Path):
    (tmp_path / "a.yaml").write_text((GOLDEN / "job-chain" / "input.yaml").read_text())
    (tmp_path / "b.yml").write_text(resource_list((GOLDEN / "pod-never-steps" / "input.yaml").read_text()))
    (tmp_path / "notes.txt").write_text("ignored")
    from_dir = command([str(tmp_path)])
    assert from_dir.code == 0, from_dir.stderr
    kinds = [d["kind"] for d in yamlio.load_all(from_dir.stdout)]
    assert kinds == ["Job", "Pod"], "a ResourceList file comes out as plain objects"
    from_stdin = command(["-"], stdin=(tmp_path / "a.yaml").read_text())
    assert from_stdin.stdout == yamlio.split_documents(from_dir.stdout)[0]


def test_standalone_with_a_config_file(tmp_path: Path):
    config = tmp_path / "config.yaml"
    config.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {sidecars: transform}\n")
    ran = command(["--config", str(config), str(GOLDEN / "job-chain" / "input.yaml")])
    assert ran.code == 0, ran.stderr
    spec = yamlio.load_all(ran.stdout)[0]["spec"]["template"]["spec"]
    assert [(c["name"], c.get("restartPolicy")) for c in spec["initContainers"]] == [
        ("transform", "Always"),
        ("extract", None),
    ]


def test_standalone_error_prints_nothing_on_stdout_and_exits_1():
    ran = command(["-f", str(GOLDEN / "error-cycle" / "input.yaml")])
    assert ran.code == 1
    assert ran.stdout == ""
    assert (
        "error: Job cycle: metadata.annotations[seq-fn.dev/after.a]: the after annotations form a cycle" in ran.stderr
    )
    assert "Traceback" not in ran.stderr


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["-"], "a: [", "input is not valid YAML"),
        (["/nonexistent/file.yaml"], "", "cannot read /nonexistent/file.yaml"),
        ([], "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {a: 1}\n", "expected a list"),
    ],
)
def test_unreadable_input_exits_2_with_one_line(args, stdin, message):
    ran = command(args, stdin=stdin)
    assert ran.code == 2
    assert message in ran.stderr and ran.stderr.count("\n") == 1
    assert ran.stdout == ""


def test_a_bad_config_file_in_standalone_mode_names_the_file_and_field(tmp_path: Path):
    config = tmp_path / "c.yaml"
    config.write_text("apiVersion: seq-fn.dev/v1alpha1\nkind: SequenceContainers\nonError: retry\n")
    ran = command(["--config", str(config), str(GOLDEN / "job-chain" / "input.yaml")])
    assert ran.code == 1
    assert f"{config}: onError: must be one of stop, continue" in ran.stderr


def test_krm_mode_on_stdin():
    ran = command([], stdin=resource_list((GOLDEN / "job-chain" / "input.yaml").read_text()))
    assert ran.code == 0
    doc = yamlio.load_all(ran.stdout)[0]
    assert doc["kind"] == "ResourceList" and doc["results"][0]["severity"] == "info"


KPT_PACKAGE_WITH_KUSTOMIZATION = """\
apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: kustomize.config.k8s.io/v1beta1
  kind: Kustomization
  resources: [job.yaml]
- apiVersion: batch/v1
  kind: Job
  metadata: {name: etl, annotations: {seq-fn.dev/enabled: "true"}}
  spec:
    template:
      spec:
        restartPolicy: Never
        containers: [{name: extract, image: busybox}, {name: load, image: busybox}]
"""


def test_krm_mode_takes_a_kustomization_without_a_name_as_kpt_sends_it():
    """kpt passes a package's kustomization.yaml as an item (it needs no metadata.name); it comes back as it was."""
    out = krm(KPT_PACKAGE_WITH_KUSTOMIZATION)
    assert out.code == 0, out.stderr
    items = out.resource_list()["items"]
    assert items[0] == {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                        "resources": ["job.yaml"]}  # fmt: skip
    assert [c["name"] for c in items[1]["spec"]["template"]["spec"]["initContainers"]] == ["extract"]


def test_schema_version_and_help():
    assert json.loads(command(["schema"]).stdout) == schema()
    assert command(["--version"]).stdout.startswith("seq-fn ")
    helped = command(["--help"])
    assert helped.code == 0 and "standalone" in helped.stdout and "exit codes" in helped.stdout


def test_an_error_about_the_configs_strategy_says_so_once(tmp_path: Path):
    """Not "Deployment d: strategy: strategy init-containers ...": the config's field is not the workload's."""
    (tmp_path / "d.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, annotations: {seq-fn.dev/enabled: 'true'}}\n"
        "spec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n"
        "      containers: [{name: a, image: busybox}, {name: b, image: busybox}]\n"
    )
    (tmp_path / "c.yaml").write_text(
        "apiVersion: seq-fn.dev/v1alpha1\nkind: SequenceContainers\nmetadata: {name: s}\nstrategy: init-containers\n"
    )
    ran = command(["--config", str(tmp_path / "c.yaml"), str(tmp_path / "d.yaml")])
    assert ran.code == 1
    assert "error: Deployment d: the functionConfig's strategy init-containers would make" in ran.stderr
    assert "strategy: strategy" not in ran.stderr, ran.stderr
