"""YAML in and out for KRM functions: YAML 1.2 round trip that keeps comments, quotes and key order.

Why ruamel.yaml: it keeps what a person wrote (comments, quoting, flow style) in the objects it loads, so a
function that edits a workload in place writes back a diff a reviewer can read. It never constructs Python
objects from tags. Two things it would do that orchestrators reject are turned off here: anchors and aliases
are expanded on the way out, and a new string that a YAML 1.1 reader would take for a bool, number, null or
date is quoted.
"""

from __future__ import annotations

import functools
import io
import itertools
import re
from collections.abc import Mapping
from typing import Any, Literal

from krm_fn.sdk import scalars, sourced
from krm_fn.sdk.errors import InputError

SeqIndent = Literal["compact", "wide"]

#: Bounds on hostile input, each overridable by an environment variable of the same name.
#: 32 MiB holds a ResourceList of some 30,000 typical resources.
MAX_INPUT_BYTES = 32 * 1024 * 1024
#: Kubernetes objects nest about 15 levels deep; a CRD schema perhaps 60.
MAX_DEPTH = 100
#: Nodes visited with every alias expanded: a "billion laughs" document is refused long before it costs memory.
MAX_EXPANDED_NODES = 5_000_000
#: The only tags a Kubernetes object may carry: YAML's core schema. ``!!python/object``, ``!!binary``, ``!custom``
#: and the like are refused; ruamel's round-trip loader never constructs Python objects from them anyway.
CORE_TAGS = frozenset(f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq"))


def _limit(name: str, default: int) -> int:
    import os

    value = os.environ.get(f"SEQ_FN_{name}", "")
    return int(value) if value.isdigit() else default


_DOC_START = re.compile(r"^---(?=[ \t\r\n]|$)", re.MULTILINE)
_DOC_END = re.compile(r"^\.\.\.(?=[ \t\r\n]|$)")
#: A ``%YAML 1.1`` directive before the first document: its plain scalars are read the YAML 1.1 way.
_YAML11 = re.compile(r"(?:(?:%[^\n]*|#[^\n]*|[ \t\r]*)\n)*%YAML[ \t]+1\.1[ \t\r\n#]")


def yaml11(text: str) -> bool:
    """Whether ``text`` (one document, or a ResourceList) opens with a ``%YAML 1.1`` directive."""
    return text.startswith(("%", "#", "\n", " ", "\r")) and _YAML11.match(text) is not None


def decode(data: bytes) -> str:
    """Bytes to text: UTF-8 with an optional BOM; anything else is an :class:`InputError` naming the offset."""
    limit = _limit("MAX_INPUT_BYTES", MAX_INPUT_BYTES)
    if len(data) > limit:
        raise InputError(
            f"input is {len(data) / 2**20:.1f} MiB, over the limit of {limit / 2**20:.0f} MiB "
            "(raise it with SEQ_FN_MAX_INPUT_BYTES)"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"input is not UTF-8: byte 0x{data[err.start]:02x} at offset {err.start}") from None


@functools.cache
def _representer() -> type:
    """ruamel.yaml's round-trip representer, made never to write an alias and to quote retypable strings.

    Built on first use: the common path of a KRM run never loads ruamel.yaml (its import is a tenth of the
    start-up time of a one-item run).
    """
    from ruamel.yaml.representer import RoundTripRepresenter

    class _Representer(RoundTripRepresenter):
        def ignore_aliases(self, data: Any) -> bool:
            return True

        def represent_str(self, data: str) -> Any:
            if scalars.retyped(data):
                return self.represent_scalar("tag:yaml.org,2002:str", data, style="'")
            return super().represent_str(data)

    _Representer.add_representer(str, _Representer.represent_str)
    _Representer.add_representer(sourced.SourcedDict, RoundTripRepresenter.represent_dict)
    _Representer.add_representer(sourced.SourcedList, RoundTripRepresenter.represent_list)
    return _Representer


def _yaml(seq_indent: SeqIndent = "compact") -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt", pure=False)
    yaml.Representer = _representer()
    yaml.preserve_quotes = True
    yaml.width = 1 << 30  # never fold a long string: a fold is a diff nobody asked for
    yaml.brace_single_entry_mapping_in_flow_sequence = True  # keep [{name: a}], not [name: a]
    if seq_indent == "wide":
        yaml.indent(mapping=2, sequence=4, offset=2)
    else:
        yaml.indent(mapping=2, sequence=2, offset=0)
    return yaml


def _one_line(err: Exception) -> str:
    from ruamel.yaml.error import MarkedYAMLError

    if isinstance(err, MarkedYAMLError):
        mark = err.problem_mark or err.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        what = err.problem or err.context or type(err).__name__
        return f"{what}{where}"
    return " ".join(str(err).split())


def load_all(text: str) -> list[Any]:
    """Every document of a YAML stream, round-trip loaded; a syntax error is an :class:`InputError`."""
    from ruamel.yaml.error import YAMLError

    try:
        docs = list(_yaml().load_all(text))
    except YAMLError as err:
        raise InputError(f"input is not valid YAML: {_one_line(err)}") from None
    except RecursionError:
        raise InputError(f"input nests deeper than {MAX_DEPTH} levels") from None
    except (ValueError, TypeError) as err:
        raise InputError(f"input is not valid YAML: {' '.join(str(err).split())}") from None
    for doc in docs:
        check_bounds(doc)
    if "&" in text and "*" in text:
        _refuse_recursion(text)
    return docs


def _refuse_recursion(text: str) -> None:
    """ruamel.yaml reads a recursive alias (``x: &r [*r]``) as ``[null]``: find it on libyaml's composed nodes."""
    import yaml as pyyaml

    try:
        nodes = list(pyyaml.compose_all(text, Loader=pyyaml.CSafeLoader))
    except (pyyaml.YAMLError, RecursionError, ValueError):
        return  # what libyaml cannot read, ruamel.yaml has read: no aliases it could see
    if any(node is not None and sourced.recursive(node) for node in nodes):
        raise InputError("input has a recursive YAML alias (a node that contains itself)")


def check_bounds(doc: Any) -> None:
    """Refuse a document that nests too deep, expands too far through aliases, or carries a non-core tag.

    Sizes and heights are memoised per node, so a "billion laughs" document is measured in the time it takes to
    read it, not to expand it; an alias to its own ancestor (a recursive document) is refused too.
    """
    max_depth = _limit("MAX_DEPTH", MAX_DEPTH)
    budget = _limit("MAX_EXPANDED_NODES", MAX_EXPANDED_NODES)
    sizes: dict[int, int] = {}
    heights: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Any, bool]] = [(doc, False)]
    while stack:
        node, children_done = stack.pop()
        _check_tag(node)
        if not isinstance(node, Mapping | list):
            continue
        key = id(node)
        children = list(node.values() if isinstance(node, Mapping) else node)
        if not children_done:
            if key in sizes:
                continue
            open_nodes.add(key)
            stack.append((node, True))
            for child in children:
                if id(child) in open_nodes:
                    raise InputError("input has a recursive YAML alias (a node that contains itself)")
                stack.append((child, False))
            continue
        open_nodes.discard(key)
        sizes[key] = 1 + sum(sizes.get(id(c), 1) for c in children)
        heights[key] = 1 + max((heights.get(id(c), 0) for c in children), default=0)
        if sizes[key] > budget:
            raise InputError(
                "input expands, through YAML aliases, to more nodes than the limit "
                "(SEQ_FN_MAX_EXPANDED_NODES): refusing a possible alias bomb"
            )
        if heights[key] > max_depth:
            raise InputError(f"input nests deeper than {max_depth} levels (SEQ_FN_MAX_DEPTH)")


