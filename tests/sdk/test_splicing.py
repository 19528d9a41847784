"""Splicing: items a processor leaves alone come back as their input bytes; replaced ones are re-emitted in place."""

from __future__ import annotations

from pathlib import Path

import pytest

from krm_fn.sdk import runner, splicing, yamlio
from krm_fn.sdk.errors import InputError
from krm_fn.sequencing import transformer
from tests.support.run import resource_list

HEAD = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
TEXT = (
    HEAD
    + """\
# before the first item
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: settings   # odd spacing kept
  data: {enabled: "on", ratio: '1e3'}
# between items: stays put
- apiVersion: batch/v1
  kind: Job
  metadata:
    name: etl
    annotations: {seq-fn.dev/enabled: "true"}
  spec:
    template:
      spec:
        restartPolicy: Never
        containers:
          - name: extract   # wide lists
            image: busybox
          - name: load
            image: busybox

- apiVersion: v1
  kind: Service
  metadata: {name: web}
  spec:
    ports: [{port: 80}]
functionConfig:
  apiVersion: v1
  kind: ConfigMap
  metadata: {name: function-input}
  data: {strategy: init-containers}
"""
)


def test_nothing_replaced_gives_back_the_input_byte_for_byte():
    spliced = splicing.parse(TEXT)
    assert spliced is not None
    assert spliced.render(spliced.originals, spliced.resource_list.results) == TEXT


def test_seq_fn_output_keeps_every_untouched_byte_and_re_emits_only_the_workload():
    out = runner.run(TEXT.encode(), transformer.process, splice=True).stdout.decode()
    before_job, after_job = (
        TEXT.split("- apiVersion: batch/v1")[0],
        TEXT.split("\n- apiVersion: v1\n  kind: Service")[1],
    )
    assert out.startswith(before_job), "everything before the Job is byte-identical"
    assert "\n- apiVersion: v1\n  kind: Service" + after_job.split("results:")[0] in out
    job = out.split("- apiVersion: batch/v1")[1].split("\n- apiVersion: v1\n  kind: Service")[0]
    assert "          initContainers:\n          - name: extract   # wide lists\n" not in job
    assert "        initContainers:\n          - name: extract   # wide lists\n" in job, "wide lists stay wide"
    assert "            image: busybox\n\n- apiVersion: v1\n  kind: Service" in out, "the blank line stays"
    assert out.index("functionConfig:") < out.index("results:"), "results are appended after the input"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: [{apiVersion: v1}]\n", id="flow"),
        pytest.param(HEAD + "- apiVersion: v1\n  kind: A\n  metadata: {name: a}\nresults: []\n", id="results"),
        pytest.param(HEAD + "- apiVersion: v1\n  kind: A\n  metadata: {name: a, name: b}\n", id="duplicate-key"),
        pytest.param(HEAD + "- apiVersion: v1\n  kind: A\n  metadata: {labels: {}}\n", id="no-name"),
        pytest.param("apiVersion: v1\nkind: List\nitems: []\n", id="not-a-resource-list"),
    ],
)
def test_uncommon_shapes_take_the_plain_path(text):
    assert splicing.parse(text) is None


@pytest.mark.parametrize(
    "item",
    [
        pytest.param("- {apiVersion: v1, kind: A, metadata: {name: a}}\n", id="flow-item"),
        pytest.param("- &x\n  apiVersion: v1\n  kind: A\n  metadata: {name: a}\n", id="anchor"),
        pytest.param("- apiVersion: v1\r\n  kind: A\r\n  metadata: {name: a}\r\n", id="crlf"),
        pytest.param("- apiVersion: v1\n  kind: A\n  metadata: {name: a}\n  data: {t: 'a\tb'}\n", id="tab-in-string"),
    ],
)
def test_an_odd_item_keeps_the_list_on_the_splicing_path_and_keeps_its_bytes(item):
    text = HEAD + item + "- apiVersion: v1\n  kind: B\n  metadata: {name: b}\n"
    spliced = splicing.parse(text)
    assert spliced is not None
    assert [o["kind"] for o in spliced.originals] == ["A", "B"]
    assert spliced.render(spliced.originals, spliced.resource_list.results) == text


def test_a_custom_tag_in_an_item_is_refused_as_on_the_plain_path():
    with pytest.raises(InputError, match="tag !x is not allowed"):
        splicing.parse(HEAD + "- apiVersion: v1\n  kind: A\n  metadata: {name: !x a}\n")


GOLDEN = sorted(p for p in (Path(__file__).parent.parent / "golden").iterdir() if p.is_dir())


