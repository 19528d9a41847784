"""Differential property: seq-fn's text output means what the library computes, to YAML 1.1 and 1.2 readers.

Generated ResourceLists hold workloads (which ask to be sequenced) and other objects, each written in a style
drawn at random: flow and block collections, mapping indentation 2 to 4, compact and wide lists, a dash alone on
its line, comments at line ends and on lines of their own, plain, quoted and block scalars (``|``, ``|-``, ``>``),
plain scalars YAML 1.1 and 1.2 read differently, tabs inside quoted strings, anchors and aliases, CR LF. For each:

- the input is read with ruamel.yaml (YAML 1.2, the reading seq-fn documents) and given to
  :func:`krm_fn.sequence_resources`; seq-fn's output, read back with PyYAML (YAML 1.1) and with ruamel.yaml,
  must hold exactly the objects the library returned, for every object seq-fn changed;
- every object it did not change is its input bytes;
- a second run over the output changes nothing;
- the same holds in standalone mode, over plain multi-document streams (with ``%YAML`` directives and ``---``
  lines), for a third of the budget.

The budget is fixed (``SEQ_FN_DIFFERENTIAL_EXAMPLES``, 600 by default: about half a minute here).
"""

from __future__ import annotations

import os
from typing import Any

import yaml as pyyaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

import krm_fn
from krm_fn.sdk import runner, splicing, yamlio
from krm_fn.sequencing import transformer

EXAMPLES = int(os.environ.get("SEQ_FN_DIFFERENTIAL_EXAMPLES", "600"))
HEAD = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
WORDS = ["a", "echo", "run", "x-y", "/bin/sh", "$(HOME)", "it's", "a b", "on", "yes", "0123", "1e3", "08080", "~"]
AMBIGUOUS = ["yes", "on", "0123", "08080", "1e3", "0o17"]  # plain, these read differently in YAML 1.1 and 1.2


class Style:
    """How one document is written: drawn once per document, and per node where it may vary."""

    def __init__(self, draw: Any) -> None:
        self.draw = draw
        self.step = draw(st.integers(2, 4))
        self.wide = draw(st.booleans())
        self.comments = draw(st.booleans())
        self.flow_bias = draw(st.sampled_from([0.0, 0.3, 0.7]))
        self.counter = 0

    def chance(self, p: float) -> bool:
        return bool(self.draw(st.floats(0, 1)) < p)


def scalar(value: Any, style: Style, *, flow: bool) -> str:
    """A scalar written plain, quoted or (in block context, by the caller) as a block scalar."""
    if not isinstance(value, str):
        return "null" if value is None else str(value).lower() if isinstance(value, bool) else repr(value)
    if value in AMBIGUOUS and style.chance(0.5):
        return value  # plain: YAML 1.2 and 1.1 readers disagree; seq-fn documents the 1.2 reading
    how = style.draw(st.sampled_from(["plain", "single", "double"]))
    if how == "plain" and yamlio_plain_ok(value, flow):
        return value
    if how == "single" and "\n" not in value and "'" not in value:
        return "'" + value + "'"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if "\t" in escaped and style.chance(0.5):
        escaped = escaped.replace("\t", "\\t")
    return '"' + escaped + '"'


def yamlio_plain_ok(value: str, flow: bool) -> bool:
    from krm_fn.sdk import scalars

    return scalars.plain_ok(value, flow=flow)


def flow(value: Any, style: Style) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k, style, flow=True)}: {flow(v, style)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow(v, style) for v in value) + "]"
    return scalar(value, style, flow=True)


def comment(style: Style) -> str:
    style.counter += 1
    return f"  # c{style.counter}" if style.comments and style.chance(0.3) else ""


def comment_line(style: Style, column: int) -> str:
    style.counter += 1
    return " " * column + f"# line {style.counter}\n" if style.comments and style.chance(0.15) else ""


