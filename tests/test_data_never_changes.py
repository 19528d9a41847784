"""seq-fn never changes data silently (issue 12): one regression test per finding, in KRM and standalone mode.

Each output is read back the way Kubernetes reads it, by kubectl itself (``kubectl label --local -o json``, see
:mod:`tests.support.kubectl_reader`), and compared with what was meant.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml as pyyaml

from krm_fn.sdk import splicing
from tests.support import kubectl_reader
from tests.support.run import Ran, command, krm

HEAD = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"


def items_of(text: str) -> list[Any]:
    """The items of a ResourceList as kubectl reads them."""
    return kubectl_reader.read(text)


def job(name: str, body: str) -> str:
    """A sequenced-on-request Job item (two containers) whose first container ends with ``body``."""
    return (
        f"- apiVersion: batch/v1\n  kind: Job\n  metadata:\n    name: {name}\n"
        '    annotations: {seq-fn.dev/enabled: "true"}\n'
        "  spec:\n    template:\n      spec:\n        restartPolicy: Never\n        containers:\n"
        "        - name: a\n          image: busybox\n" + body + "        - name: b\n          image: busybox\n"
    )


def run_item(item: str, standalone: bool, tmp_path: Path) -> tuple[str, Ran]:
    """An item (``- apiVersion: ...``) run as a ResourceList in KRM mode, or as a file of its own in standalone
    mode: the input text as given, and the run."""
    if standalone:
        text = textwrap.dedent(item.replace("- apiVersion", "  apiVersion", 1))
        (tmp_path / "job.yaml").write_text(text)
        return text, command([str(tmp_path / "job.yaml")])
    return HEAD + item, krm(HEAD + item)


def job4(body: str) -> str:
    """:func:`job` indented four spaces (ruamel.yaml re-indented such text and misplaced what followed a block)."""
    return (
        "- apiVersion: batch/v1\n  kind: Job\n  metadata:\n      name: j\n"
        '      annotations: {seq-fn.dev/enabled: "true"}\n'
        "  spec:\n      template:\n          spec:\n              restartPolicy: Never\n              containers:\n"
        "                  - name: a\n                    image: busybox\n"
        + body
        + "                  - name: b\n                    image: busybox\n"
    )


# 1: an item seq-fn never touches keeps its data (and its bytes) when another item holds a tab
def test_an_untouched_item_keeps_its_bytes_beside_an_item_with_a_tab() -> None:
    text = (
        HEAD
        + "    - apiVersion: v1\n      kind: ConfigMap\n      metadata: {name: a}\n      data:\n"
        + "          script: |\n              echo hi\n\n         # a comment\n"
        + '    - apiVersion: v1\n      kind: ConfigMap\n      metadata: {name: b}\n      data: {t: "a\tb"}\n'
    )
    ran = krm(text)
    assert ran.code == 0, ran.stderr
    assert ran.stdout == text
    assert items_of(ran.stdout)[0]["data"]["script"] == "echo hi\n"


def test_an_untouched_item_keeps_its_bytes_when_a_workload_beside_it_is_changed() -> None:
    cm = "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n  data:\n    script: |\n      echo hi\n\n  # c\n"
    tabbed = '- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: t}\n  data: {t: "a\tb"}\n'
    ran = krm(HEAD + cm + tabbed + job("j", ""))
    assert ran.code == 0, ran.stderr
    assert ran.stdout.startswith(HEAD + cm + tabbed)
    assert items_of(ran.stdout)[2]["spec"]["template"]["spec"]["initContainers"][0]["name"] == "a"


# 2: a changed workload that holds `value: yes` keeps a block scalar's value (the comment after it stays a comment)
def test_a_comment_after_a_block_scalar_never_becomes_part_of_an_argument() -> None:
    body = "                    env: [{name: A, value: yes}]\n                    args:\n"
    body += "                        - |\n                            echo hi\n\n                       # note\n"
    ran = krm(HEAD + job4(body))
    assert ran.code == 0, ran.stderr
    step = items_of(ran.stdout)[0]["spec"]["template"]["spec"]["initContainers"][0]
    assert step["args"] == ["echo hi\n"]
    assert step["env"] == [{"name": "A", "value": True}]  # a plain yes, as Kubernetes reads it


# 3: explicit keys (`? k` then `: v`) keep their indicator, wherever they stand
@pytest.mark.parametrize(
    ("where", "text"),
    [
        ("spec", job("j", "").replace("  spec:\n", "  spec:\n    ? backoffLimit\n    : 2\n", 1)),
        (
            "annotations",
            job("j", "").replace(
                '    annotations: {seq-fn.dev/enabled: "true"}\n',
                '    annotations:\n      ? note\n      : kept\n      seq-fn.dev/enabled: "true"\n',
            ),
        ),
        (
            "entrypoint container",
            job("j", "          command: [sh]\n          ? workingDir\n          : /tmp\n")
            .replace('{seq-fn.dev/enabled: "true"}', '{seq-fn.dev/strategy: entrypoint}') + "          command: [sh]\n",
        ),
    ],
)  # fmt: skip
def test_explicit_keys_are_written_so_that_the_output_reads_back(where: str, text: str) -> None:
    ran = krm(HEAD + text)
    assert ran.code == 0, ran.stderr
    out = items_of(ran.stdout)[0]
    if where == "spec":
        assert out["spec"]["backoffLimit"] == 2
    elif where == "annotations":
        assert out["metadata"]["annotations"]["note"] == "kept"
    else:
        assert out["spec"]["template"]["spec"]["containers"][0]["workingDir"] == "/tmp"
    assert krm(ran.stdout.split("results:\n")[0]).stdout.split("results:\n")[0] == ran.stdout.split("results:\n")[0]


# 4: a %YAML directive that opens a document is refused, as kubectl refuses it, naming the line in the file; one
# after a `...` line is ignored by kubectl, and its document is kept as it was
@pytest.mark.parametrize(
    ("stream", "line"),
    [
        ("%YAML 1.2\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", 1),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n%YAML 1.1\n---\n"
         "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n", 5),
        ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n...\n%YAML 1.1\n---\n"
         "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\ndata: {v: 'on'}\n", None),
    ],
)  # fmt: skip
def test_a_yaml_directive_is_read_as_kubectl_reads_it(stream: str, line: int | None, tmp_path: Path) -> None:
    (tmp_path / "in.yaml").write_text(stream)
    ran = command([str(tmp_path / "in.yaml")])
    if line is None:
        assert [obj["metadata"]["name"] for obj in kubectl_reader.read(stream)] == ["a", "b"]
        assert ran.code == 0 and ran.stdout == stream, ran.stderr
        return
    with pytest.raises(kubectl_reader.Refused):
        kubectl_reader.read(stream)
    assert ran.code == 2 and ran.stdout == ""
    assert f"in.yaml: line {line}: the YAML directive" in ran.stderr and ran.stderr.count("\n") == 1, ran.stderr


def test_on_is_a_boolean_as_kubernetes_reads_it_and_keeps_its_text() -> None:
    text = HEAD + job("j", "          env: [{name: A, value: on}]\n          tty: on\n")
    ran = krm(text)
    assert ran.code == 0, ran.stderr
    assert items_of(ran.stdout)[0]["spec"]["template"]["spec"]["initContainers"][0]["tty"] is True
    assert "tty: on\n" in ran.stdout and "value: on}" in ran.stdout


# 5: a recursive alias is refused; an untouched document keeps its anchors (its bytes)
@pytest.mark.parametrize("standalone", [False, True])
def test_a_recursive_alias_is_refused_with_one_line(standalone: bool, tmp_path: Path) -> None:
    item = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  x: &r [*r]\n"
    if standalone:
        (tmp_path / "in.yaml").write_text(item)
        ran = command([str(tmp_path / "in.yaml")])
    else:
        ran = krm(HEAD + "- " + item.replace("\n", "\n  ").rstrip(" "))
    assert ran.code == 2 and ran.stdout == ""
    assert "recursive YAML alias" in ran.stderr and ran.stderr.count("\n") == 1, ran.stderr


def test_an_untouched_document_keeps_its_anchors() -> None:
    cm = "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n  data: {x: &v one, y: *v}\n"
    ran = krm(HEAD + cm + job("j", ""))
    assert ran.code == 0, ran.stderr
    assert ran.stdout.startswith(HEAD + cm)


def test_a_changed_workload_with_an_anchor_is_written_without_it_and_says_its_comments_went() -> None:
    body = "          env: &e [{name: A, value: x}]  # shared\n          envFrom: []\n"
    ran = krm(HEAD + job("j", body).replace("        - name: b\n", "        - name: b\n          env: *e\n"))
    assert ran.code == 0, ran.stderr
    assert "&e" not in ran.stdout and "*e" not in ran.stdout.split("results:")[0]
    spec = items_of(ran.stdout)[0]["spec"]["template"]["spec"]
    assert spec["initContainers"][0]["env"] == spec["containers"][0]["env"] == [{"name": "A", "value": "x"}]
    assert "comments of this object were dropped" in ran.stdout


# 6: floats keep their exact value
def test_floats_near_the_precision_limit_keep_their_value() -> None:
    body = "                    env: [{name: A, value: yes}]\n                    x-ratio: -7.082454662728375e+272\n"
    anchored = "                    x-alias: &a 1\n                    x-b: *a\n"
    for text in (HEAD + job4(body), HEAD + job4(body + anchored)):
        ran = krm(text)
        assert ran.code == 0, ran.stderr
        step = items_of(ran.stdout)[0]["spec"]["template"]["spec"]["initContainers"][0]
        assert step["x-ratio"] == -7.082454662728375e272


# 7: on exit 1 every item comes out exactly as it went in, odd items included
def test_on_an_error_the_items_come_out_exactly_as_they_went_in() -> None:
    odd = "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n  data: {x: &v one,   y: *v}   # odd\n"
    bad = job("j", "").replace('"true"}', '"true", seq-fn.dev/order: "nope"}')
    ran = krm(HEAD + odd + "- {apiVersion: v1, kind: ConfigMap,  metadata: {name: f}}\n" + bad)
    assert ran.code == 1
    assert ran.stdout.startswith(HEAD + odd + "- {apiVersion: v1, kind: ConfigMap,  metadata: {name: f}}\n" + bad)


# 8: plain numbers read as Kubernetes reads them, and keep their text, in a changed workload (issue 20)
def test_plain_numbers_keep_their_text_and_kubernetes_value_in_a_changed_workload() -> None:
    body = "          args: [x]\n          x-a: 0123\n          x-b: 08080\n          x-c: 1e3\n          x-d: yes\n"
    tabbed = "- {apiVersion: v1, kind: A, metadata: {name: t}, data: {t: 'a\tb'}}\n"
    for ran in (krm(HEAD + job("j", body)), krm(HEAD + job("j", body) + tabbed)):
        assert ran.code == 0, ran.stderr
        step = items_of(ran.stdout)[0]["spec"]["template"]["spec"]["initContainers"][0]
        assert (step["x-a"], step["x-b"], step["x-c"], step["x-d"]) == (83, 8080, 1000, True)  # kubectl's reading
        assert "x-a: 0123\n" in ran.stdout and "x-b: 08080\n" in ran.stdout and "x-d: yes\n" in ran.stdout


# 9: standalone: a file without a final newline that ends in a block scalar is unchanged
def test_a_file_without_a_final_newline_ending_in_a_block_scalar_is_unchanged(tmp_path: Path) -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  s: |\n    x"
    (tmp_path / "cm.yaml").write_text(text)
    ran = command([str(tmp_path / "cm.yaml")])
    assert ran.code == 0, ran.stderr
    assert ran.stdout == text


# 10: seq-fn DIR reads a package as kpt does
def test_a_directory_skips_hidden_folders_expected_outputs_and_what_krmignore_names(tmp_path: Path) -> None:
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s}\n"
    for path in (".github/workflows/ci.yaml", "case/.expected/out.yaml", "ignored/x.yaml", "deep/y.yaml", "kept.yaml"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(cm % Path(path).stem)
    (tmp_path / ".krmignore").write_text("# kpt's syntax\n/ignored/\ndeep/*.yaml\n!deep/y.yaml\n")
    ran = command([str(tmp_path)])
    assert ran.code == 0, ran.stderr
    assert [d["metadata"]["name"] for d in pyyaml.safe_load_all(ran.stdout)] == ["y", "kept"]


# 11: non-string keys are refused, naming the object and the field
@pytest.mark.parametrize(("data", "key"), [("{~: x}", "~"), ("\n    ? [a]\n    : b\n", "(a collection)")])
def test_a_key_that_is_not_a_string_is_refused(data: str, key: str, tmp_path: Path) -> None:
    item = f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\ndata: {data}\n"
    ran = krm(HEAD + "- " + item.replace("\n", "\n  ").rstrip(" "))
    assert ran.code == 2 and ran.stdout == ""
    assert f"ConfigMap c): the key {key} at data is not a string" in ran.stderr, ran.stderr
    (tmp_path / "c.yaml").write_text(item)
    ran = command([str(tmp_path / "c.yaml")])
    assert ran.code == 2 and "the key" in ran.stderr and "is not a string" in ran.stderr, ran.stderr


# 12: flow-mapping items stay on the splicing path (the benchmark measures how fast)
def test_flow_mapping_items_stay_on_the_splicing_path() -> None:
    text = HEAD + "".join(f"- {{apiVersion: v1, kind: ConfigMap, metadata: {{name: c{i}}}}}\n" for i in range(3))
    spliced = splicing.parse(text)
    assert spliced is not None and not any(o.odd for o in spliced.originals)
    assert krm(text).stdout == text


# 13 (issue 20): what Kubernetes reads never changes: octal modes and ids keep their text and their value
SECRET_JOB = """\
- apiVersion: batch/v1
  kind: Job
  metadata:
    name: backup
    annotations: {seq-fn.dev/enabled: "true"}
  spec:
    activeDeadlineSeconds: 0600
    template:
      spec:
        restartPolicy: Never
        securityContext: {runAsUser: 01000, fsGroup: 02000}
        containers:
        - {name: dump, image: busybox, volumeMounts: [{name: creds, mountPath: /creds}]}
        - {name: upload, image: busybox}
        volumes:
        - name: creds
          secret: {secretName: creds, defaultMode: 0400}