@pytest.mark.parametrize("case", GOLDEN, ids=[c.name for c in GOLDEN])
def test_splicing_gives_the_same_objects_and_results_as_the_plain_path(case: Path):
    config = case / "config.yaml"
    given = resource_list((case / "input.yaml").read_text(), config.read_text() if config.exists() else None)
    fast = runner.run(given.encode(), transformer.process, splice=True)
    plain = runner.run(given.encode(), transformer.process)
    assert fast.exit_code == plain.exit_code and fast.stderr == plain.stderr
    a, b = yamlio.load_all(fast.stdout.decode())[0], yamlio.load_all(plain.stdout.decode())[0]
    assert yamlio.to_plain(a) == yamlio.to_plain(b)


def test_metadata_the_yaml_versions_read_differently_keeps_the_list_on_the_splicing_path():
    """``beta: yes`` is true to Kubernetes (a string to YAML 1.2): the head is read as kubectl reads it."""
    text = HEAD + "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n    labels: {beta: yes}  # odd\n"
    spliced = splicing.parse(text)
    assert spliced is not None
    assert spliced.originals[0]["metadata"]["labels"] == {"beta": True}
    assert spliced.render(spliced.originals, spliced.resource_list.results) == text


def test_quoted_stars_and_ampersands_are_text_not_aliases_or_anchors():
    """A cron schedule's ``*`` inside quotes does not send the list down the plain path; a real alias does."""
    text = HEAD + '- apiVersion: batch/v1\n  kind: CronJob\n  metadata: {name: c}\n  spec: {schedule: "0 3 * * *"}\n'
    assert splicing.parse(text) is not None
    odd = splicing.parse(text.replace('"0 3 * * *"', "&s x") + "  other: *s\n")
    assert odd is not None and odd.originals[0].odd, "a real anchor makes that item odd"


def _adding(rl) -> None:
    """A processor that changes nothing and adds a new object after the first item (as seq-fn adds RBAC)."""
    rl.added = {0: [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "new", "namespace": "a"},
                     "data": {"on": "yes", "n": "1e3"}}]}  # fmt: skip


@pytest.mark.parametrize(
    "first",
    ["- apiVersion: v1\n  kind: ConfigMap\n", "- # a comment on the dash\n  apiVersion: v1\n  kind: ConfigMap\n"],
)
def test_new_items_go_after_their_item_and_every_input_byte_stays(first: str):
    text = (
        HEAD
        + first
        + "  metadata:\n    name: first   # kept\n  data: {a: 'b'}\n# between\n"
        + ("- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: second}\n")
    )
    out = runner.run(text.encode(), _adding, splice=True).stdout.decode()
    first_item = text.split("# between\n")[0]
    assert out.startswith(first_item), "the first item's bytes, then the new one"
    assert out.endswith("# between\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: second}\n")
    items = yamlio.load_all(out)[0]["items"]
    assert [i["metadata"]["name"] for i in items] == ["first", "new", "second"]
    assert items[1]["data"] == {"on": "yes", "n": "1e3"}, "strings that look like a bool or a float stay strings"


def test_new_items_are_dropped_when_the_run_fails():
    def failing(rl) -> None:
        _adding(rl)
        from krm_fn.sdk.results import Result

        rl.results.append(Result("no", "error"))

    text = HEAD + "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: first}\n"
    ran = runner.run(text.encode(), failing, splice=True)
    assert ran.exit_code == 1
    assert [i["metadata"]["name"] for i in yamlio.load_all(ran.stdout.decode())[0]["items"]] == ["first"]
    plain = runner.run(text.encode(), failing)
    assert [i["metadata"]["name"] for i in yamlio.load_all(plain.stdout.decode())[0]["items"]] == ["first"]


def test_the_plain_path_writes_new_items_in_their_place_too():
    text = (
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"
        "items: [{apiVersion: v1, kind: ConfigMap, metadata: {name: first}}, "
        "{apiVersion: v1, kind: ConfigMap, metadata: {name: second}}]\n"
    )
    assert splicing.parse(text) is None, "items in flow style take the plain path"
    out = runner.run(text.encode(), _adding, splice=True).stdout.decode()
    assert [i["metadata"]["name"] for i in yamlio.load_all(out)[0]["items"]] == ["first", "new", "second"]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(
            HEAD + "- apiVersion: v1\n  kind: A\n  metadata: {name: a}\nfunctionConfig: &c {}\n", id="anchor-in-config"
        ),
        pytest.param(HEAD + "- apiVersion: v1\n  kind: A\t\n  metadata: {name: a}\n", id="tab-after-plain-scalar"),
    ],
)
def test_what_kubectl_reads_plainly_stays_on_the_splicing_path(text):
    """An anchor in the functionConfig decides nothing about the items; a tab after a plain scalar is read (libyaml,
    the parser go-yaml was ported from, and kubectl read it; ruamel.yaml's pure scanner refused it)."""
    spliced = splicing.parse(text)
    assert spliced is not None
    assert spliced.originals[0]["kind"] == "A"