def after_key(value: Any, style: Style, column: int) -> str:
    """What follows ``key:`` for a value in a block mapping whose keys are at ``column``."""
    if isinstance(value, dict | list) and value and not style.chance(style.flow_bias):
        if isinstance(value, dict):
            return comment(style) + "\n" + block_mapping(value, style, column + style.step)
        return comment(style) + "\n" + block_list(value, style, column + (style.step if style.wide else 0))
    if isinstance(value, dict | list):
        return " " + flow(value, style) + comment(style) + "\n"
    if isinstance(value, str) and value.endswith("\n") and value.strip() and style.chance(0.6):
        return " " + block_scalar(value, style, column) + (comment_line(style, column) if style.chance(0.5) else "")
    return " " + scalar(value, style, flow=False) + comment(style) + "\n"


def block_scalar(value: str, style: Style, column: int) -> str:
    """``|`` (or ``|-``, ``>``) and the lines of ``value``, indented one step deeper than ``column``."""
    pad = " " * (column + style.step)
    lines = value[:-1].split("\n")
    if " " not in value and "\n" not in value[:-1] and style.chance(0.3):
        return ">\n" + pad + lines[0] + "\n"
    return "|\n" + "".join((pad + line if line else "") + "\n" for line in lines)


def block_mapping(value: dict[str, Any], style: Style, column: int) -> str:
    out = []
    for key, child in value.items():
        out.append(comment_line(style, column) + " " * column + scalar(key, style, flow=False) + ":")
        out.append(after_key(child, style, column))
    return "".join(out)


def block_list(value: list[Any], style: Style, column: int) -> str:
    out = []
    for item in value:
        out.append(comment_line(style, column))
        alone = isinstance(item, dict) and item and style.chance(0.2)
        if isinstance(item, dict) and item and not style.chance(style.flow_bias):
            body = block_mapping(item, style, column + 2)
            if alone:
                out.append(" " * column + "-" + comment(style) + "\n" + body)
            else:
                out.append(" " * column + "- " + body[column + 2 :])
        elif isinstance(item, dict | list):
            out.append(" " * column + "- " + flow(item, style) + comment(style) + "\n")
        else:
            out.append(" " * column + "- " + scalar(item, style, flow=False) + comment(style) + "\n")
    return "".join(out)


NAME = st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True)
TEXT = st.one_of(st.sampled_from(WORDS), st.sampled_from(["a\tb", "line one\nline two\n", "echo hi\n", "x\n"]))


@st.composite
def workload(draw: Any, number: int) -> dict[str, Any]:
    names = draw(st.lists(NAME, min_size=2, max_size=3, unique=True))
    containers = []
    for name in names:
        container: dict[str, Any] = {"name": name, "image": draw(st.sampled_from(["busybox:1.36", "reg.example/a:1"]))}
        if draw(st.booleans()):
            container["args"] = draw(st.lists(TEXT, max_size=3))
        if draw(st.booleans()):
            container["env"] = [{"name": "E", "value": draw(TEXT)}]
        containers.append(container)
    kind = draw(st.sampled_from(["Job", "Deployment"]))
    spec: dict[str, Any] = {"containers": containers}
    if kind == "Job":
        spec = {"restartPolicy": "Never", **spec}
    return {
        "apiVersion": "batch/v1" if kind == "Job" else "apps/v1",
        "kind": kind,
        "metadata": {"name": f"w{number}", "annotations": {"seq-fn.dev/enabled": "true"}},
        "spec": {"template": {"spec": spec}},
    }


@st.composite
def other(draw: Any, number: int) -> dict[str, Any]:
    data = draw(st.dictionaries(NAME, TEXT, max_size=4))
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"c{number}"}, "data": data}


