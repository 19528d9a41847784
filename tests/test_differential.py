"""Differential property: what kubectl reads from seq-fn's output is what it read from the input, but for what
sequencing meant to change (issue 20). kubectl's reader is the oracle (:mod:`tests.support.kubectl_reader`).

Generated ResourceLists hold workloads (which ask to be sequenced) and other objects, each written in a style
drawn at random: flow and block collections, mapping indentation 2 to 4, compact and wide lists, a dash alone on
its line, comments at line ends and on lines of their own, plain, quoted and block scalars (``|``, ``|-``, ``>``),
and the scalars Kubernetes reads otherwise than YAML 1.2 or 1.1 readers do, in the fields where real manifests hold
numbers: octal (``0400``, ``0o17``), hex, binary and underscored numbers, ``1e3``, YAML 1.1 booleans (``y``,
``on``) as values and as keys, ``~``, timestamps, tabs and spaces after plain scalars, explicit tags (``!!float``,
``!!str``, ``!``) on them, escapes, CR LF; and now and then an escaped UTF-16 surrogate, which kubectl refuses and
so must seq-fn. For each batch:

- kubectl reads every input in one call; :func:`krm_fn.sequence_resources` sequences those values (what was meant);
- seq-fn runs on each input's text; kubectl reads every output in one call: each object seq-fn changed reads as
  the library's object, and every object it did not change is its input bytes;
- a second run over the output changes nothing;
- the same holds in standalone mode, over plain multi-document streams, for a third of the budget.

The budget is fixed (``SEQ_FN_DIFFERENTIAL_EXAMPLES`` ResourceLists, 600 by default, in batches of
:data:`BATCH`: two kubectl calls a batch).
"""

from __future__ import annotations

import copy
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import krm_fn
from krm_fn.sdk import runner, scalars, splicing, yamlio
from krm_fn.sequencing import transformer
from tests.support import kubectl_reader

EXAMPLES = int(os.environ.get("SEQ_FN_DIFFERENTIAL_EXAMPLES", "600"))
BATCH = 6
HEAD = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n"
WORDS = ["a", "echo", "run", "x-y", "/bin/sh", "$(HOME)", "it's", "a b", "on", "yes", "0123", "1e3", "08080", "~"]


class Raw(str):
    """Text written plain, as it is: a scalar Kubernetes reads in its own way (``0400``, ``y``, ``1e3``)."""

    __slots__ = ()


#: Plain texts for number fields, each read by kubectl as a number (octal, hex, binary, underscores, exponents).
NUMBERS = ["0400", "0644", "0o17", "0x1F", "0b101", "1_000", "1e3", "0800", "+12", "012", "30", "0"]
#: Plain texts for string fields that kubectl reads otherwise than YAML 1.2 or 1.1 readers do.
ODD_WORDS = ["y", "n", "on", "off", "yes", "~", "1e3", "2001-12-14", "2001-12-14T21:59:43Z", "0o17", "1_000",
             "1:20", ".5", "0x1F", "0123", "null", "True"]  # fmt: skip
#: Keys that kubectl reads as other text (``y`` is ``"true"``, ``0400`` is ``"256"``): one at most in a mapping.
ODD_KEYS = ["y", "on", "n", "0400", "1e3", "12", "0x1F"]


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
    if isinstance(value, Raw):
        return tag(value, style) + value + ("" if flow else style.draw(st.sampled_from(["", "", "", "\t", " ", " \t"])))
    if not isinstance(value, str):
        return "null" if value is None else str(value).lower() if isinstance(value, bool) else repr(value)
    how = style.draw(st.sampled_from(["plain", "single", "double"]))
    if how == "plain" and yamlio_plain_ok(value, flow):
        return value
    if how == "single" and "\n" not in value and "'" not in value:
        return "'" + value + "'"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if "\t" in escaped and style.chance(0.5):
        escaped = escaped.replace("\t", "\\t")
    if "é" in escaped and style.chance(0.5):
        escaped = escaped.replace("é", "\\u00e9")
    if "😀" in escaped:  # what json.dump writes (refused by kubectl), or YAML's own 32-bit escape
        escaped = escaped.replace("😀", "\\ud83d\\ude00" if style.chance(0.5) else "\\U0001F600")
    return '"' + escaped + '"'


