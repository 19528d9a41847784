"""textedit: a changed object written as an edit of its source text reads back as exactly the new object, keeps
the bytes of whatever did not change, and keeps comments with the entries they stand above."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from krm_fn.sdk import sourced, textedit, yamlio

WORDS = ["a", "b", "name", "image", "on", "1e3", "x y", "it's", "-v", "http://h:1/p", "null", "true", "", "0123"]


def _load(text: str) -> Any:
    return sourced.construct(sourced.compose(text))


def _scalar(draw: Any) -> Any:
    return draw(st.one_of(st.sampled_from(WORDS), st.integers(-5, 99), st.booleans(), st.none()))


@st.composite
def documents(draw: Any, depth: int = 0) -> dict[str, Any]:
    """A mapping of mappings, lists of mappings and scalars; keys are short words."""
    out: dict[str, Any] = {}
    for key in draw(st.lists(st.sampled_from(["k1", "k2", "k3", "list", "spec", "on", "data"]), min_size=1,
                             max_size=4, unique=True)):  # fmt: skip
        kind = draw(st.integers(0, 3)) if depth < 3 else 0
        if kind == 0:
            out[key] = _scalar(draw)
        elif kind == 1:
            out[key] = draw(documents(depth + 1))
        elif kind == 2:
            out[key] = [draw(documents(depth + 1)) for _ in range(draw(st.integers(1, 3)))]
        else:
            out[key] = [_scalar(draw) for _ in range(draw(st.integers(1, 3)))]
    return out


def _source_text(doc: dict[str, Any], seed: int) -> str:
    """``doc`` as YAML in one of several styles, with comment lines and line-end comments sprinkled in."""
    rng = random.Random(seed)
    text = yamlio.dump(doc, seq_indent=rng.choice(["compact", "wide"]))
    lines = []
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        if rng.random() < 0.2 and stripped:
            indent = len(line) - len(stripped) + (2 if stripped.startswith("- ") and rng.random() < 0.5 else 0)
            lines.append(" " * indent + f"# about {stripped[:10]}")
        end = "  # note" if rng.random() < 0.2 and not stripped.endswith(("|", ">", "|-")) else ""
        lines.append(line + end)
    return "\n".join(lines) + "\n"


def _edit(value: Any, rng: random.Random) -> None:
    """One random change of the kind a processor makes: move a list item, add, delete or change an entry."""
    mappings: list[dict[str, Any]] = []
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            mappings.append(node)
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    target = rng.choice(mappings)
    lists = [k for k, v in target.items() if isinstance(v, list) and v]
    action = rng.randrange(4)
    if action == 0 and lists:  # move the first item to a new list before it, as init containers are made
        key = rng.choice(lists)
        moved = target[key].pop(0)
        rebuilt = {}
        for k, v in target.items():
            if k == key:
                rebuilt["moved"] = [moved]
            rebuilt[k] = v
        target.clear()
        target.update(rebuilt)
    elif action == 1:
        target["added"] = rng.choice([{"x": "on", "y": [1, "two"]}, ["a", "yes"], "new value", 7])
    elif action == 2 and len(target) > 1:
        del target[rng.choice(list(target))]
    else:
        target[rng.choice(list(target))] = rng.choice(["changed", 3, None, "1e3"])


@settings(max_examples=300, deadline=None)
@given(documents(), st.integers(0, 10_000), st.integers(0, 3))
def test_an_edited_object_reads_back_as_the_new_object(doc: dict[str, Any], seed: int, edits: int) -> None:
    text = _source_text(doc, seed)
    value = _load(text)
    rng = random.Random(seed)
    for _ in range(edits):
        _edit(value, rng)
    written = textedit.render(value, text, column=0, seq_indent=rng.choice(["compact", "wide"]))
    start, end = value.node.start_mark.index, textedit.entry_end(text, value.node)
    whole = text[:start] + written + text[end:]  # as splicing puts it in place: comments before and after stay
    assert sourced.same(value, _load(whole)), whole
    if edits == 0:
        assert whole == text


@settings(max_examples=100, deadline=None)
@given(documents(), st.integers(0, 10_000))
def test_an_edited_object_at_an_item_column_reads_back_too(doc: dict[str, Any], seed: int) -> None:
    """As in a ResourceList, the object starts after ``- `` at column 2: every line but the first is indented."""
    own = _source_text(doc, seed)
    lines = own.split("\n")
    text = "items:\n- " + "\n".join([lines[0], *("  " + line if line else line for line in lines[1:])])
    node = sourced.compose(text).value[0][1].value[0]
    value = sourced.construct(node)
    _edit(value, random.Random(seed))
    written = textedit.render(value, text, column=2)
    assert sourced.same(value, _load(textedit.dedent(written, 2))), written


SOURCE = """\
spec:
  # the steps
  containers:
  # first step
  - name: a  # trailing a
    image: x

  # second step
  - name: b
    args: ["--flag", 'v']
  volumes: [{name: data}]