@st.composite
def resource_list(draw: Any) -> str:
    count = draw(st.integers(1, 4))
    objects = [draw(workload(i) if draw(st.booleans()) else other(i)) for i in range(count)]
    items = []
    for obj in objects:
        style = Style(draw)
        text = block_mapping(obj, style, 2)
        if draw(st.integers(0, 9)) == 0:  # an anchor and an alias in this item
            text = text.replace(
                "  kind:", f"  x-shared: &s{len(items)} {{a: 1}}\n  x-again: *s{len(items)}\n  kind:", 1
            )
        if style.chance(0.15):
            items.append("- " + flow(obj, style) + "\n")
        elif style.chance(0.1):
            items.append("-\n" + text)
        else:
            items.append("- " + text[2:])
    text = HEAD + "".join(items)
    return text.replace("\n", "\r\n") if draw(st.integers(0, 9)) == 0 else text


def read12(text: str) -> Any:
    return YAML(typ="safe", pure=True).load(text)


def read11(text: str) -> Any:
    return pyyaml.safe_load(text)


def run(text: str) -> runner.Outcome:
    return runner.run(text.encode(), transformer.process, name="seq-fn", splice=True)


def item_texts(text: str) -> list[str]:
    spliced = splicing.parse(text)
    assert spliced is not None, "the output stays on the splicing path"
    return [text[o.start : o.end] for o in spliced.originals]


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(resource_list())
def test_output_means_what_the_library_computes_to_both_yaml_versions(text: str) -> None:
    given_items = read12(text)["items"]
    expected, results = krm_fn.sequence_resources(yamlio.to_plain(given_items))
    out = run(text)
    assert out.exit_code == (1 if results.has_errors else 0), out.stderr
    assert "internal error" not in out.stderr
    output = out.stdout.decode()
    items, _, _ = output.partition("results:\n")
    by12, by11 = read12(output)["items"], read11(output)["items"]
    before, after = item_texts(text), item_texts(items)
    for number, (original, meant) in enumerate(zip(given_items, expected, strict=True)):
        if meant == original:
            assert after[number] == before[number], "an object seq-fn did not change is its input bytes"
        else:
            assert by12[number] == meant, after[number]
            assert by11[number] == meant, after[number]
    again = run(items)
    assert again.stdout.decode().partition("results:\n")[0] == items, "a second run changes nothing"


@st.composite
def stream(draw: Any) -> str:
    """Plain multi-document YAML: the same objects and styles, each document at column 0."""
    count = draw(st.integers(1, 3))
    docs = []
    for number in range(count):
        obj = draw(workload(number) if draw(st.booleans()) else other(number))
        style = Style(draw)
        text = flow(obj, style) + "\n" if style.chance(0.15) else block_mapping(obj, style, 0)
        header = (
            draw(st.sampled_from(["", "---\n", "--- # doc\n"]))
            if number
            else draw(st.sampled_from(["", "%YAML 1.2\n---\n"]))
        )
        docs.append(header + text if number == 0 or header else "---\n" + text)
    text = "".join(docs)
    return text.replace("\n", "\r\n") if draw(st.integers(0, 9)) == 0 else text


@settings(max_examples=EXAMPLES // 3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(stream())
def test_standalone_output_means_what_the_library_computes_to_both_yaml_versions(text: str) -> None:
    import contextlib
    import io
    import tempfile

    from krm_fn import commands

    given_docs = [read12(part) for part in yamlio.split_documents(text)]
    expected, results = krm_fn.sequence_resources(yamlio.to_plain(given_docs))
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", newline="") as file:
        file.write(text)
        file.flush()
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = commands.run_standalone([file.name], config_path=None, verbose=False)
    assert code == (1 if results.has_errors else 0), err.getvalue()
    if code:
        assert out.getvalue() == ""
        return
    parts = yamlio.split_documents(out.getvalue())
    before = yamlio.split_documents(text)
    assert len(parts) == len(before)
    for number, (original, meant) in enumerate(zip(given_docs, expected, strict=True)):
        if meant == original:
            assert parts[number] == before[number], "a document seq-fn did not change is its input bytes"
        else:
            assert read12(parts[number]) == meant, parts[number]
            assert read11(parts[number]) == meant, parts[number]