def tag(value: str, style: Style) -> str:
    """Now and then an explicit tag Kubernetes reads in its own way: ``!!float 0400`` is 256, ``!!str y`` and
    ``! y`` are strings (ruamel.yaml read 400, a ``TaggedScalar`` and true)."""
    if not style.chance(0.04):
        return ""
    if isinstance(scalars.resolve(value), int | float) and not isinstance(scalars.resolve(value), bool):
        return style.draw(st.sampled_from(["!!float ", "!!str ", "! "]))
    return style.draw(st.sampled_from(["!!str ", "! "]))


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


NAME = st.from_regex(r"[a-z][a-z0-9]{0,5}", fullmatch=True).filter(lambda n: scalars.resolve(n) == n)
TEXT = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(["a\tb", "line one\nline two\n", "echo hi\n", "x\n", "café", "smile 😀"]),
    st.sampled_from([Raw(word) for word in ODD_WORDS]),
)
NUMBER = st.sampled_from([Raw(number) for number in NUMBERS])


def maybe(draw: Any, target: dict[str, Any], key: str, value: Any) -> None:
    if draw(st.booleans()):
        target[key] = value


@st.composite
def container(draw: Any, name: str) -> dict[str, Any]:
    made: dict[str, Any] = {"name": name, "image": draw(st.sampled_from(["busybox:1.36", "reg.example/a:1"]))}
    maybe(draw, made, "args", draw(st.lists(TEXT, max_size=3)))
    maybe(draw, made, "env", [{"name": "E", "value": draw(TEXT)}])
    maybe(draw, made, "ports", [{"containerPort": draw(NUMBER)}])
    maybe(draw, made, "securityContext", {"runAsUser": draw(NUMBER), "runAsGroup": draw(NUMBER)})
    return made


@st.composite
def workload(draw: Any, number: int) -> dict[str, Any]:
    names = draw(st.lists(NAME, min_size=2, max_size=3, unique=True))
    kind = draw(st.sampled_from(["Job", "Deployment"]))
    spec: dict[str, Any] = {"containers": [draw(container(name)) for name in names]}
    if kind == "Job":
        spec = {"restartPolicy": "Never", **spec}
    maybe(draw, spec, "terminationGracePeriodSeconds", draw(NUMBER))
    maybe(draw, spec, "securityContext", {"fsGroup": draw(NUMBER), "supplementalGroups": [draw(NUMBER)]})
    maybe(draw, spec, "volumes", [{"name": "v", "secret": {"secretName": "s", "defaultMode": draw(NUMBER)}}])
    outer: dict[str, Any] = {}
    maybe(draw, outer, "activeDeadlineSeconds" if kind == "Job" else "revisionHistoryLimit", draw(NUMBER))
    return {
        "apiVersion": "batch/v1" if kind == "Job" else "apps/v1",
        "kind": kind,
        "metadata": {"name": f"w{number}", "annotations": {"seq-fn.dev/enabled": "true"}},
        "spec": {**outer, "template": {"spec": spec}},
    }


@st.composite
def other(draw: Any, number: int) -> dict[str, Any]:
    data: dict[Any, Any] = draw(st.dictionaries(NAME.map(lambda n: "k" + n), TEXT, max_size=4))
    if draw(st.booleans()):
        data[Raw(draw(st.sampled_from(ODD_KEYS)))] = draw(TEXT)
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"c{number}"}, "data": data}


@st.composite
def resource_list(draw: Any) -> tuple[str, int]:
    """A ResourceList's text and how many items it has."""
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
    return (text.replace("\n", "\r\n") if draw(st.integers(0, 9)) == 0 else text), count


def run(text: str) -> runner.Outcome:
    return runner.run(text.encode(), transformer.process, name="seq-fn", splice=True)


def item_texts(text: str) -> list[str]:
    spliced = splicing.parse(text)
    assert spliced is not None, "the output stays on the splicing path"
    return [text[o.start : o.end] for o in spliced.originals]


def split(objects: list[Any], counts: list[int]) -> list[list[Any]]:
    out, start = [], 0
    for count in counts:
        out.append(objects[start : start + count])
        start += count
    return out


def refused_alike(text: str, out_code: int, stderr: str) -> bool:
    """An input with an escaped surrogate: kubectl refuses it, and seq-fn must too, with one line."""
    if "\\ud83d" not in text:
        return False
    try:
        kubectl_reader.read(text)
    except kubectl_reader.Refused:
        assert out_code == 2 and stderr.count("\n") == 1 and "escape" in stderr, stderr
        return True
    raise AssertionError("kubectl read an escaped surrogate")


