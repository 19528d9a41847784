"""The runner's contract with orchestrators: exit codes, and never a partial or empty list on failure."""

import pytest

from krm_fn.sdk import runner, yamlio
from krm_fn.sdk.results import Result

RL = """\
apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: a}  # kept
"""


def rename(rl):
    rl.items[0]["metadata"]["name"] = "renamed"


def rename_then_fail(rl):
    rename(rl)
    rl.results.append(Result("cannot do it", resource_ref={"kind": "ConfigMap", "name": "a"}))


def crash(rl):
    rename(rl)
    raise KeyError("boom")


def test_success_writes_the_items_with_an_items_key_and_exits_0():
    out = runner.run(RL.encode(), rename)
    assert out.exit_code == 0
    assert yamlio.load_all(out.stdout.decode())[0]["items"][0]["metadata"]["name"] == "renamed"


def test_an_error_result_exits_1_with_the_items_exactly_as_they_came():
    out = runner.run(RL.encode(), rename_then_fail, name="fn")
    assert out.exit_code == 1
    doc = yamlio.load_all(out.stdout.decode())[0]
    assert yamlio.dump(doc["items"]) == yamlio.dump(yamlio.load_all(RL)[0]["items"])
    assert doc["results"][0]["message"] == "cannot do it"
    assert out.stderr == "fn: error: ConfigMap a: cannot do it\n"


def test_a_bug_in_the_processor_is_an_error_result_not_a_traceback():
    out = runner.run(RL.encode(), crash, name="fn")
    assert out.exit_code == 1
    assert "Traceback" not in out.stderr
    assert "internal error, please report it: KeyError" in out.stderr
    assert yamlio.load_all(out.stdout.decode())[0]["items"][0]["metadata"]["name"] == "a"


def test_an_empty_list_still_has_an_items_key():
    out = runner.run(b"apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n", rename)
    assert "items: []" in out.stdout.decode()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"", "input is empty", id="empty"),
        pytest.param(b"a: [", "not valid YAML", id="not-yaml"),
        pytest.param(b"- a\n- b\n", "not a mapping", id="a-list"),
        pytest.param(b"kind: List\napiVersion: v1\nitems: []\n", "kind 'List'", id="kind-list"),
        pytest.param(b"kind: ResourceList\napiVersion: v9\n", "apiVersion 'v9'", id="wrong-apiversion"),
        pytest.param(
            b"kind: ResourceList\napiVersion: config.kubernetes.io/v1\nitems: {}\n", "items is a", id="items-not-a-list"
        ),
        pytest.param(
            b"kind: ResourceList\napiVersion: config.kubernetes.io/v1\nitems: [3]\n",
            r"items\[0\] is a int",
            id="item-not-a-mapping",
        ),
        pytest.param(
            b"kind: ResourceList\napiVersion: config.kubernetes.io/v1\nitems: [{apiVersion: v1}]\n",
            r"items\[0\] has no kind",
            id="item-without-kind",
        ),
        pytest.param(RL.encode() + b"---\n" + RL.encode(), "2 YAML documents", id="multi-document"),
        pytest.param(b"\xff\xfe", "not UTF-8", id="not-utf8"),
    ],
)
def test_input_that_is_not_a_resource_list_exits_2_with_one_line_and_nothing_on_stdout(data, reason):
    out = runner.run(data, rename, name="fn")
    assert out.exit_code == 2
    assert out.stdout == b""
    assert out.stderr.count("\n") == 1
    import re

    assert re.search(reason, out.stderr), out.stderr