"""


@pytest.mark.parametrize("standalone", [False, True])
def test_octal_modes_and_ids_keep_what_kubectl_reads(standalone: bool, tmp_path: Path) -> None:
    text, ran = run_item(SECRET_JOB, standalone, tmp_path)
    assert ran.code == 0, ran.stderr
    given, out = kubectl_reader.read(text), kubectl_reader.read(ran.stdout)
    spec, before = out[0]["spec"], given[0]["spec"]
    assert spec["template"]["spec"]["volumes"] == before["template"]["spec"]["volumes"]
    assert spec["template"]["spec"]["volumes"][0]["secret"]["defaultMode"] == 256  # r--------, not 0620
    assert spec["template"]["spec"]["securityContext"] == {"runAsUser": 512, "fsGroup": 1024}
    assert spec["activeDeadlineSeconds"] == 384
    assert "defaultMode: 0400}" in ran.stdout and "runAsUser: 01000" in ran.stdout


# 14 (issue 20): a previous function's results, or an odd config value, never changes another item's bytes
def test_a_previous_functions_results_and_an_odd_config_keep_every_item_s_bytes() -> None:
    cm = "- apiVersion: v1  # kept\n  kind: ConfigMap\n  metadata: {name: a}\n  data: {ratio: 1e3}   # odd spacing\n"
    results = "results:\n- message: from the function before\n  severity: info\n"
    config = (
        "functionConfig:\n  apiVersion: seq-fn.dev/v1alpha1\n  kind: SequenceContainers\n  metadata: {name: s}\n"
        "  entrypoint:\n    commands: {'busybox': [sh, -c, 'a && b *x !y']}\n"
    )
    for text in (HEAD + cm + job("j", "") + results, HEAD + cm + job("j", "") + config):
        ran = krm(text)
        assert ran.code == 0, ran.stderr
        assert ran.stdout.startswith(HEAD + cm), ran.stdout
        assert "comments of the input were dropped" not in ran.stdout
        assert "from the function before" not in ran.stdout
        assert items_of(ran.stdout)[0]["data"] == {"ratio": 1000}


# 15 (issue 20, review): a scalar with an explicit core tag reads as go-yaml reads it (!!int 0400 is 256, !!str
# 0400 a string), in a changed workload and in one seq-fn leaves alone; what kubectl refuses is refused
TAGGED = (
    "          env:\n          - {name: A, value: !!str 0400}\n"
    "          - {name: B, value: !<tag:yaml.org,2002:str> on}\n"
    "          x-int: !!int 0400\n          x-float: !!float 010\n          x-verbatim: !<tag:yaml.org,2002:int> 010\n"
    '          x-quoted: !!int "0x1F"\n          x-keys: {!!int 010: a, !!str y: b, !!bool y: c}\n'
)


@pytest.mark.parametrize("standalone", [False, True])
def test_explicit_core_tags_read_as_kubectl_reads_them(standalone: bool, tmp_path: Path) -> None:
    text, ran = run_item(job("j", TAGGED), standalone, tmp_path)
    assert ran.code == 0, ran.stderr
    given = kubectl_reader.read(text)[0]["spec"]["template"]["spec"]["containers"][0]
    step = kubectl_reader.read(ran.stdout)[0]["spec"]["template"]["spec"]["initContainers"][0]
    assert step == given
    assert (step["x-int"], step["x-float"], step["x-verbatim"], step["env"][0]["value"]) == (256, 8, 8, "0400")
    assert step["x-keys"] == {"8": "a", "y": "b", "true": "c"}


@pytest.mark.parametrize("tagged", ["!!bool 1", "!!null x", "!!int 1.5", "!!float .inf", "!!int 99999999999999999999"])
@pytest.mark.parametrize("untouched", [False, True])
def test_a_tagged_scalar_kubectl_refuses_is_refused_with_one_line(tagged: str, untouched: bool) -> None:
    item = f"- apiVersion: v1\n  kind: ConfigMap\n  metadata: {{name: c}}\n  data: {{k: {tagged}}}\n"
    text = HEAD + (item if untouched else job("j", f"          x-tagged: {tagged}\n"))
    with pytest.raises(kubectl_reader.Refused):
        kubectl_reader.read(text)
    ran = krm(text)
    assert ran.code == 2 and ran.stdout == "", ran.stderr
    assert ran.stderr.count("\n") == 1 and "Traceback" not in ran.stderr, ran.stderr


# 16 (issue 20, review): the non-specific tag ``!`` makes a scalar a string (``! 0400`` is "0400" to kubectl),
# also where the entrypoint strategy writes a command anew as an argument
def test_a_scalar_with_the_non_specific_tag_is_a_string() -> None:
    body = "          args: [x]\n"
    text = HEAD + job("j", body).replace('{seq-fn.dev/enabled: "true"}', "{seq-fn.dev/strategy: entrypoint}")
    text = text.replace("  spec:\n    template:", "  spec:\n    activeDeadlineSeconds: 60\n    template:", 1)
    text = text.replace("image: busybox\n", "image: busybox\n          command: [! 0400, ! yes]\n")
    ran = krm(text)
    assert ran.code == 0, ran.stderr
    step = items_of(ran.stdout)[0]["spec"]["template"]["spec"]["containers"][0]
    assert step["args"][step["args"].index("--") - 1 :] == ["0400", "--", "yes", "x"], step["args"]


# 17 (issue 20, review): a merge key (<<) overrides the keys before it, as go-yaml v2 merges (kubectl's reader):
# `image: busybox` then `<<: {image: alpine}` is alpine to Kubernetes; the keys after it still win
@pytest.mark.parametrize("standalone", [False, True])
def test_a_merge_key_overrides_the_keys_before_it_as_kubectl_reads_it(standalone: bool, tmp_path: Path) -> None:
    body = "          <<: [{image: alpine, tty: 0400, name: q}, {stdin: on, tty: 1}]\n          stdin: off\n"
    text, ran = run_item(job("j", body), standalone, tmp_path)
    assert ran.code == 0, ran.stderr
    given = kubectl_reader.read(text)[0]["spec"]["template"]["spec"]["containers"]
    assert given[0] == {"name": "q", "image": "alpine", "tty": 256, "stdin": False}  # kubectl's reading
    spec = kubectl_reader.read(ran.stdout)[0]["spec"]["template"]["spec"]
    assert spec["initContainers"] == given[:1] and spec["containers"] == given[1:]


# 18 (issue 20, review): a quoted scalar may go on at column 0 (libyaml and go-yaml read it); a line of it that
# starts with "results:" is no previous function's results, and nothing is cut out of the input there
@pytest.mark.parametrize("standalone", [False, True])
def test_a_results_line_inside_a_quoted_scalar_is_read_as_kubectl_reads_it(standalone: bool, tmp_path: Path) -> None:
    cm = '- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n  data:\n    x: "first\nresults: not really"\n'
    text = HEAD + cm + job("j", "")
    if standalone:
        (tmp_path / "list.yaml").write_text(text)
        ran = command([str(tmp_path / "list.yaml")])
    else:
        ran = krm(text)
    assert ran.code == 0, ran.stderr
    read = kubectl_reader.read(ran.stdout)
    assert read[0]["data"] == {"x": "first results: not really"} == kubectl_reader.read(text)[0]["data"]
    assert "initContainers" in read[1]["spec"]["template"]["spec"]


# 19 (issue 20, review): a plain << that is a value, not a key, is the string "<<" to kubectl, in an item read by
# ruamel.yaml too (one with an anchor), which tagged it a merge and refused it
def test_a_plain_merge_sign_as_a_value_is_a_string() -> None:
    body = "          args: [<<, a]\n          env: [{name: A, value: <<}]\n          x-a: &v 1\n          x-b: *v\n"
    ran = krm(HEAD + job("j", body))
    assert ran.code == 0, ran.stderr
    step = items_of(ran.stdout)[0]["spec"]["template"]["spec"]["initContainers"][0]
    assert (step["args"], step["env"][0]["value"]) == (["<<", "a"], "<<")


# 20 (issue 20, review): .inf and .nan are refused as plain values only: tagged as strings they are strings
@pytest.mark.parametrize("standalone", [False, True])
def test_infinity_tagged_as_a_string_is_a_string(standalone: bool, tmp_path: Path) -> None:
    item = "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n  data: {x: !!str .inf, z: ! .nan}\n"
    if standalone:
        (tmp_path / "cm.yaml").write_text(textwrap.dedent(item.replace("- apiVersion", "  apiVersion", 1)))
        ran = command([str(tmp_path / "cm.yaml")])
    else:
        ran = krm(HEAD + item + job("j", ""))
    assert ran.code == 0, ran.stderr
    assert kubectl_reader.read(ran.stdout)[0]["data"] == {"x": ".inf", "z": ".nan"}


# 21 (issue 20, review): a key tagged as a string is that string, though it reads as null plain (``!!str ~``)
def test_a_key_tagged_as_a_string_is_a_string() -> None:
    item = "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n  data: {!!str ~: a, !!str null: b}\n"
    ran = krm(HEAD + item + job("j", ""))
    assert ran.code == 0, ran.stderr
    assert kubectl_reader.read(ran.stdout)[0]["data"] == {"~": "a", "null": "b"}