@settings(max_examples=max(1, EXAMPLES // BATCH), deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(resource_list(), min_size=BATCH, max_size=BATCH))
def test_output_reads_under_kubectl_as_the_library_meant(batch: list[tuple[str, int]]) -> None:
    runs = [(text, count, run(text)) for text, count in batch]
    runs = [(t, c, out) for t, c, out in runs if not refused_alike(t, out.exit_code, out.stderr)]
    counts = [count for _, count, _ in runs]
    given_lists = split(kubectl_reader.read(joined([text for text, _, _ in runs])), counts)
    outputs = []
    for (text, _, out), given_items in zip(runs, given_lists, strict=True):
        expected, results = krm_fn.sequence_resources(copy.deepcopy(given_items))
        assert out.exit_code == (1 if results.has_errors else 0), out.stderr
        assert "internal error" not in out.stderr and "comments of the input were dropped" not in out.stdout.decode()
        outputs.append((text, out.stdout.decode(), given_items, expected))
    read_lists = split(kubectl_reader.read(joined([output for _, output, _, _ in outputs])), counts)
    for (text, output, given_items, expected), read in zip(outputs, read_lists, strict=True):
        items, _, _ = output.partition("results:\n")
        before, after = item_texts(text), item_texts(items)
        for number, (original, meant) in enumerate(zip(given_items, expected, strict=True)):
            if kubectl_reader.normal(meant) == kubectl_reader.normal(original):
                assert after[number] == before[number], "an object seq-fn did not change is its input bytes"
            else:
                assert kubectl_reader.normal(read[number]) == kubectl_reader.normal(meant), after[number]
        again = run(items)
        assert again.stdout.decode().partition("results:\n")[0] == items, "a second run changes nothing"


@st.composite
def stream(draw: Any) -> tuple[str, int]:
    """Plain multi-document YAML: the same objects and styles, each document at column 0; and its count."""
    count = draw(st.integers(1, 3))
    docs = []
    for number in range(count):
        obj = draw(workload(number) if draw(st.booleans()) else other(number))
        style = Style(draw)
        text = flow(obj, style) + "\n" if style.chance(0.15) else block_mapping(obj, style, 0)
        header = draw(st.sampled_from(["", "---\n", "--- # doc\n"]))
        docs.append(header + text if number == 0 or header else "---\n" + text)
    text = "".join(docs)
    return (text.replace("\n", "\r\n") if draw(st.integers(0, 9)) == 0 else text), count


def joined(streams: list[str]) -> str:
    """Several streams as one, for one kubectl call (opening with ``---``: kubectl reads a file that opens with
    ``{`` as JSON)."""
    return "---\n" + "---\n".join(text if text.endswith("\n") else text + "\n" for text in streams)


def standalone(text: str) -> tuple[int, str, str]:
    import contextlib
    import io
    import tempfile

    from krm_fn import commands

    with tempfile.NamedTemporaryFile("w", suffix=".yaml", newline="") as file:
        file.write(text)
        file.flush()
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = commands.run_standalone([file.name], config_path=None, verbose=False)
    return code, out.getvalue(), err.getvalue()


@settings(max_examples=max(1, EXAMPLES // 3 // BATCH), deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(stream(), min_size=BATCH, max_size=BATCH))
def test_standalone_output_reads_under_kubectl_as_the_library_meant(batch: list[tuple[str, int]]) -> None:
    runs = [(text, count, standalone(text)) for text, count in batch]
    runs = [(t, c, ran) for t, c, ran in runs if not refused_alike(t, ran[0], ran[2])]
    counts = [count for _, count, _ in runs]
    given_lists = split(kubectl_reader.read(joined([text for text, _, _ in runs])), counts)
    checked = []
    for (text, _, (code, out, err)), given_docs in zip(runs, given_lists, strict=True):
        expected, results = krm_fn.sequence_resources(copy.deepcopy(given_docs))
        assert code == (1 if results.has_errors else 0), err
        if code:
            assert out == ""
            continue
        checked.append((text, out, given_docs, expected))
    outputs = kubectl_reader.read(joined([out for _, out, _, _ in checked]))
    read_lists = split(outputs, [len(given) for _, _, given, _ in checked])
    for (text, out, given_docs, expected), read in zip(checked, read_lists, strict=True):
        parts, before = yamlio.split_documents(out), yamlio.split_documents(text)
        assert len(parts) == len(before)
        for number, (original, meant) in enumerate(zip(given_docs, expected, strict=True)):
            if kubectl_reader.normal(meant) == kubectl_reader.normal(original):
                assert parts[number] == before[number], "a document seq-fn did not change is its input bytes"
            else:
                assert kubectl_reader.normal(read[number]) == kubectl_reader.normal(meant), parts[number]