def _check_tag(node: Any) -> None:
    tag = getattr(getattr(node, "tag", None), "value", None)
    if (tag is not None and tag not in CORE_TAGS) or isinstance(node, bytes | bytearray):
        raise InputError(f"YAML tag {tag or '!!binary'} is not allowed: Kubernetes objects hold plain data")


def dump(obj: Any, *, seq_indent: SeqIndent = "compact") -> str:
    """One YAML document, with comments and quoting kept, no anchors or aliases, and no ``---`` line."""
    out = io.StringIO()
    _yaml(seq_indent).dump(without_aliases(obj), out)
    return out.getvalue()


def split_documents(text: str) -> list[str]:
    """Cut a stream into the exact text of each document, so ``"".join(parts) == text``.

    A document starts at a ``---`` line in column 0 (YAML forbids that line inside any scalar), or at the
    directives (``%YAML 1.2``) before it, which lets a caller hand back every document it did not change byte for
    byte, each readable on its own.
    """
    starts = [_with_directives(text, m.start()) for m in _DOC_START.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    bounds = [*starts, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def _with_directives(text: str, start: int) -> int:
    """Where the document whose ``---`` line is at ``start`` begins: at its directives, if it has any.

    Directives may stand only at the start of the stream or after a ``...`` line; comment and blank lines
    between them stay with the document before.
    """
    index, first, line = start, None, ""
    while index > 0:
        above = text.rfind("\n", 0, index - 1) + 1
        line = text[above:index].rstrip("\r\n")
        if line.startswith("%"):
            first = above
        elif line.strip() and not line.lstrip().startswith("#"):
            break
        index = above
    if first is None:
        return start
    if index == 0:  # nothing but directives, comments and blanks above: the stream's first document
        return 0
    return first if _DOC_END.match(line) else start


def document_header(doc_text: str) -> str:
    """The ``---`` line that opens ``doc_text`` (with its newline), or ``""``."""
    match = _DOC_START.match(doc_text)
    if not match:
        return ""
    end = doc_text.find("\n")
    return doc_text if end < 0 else doc_text[: end + 1]


def detect_seq_indent(doc_text: str) -> SeqIndent:
    """``wide`` when the first block sequence is indented under its key, else ``compact`` (kyaml's terms)."""
    lines = doc_text.splitlines()
    for before, line in itertools.pairwise(lines):
        stripped = line.lstrip(" ")
        if (stripped.startswith("- ") or stripped == "-") and before.rstrip().endswith(":"):
            key_indent = len(before) - len(before.lstrip(" "))
            return "wide" if len(line) - len(stripped) > key_indent else "compact"
    return "compact"


def has_aliases(obj: Any) -> bool:
    """Whether ``obj`` holds anchors, aliases (one node reached twice) or merge keys."""
    seen: set[int] = set()
    stack = [obj]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping | list):
            if id(node) in seen:
                return True
            seen.add(id(node))
            if getattr(node, "merge", None) or _anchor(node):
                return True
            stack.extend(node.values() if isinstance(node, Mapping) else node)
        elif _anchor(node):
            return True
    return False


def _anchor(node: Any) -> bool:
    anchor = getattr(node, "anchor", None)
    return getattr(anchor, "value", None) is not None


def without_aliases(obj: Any) -> Any:
    """``obj`` itself when it has no anchors, aliases or merges; else a plain copy with all of them expanded.

    kpt and kustomize reject anchors and aliases. Expanding costs the comments of that one object, which is
    the price of never writing something they cannot read.
    """
    if not has_aliases(obj):
        return obj
    return to_plain(obj)


def to_plain(node: Any) -> Any:
    """A copy made of dicts, lists, str, int, float, bool and None: no round-trip types, anchors or merges."""
    if isinstance(node, Mapping):
        return {k if isinstance(k, str) else str(k): to_plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [to_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    for base in (str, int, float):
        if isinstance(node, base):
            return base(node)
    return node