"""


def test_comments_travel_with_the_item_they_stand_above() -> None:
    value = _load(SOURCE)
    spec = value["spec"]
    first = spec["containers"].pop(0)
    rebuilt = {"initContainers": [first], **spec}
    spec.clear()
    spec.update(rebuilt)
    assert (
        textedit.render(value, SOURCE, column=0)
        == """\
spec:
  initContainers:
  # first step
  - name: a  # trailing a
    image: x
  # the steps
  containers:

  # second step
  - name: b
    args: ["--flag", 'v']
  volumes: [{name: data}]
"""
    )


def test_a_changed_flow_collection_stays_flow_while_it_fits() -> None:
    value = _load(SOURCE)
    value["spec"]["volumes"].append({"name": "cache", "emptyDir": {}})
    written = textedit.render(value, SOURCE, column=0)
    assert "  volumes: [{name: data}, {name: cache, emptyDir: {}}]\n" in written


def test_a_flow_collection_grown_into_block_style_keeps_its_line_end_comment() -> None:
    """``metadata: {name: j, annotations: {...}}  # why`` outgrows FLOW_WIDTH once an annotation is added and is
    written in block style: the comment stays, after the key, instead of being lost."""
    source = "metadata: {name: j, annotations: {a: b}}  # why\nspec: {}  # empty\nkind: Job\n"
    value = _load(source)
    value["metadata"]["annotations"]["seq-fn.dev/sequenced"] = "x" * textedit.FLOW_WIDTH
    value["spec"]["k"] = "v"
    written = textedit.render(value, source, column=0)
    assert written.startswith("metadata:  # why\n  name: j\n")
    assert "spec: {k: v}  # empty\n" in written
    assert yamlio.to_plain(_load(written)) == yamlio.to_plain(value)


def test_a_changed_list_keeps_the_quoting_of_the_items_it_kept() -> None:
    value = _load(SOURCE)
    value["spec"]["containers"][1]["args"] = ["--flag", "v", "--more"]
    written = textedit.render(value, SOURCE, column=0)
    assert """    args: ["--flag", 'v', --more]\n""" in written


def test_a_list_written_anew_keeps_its_block_scalars_and_comments() -> None:
    """A moved list keeps every item as written: ``yes`` (true to Kubernetes) stays ``yes``, a ``|`` block stays a
    block, a comment stays on its line."""
    source = "args:\n- yes\n- |\n  line one\n  line two\n- plain  # why\nother: 1\n"
    value = _load(source)
    value["other"] = 2
    value["moved"] = value.pop("args")
    written = textedit.render(value, source, column=0)
    assert written == "other: 2\nmoved:\n- yes\n- |\n  line one\n  line two\n- plain  # why\n"


def test_new_lists_follow_the_indentation_asked_for() -> None:
    value = _load("a: 1\n")
    value["list"] = ["x", {"k": "on"}]
    assert textedit.render(value, "a: 1\n", column=0, seq_indent="wide") == "a: 1\nlist:\n  - x\n  - k: 'on'\n"
    assert textedit.render(value, "a: 1\n", column=0) == "a: 1\nlist:\n- x\n- k: 'on'\n"


def test_a_result_that_would_not_read_back_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """The read-back check is the safety net: a writer bug costs a fallback, never a changed meaning."""
    value = _load(SOURCE)
    spec = value["spec"]
    spec["deeper"] = {"containers": [copy.deepcopy(spec["containers"][0])]}  # its text now sits 2 columns right
    assert "    - name: a  # trailing a\n      image: x\n" in textedit.render(value, SOURCE, column=0)
    monkeypatch.setattr(textedit, "_shift", lambda text, delta, *, first: text.replace("image", "imagine"))
    with pytest.raises(textedit.Unfit, match="does not read back"):
        textedit.render(value, SOURCE, column=0)
