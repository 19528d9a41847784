"""YAML in and out for KRM functions: a round trip that keeps comments and key order, with Kubernetes' values.

Why ruamel.yaml: it keeps what a person wrote (comments, quoting, flow style) in the objects it loads, so a
document read whole (one with anchors or tags, a ResourceList of an uncommon shape) is still written back with
its comments. It never constructs Python objects from tags. Its own scalar rules (YAML 1.2) are not Kubernetes':
here it types no plain scalar itself; every plain scalar is read by :func:`krm_fn.sdk.scalars.resolve`, as
kubectl reads it. Two things it would do that orchestrators reject are turned off: anchors and aliases are
expanded on the way out, and a new string that any reader would take for a bool, number, null or date is quoted.
"""

from __future__ import annotations

import bisect
import functools
import io
import itertools
import json
import re
from collections.abc import Mapping, MutableMapping
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
#: A ``%YAML`` or ``%TAG`` directive line (directives stand in column 0, before a document's ``---``).
_DIRECTIVE = re.compile(r"^%[A-Za-z]", re.MULTILINE)


def refuse_directives(text: str) -> None:
    """Refuse a ``%YAML``/``%TAG`` directive kubectl refuses, naming its line.

    kubectl cuts a stream at its ``---`` lines before it parses anything, so a directive at the start of the
    stream, or after a ``---``, ends up alone before its document ("did not find expected <document start>").
    One after a ``...`` line ends the chunk before and is ignored (kubectl reads the next document by its own
    rules, as this package does); it is accepted and kept.
    """
    for found in _DIRECTIVE.finditer(text):
        if _DOC_END.match(_line_above(text, found.start())):
            continue
        line = text.count("\n", 0, found.start()) + 1
        end = text.find("\n", found.start())
        directive = text[found.start() : end if end >= 0 else len(text)].strip()
        raise InputError(
            f"the YAML directive {directive!r} opens a document: kubectl refuses that (delete the line)", line=line
        )


def _line_above(text: str, index: int) -> str:
    """The nearest line above ``index`` that is not blank, a comment or another directive (``""`` at the start)."""
    while index > 0:
        start = text.rfind("\n", 0, index - 1) + 1
        line = text[start : index - 1].rstrip("\r")
        if line.strip() and not line.lstrip().startswith(("#", "%")):
            return line
        index = start
    return ""


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


@functools.cache
def _resolver(*, dumping: bool) -> type:
    """ruamel.yaml's resolver with Kubernetes' reading of plain scalars.

    Loading, it leaves every plain scalar a string (``<<`` stays a merge key): :func:`load_all` then reads each
    as Kubernetes does (ruamel.yaml's own constructors would read ``0400`` as 400). Dumping, a plain scalar's
    tag is the type Kubernetes reads it as, so that ``1`` is written plain, not as ``!!int '1'``.
    """
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.resolver import VersionedResolver
    from ruamel.yaml.tag import Tag

    plain = _constructor()[1]

    def tag_of(value: str) -> Any:
        if value == "<<":
            return Tag(suffix="tag:yaml.org,2002:merge")
        if not dumping:
            return plain  # the marker of a plain scalar without a tag: a str that load_all reads as Kubernetes does
        resolved = scalars.resolve(value)
        return Tag(suffix="tag:yaml.org,2002:" + _TAGS.get(type(resolved), "str"))

    class _Resolver(VersionedResolver):
        def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
            if kind is ScalarNode and implicit[0]:
                return tag_of(value)
            return super().resolve(kind, value, implicit)

    return _Resolver


_TAGS = {bool: "bool", int: "int", float: "float", type(None): "null"}


@functools.cache
def _constructor() -> tuple[type, Any]:
    """ruamel.yaml's round-trip constructor, reading a scalar with an explicit core tag as Kubernetes reads it.

    ruamel.yaml's own constructors read ``!!int 0400`` as 400 (Kubernetes: 256), fail on ``!!bool 1`` with a
    KeyError, and keep ``!!str 0400`` as a ``TaggedScalar`` no writer knows. Here every such scalar is
    :func:`krm_fn.sdk.scalars.tagged`; a plain scalar without a tag keeps :func:`_resolver`'s marker tag, so
    that an explicit ``!!str`` is told apart from it and stays a string (a quoted one, for the writers).
    Returns the class and the marker.
    """
    from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
    from ruamel.yaml.nodes import ScalarNode
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString
    from ruamel.yaml.tag import Tag

    plain = Tag(suffix="tag:yaml.org,2002:str")

    class _Constructor(RoundTripConstructor):
        def construct_yaml_str(self, node: Any) -> Any:
            if node.ctag is plain or not isinstance(node, ScalarNode):
                return super().construct_yaml_str(node)
            value = self.construct_scalar(node)  # explicitly tagged or quoted: a string whatever it looks like
            return DoubleQuotedScalarString(value, anchor=node.anchor) if _is_plain(value) else value

        def construct_tagged(self, node: Any) -> Any:
            if not isinstance(node, ScalarNode):
                raise ConstructorError(None, None, f"{node.tag} on a collection", node.start_mark)
            try:
                return scalars.tagged(str(node.tag).rsplit(":", 1)[-1], node.value)
            except scalars.Refused as err:
                raise ConstructorError(None, None, str(err), node.start_mark) from None

        def construct_merge_sign(self, node: Any) -> Any:
            return node.value  # a plain << that is a value, not a key: the string "<<" to go-yaml

    for name in ("int", "float", "bool", "null", "timestamp"):
        _Constructor.add_constructor(f"tag:yaml.org,2002:{name}", _Constructor.construct_tagged)
    _Constructor.add_constructor("tag:yaml.org,2002:merge", _Constructor.construct_merge_sign)
    _Constructor.add_constructor("tag:yaml.org,2002:str", _Constructor.construct_yaml_str)
    return _Constructor, plain


@functools.cache
def _composer() -> Any:
    """ruamel.yaml's composer, with the non-specific tag ``!`` making a scalar a string, as it does for go-yaml.

    ruamel.yaml resolves ``! 0400`` like the plain ``0400`` (256 to Kubernetes); go-yaml keeps it the string
    ``"0400"``. Such a node gets an explicit ``str`` tag, which :func:`_constructor` keeps a string.
    """
    from ruamel.yaml.composer import Composer
    from ruamel.yaml.tag import Tag

    class _Composer(Composer):
        def compose_scalar_node(self, anchor: Any) -> Any:
            non_specific = str(self.parser.peek_event().ctag) == "!"
            node = super().compose_scalar_node(anchor)
            if non_specific:
                node.ctag = Tag(suffix="tag:yaml.org,2002:str")
            return node

    return _Composer


def _yaml(seq_indent: SeqIndent = "compact", *, dumping: bool = True) -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt", pure=False)
    yaml.Resolver = _resolver(dumping=dumping)
    if not dumping:
        yaml.Constructor = _constructor()[0]
        yaml.Composer = _composer()
    yaml.Representer = _representer()
    yaml.preserve_quotes = True
    yaml.width = 1 << 30  # never fold a long string: a fold is a diff nobody asked for
    yaml.brace_single_entry_mapping_in_flow_sequence = True  # keep [{name: a}], not [name: a]
    if seq_indent == "wide":
        yaml.indent(mapping=2, sequence=4, offset=2)
    else:
        yaml.indent(mapping=2, sequence=2, offset=0)
    return yaml


def _syntax_error(err: Exception) -> InputError:
    from ruamel.yaml.error import MarkedYAMLError

    if isinstance(err, MarkedYAMLError):
        mark = err.problem_mark or err.context_mark
        what = err.problem or err.context or type(err).__name__
        line = mark.line + 1 if mark is not None else None
        column = f" (column {mark.column + 1})" if mark is not None else ""
        return InputError(f"input is not valid YAML: {what}{column}", line=line)
    return InputError(f"input is not valid YAML: {' '.join(str(err).split())}")


def load_all(text: str) -> list[Any]:
    """Every document of a YAML stream, round-trip loaded, with Kubernetes' values.

    Bad input is an :class:`InputError` naming its line. ``text`` may be a loaded string (a ConfigMap value that
    holds YAML, a ruamel.yaml ``ScalarString``): libyaml's parser, which checks it here, takes only a plain ``str``.
    """
    from ruamel.yaml.error import YAMLError

    text = str(text)
    refuse_directives(text)
    tabs, aliases = "\t" in text, "&" in text and "*" in text
    roots = _composed(text) if tabs or aliases or "\\u" in text or "\\U" in text else None
    try:
        docs = list(_yaml(dumping=False).load_all(tabs_as_spaces(text, roots) if tabs and roots else text))
    except YAMLError as err:
        raise _syntax_error(err) from None
    except RecursionError:
        raise InputError(f"input nests deeper than {MAX_DEPTH} levels") from None
    except (ValueError, TypeError) as err:
        raise InputError(f"input is not valid YAML: {' '.join(str(err).split())}") from None
    for doc in docs:
        try:
            check_bounds(doc)
        except _TagRefused as err:
            raise InputError(err.message, line=_tag_line(text, err.written)) from None
    if aliases and roots and any(node is not None and sourced.recursive(node) for node in roots):
        # ruamel.yaml reads a recursive alias (``x: &r [*r]``) as ``[null]``: it is found on libyaml's nodes
        raise InputError("input has a recursive YAML alias (a node that contains itself)")
    return [kubernetes_values(doc) for doc in docs]


def _composed(text: str) -> list[Any] | None:
    """The nodes libyaml composes for ``text``, once, for the checks that need the parser go-yaml was ported from.

    An escape libyaml refuses (a UTF-16 surrogate, as go-yaml refuses it) is an :class:`InputError`: ruamel.yaml
    would read it as a lone surrogate that cannot even be written out again. Other text libyaml cannot read gives
    None: ruamel.yaml then says why.
    """
    import yaml as pyyaml

    try:
        return list(pyyaml.compose_all(text, Loader=pyyaml.CSafeLoader))
    except pyyaml.MarkedYAMLError as err:
        if "escape" in str(err.problem):
            mark = err.problem_mark
            raise InputError(f"input is not valid YAML: {err.problem}", line=mark.line + 1 if mark else None) from None
    except (pyyaml.YAMLError, RecursionError, ValueError):
        pass
    return None


def tabs_as_spaces(text: str, roots: list[Any]) -> str:
    """``text`` with its tabs written so that ruamel.yaml's scanner reads them as libyaml (and go-yaml) do.

    libyaml reads a tab between tokens (``kind: A<TAB>``, ``x: 1<TAB># note``) and inside a plain scalar in a flow
    collection (``{path: /a<TAB>b}``); ruamel.yaml's scanner refuses them. Outside a scalar a tab only separates
    tokens, so it becomes a space; a plain scalar holding one is written double-quoted with the same value (a
    plain scalar with a tab is always a string). Tabs in quoted and block scalars stay. ``roots`` are libyaml's
    nodes for ``text`` (:func:`_composed`).
    """
    import yaml as pyyaml

    spans: list[tuple[int, int, str | None]] = []
    stack, seen = list(roots), set()
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, pyyaml.ScalarNode):
            start, end = node.start_mark.index, node.end_mark.index
            plain_tab = not node.style and "\t" in text[start:end]
            spans.append((start, end, json.dumps(node.value) if plain_tab else None))
        elif isinstance(node, pyyaml.MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, pyyaml.SequenceNode):
            stack.extend(node.value)
    spans.sort()
    starts = [start for start, _, _ in spans]
    out = list(text)
    for index in (i for i, char in enumerate(text) if char == "\t"):
        found = bisect.bisect_right(starts, index) - 1
        if found < 0 or not spans[found][0] <= index < spans[found][1]:
            out[index] = " "
    for start, end, quoted in reversed(spans):
        if quoted is not None:
            out[start:end] = [quoted]
    return "".join(out)


def kubernetes_values(node: Any) -> Any:
    """A loaded document with each plain scalar read as Kubernetes reads it, in place: comments and order stay.

    A plain scalar is a bare ``str`` here, as :func:`_resolver` leaves it.

    Quoted and block scalars are ruamel.yaml's ``ScalarString`` types and stay strings. A key Kubernetes reads
    otherwise (``y`` is ``"true"``, ``0400`` is ``"256"``) is renamed; one it refuses (a null key), or two keys that
    become one, are an :class:`InputError`.
    """
    seen: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, MutableMapping):
            _merge_as_go_yaml(current)
            _rename_keys(current)
            for key, child in list(current.items()):
                if _is_plain(child):
                    current[key] = _plain_value(child)
                else:
                    stack.append(child)
        elif isinstance(current, list):
            for index, child in enumerate(current):
                if _is_plain(child):
                    current[index] = _plain_value(child)
                else:
                    stack.append(child)
    return _plain_value(node) if _is_plain(node) else node


def _is_plain(value: Any) -> bool:
    """A plain scalar as :func:`_resolver` leaves it: a ``str``, or ruamel.yaml's anchored ``PlainScalarString``."""
    return type(value) is str or type(value).__name__ == "PlainScalarString"


def _plain_value(text: str) -> Any:
    try:
        return scalars.value(text)
    except scalars.Refused as err:
        raise InputError(str(err)) from None


def _merge_as_go_yaml(mapping: Any) -> None:
    """Give the keys written before a merge key (``<<``) the merged values, as go-yaml v2 reads a merge.

    YAML's merge rule (ruamel.yaml's) lets a mapping's own keys win; go-yaml v2, Kubernetes' reader, applies the
    merge where ``<<`` stands, so it overrides the keys before it (``image: a`` then ``<<: {image: b}`` is ``b``)
    and the keys after it override the merge. Of several merged mappings, the first that has a key wins.
    """
    from ruamel.yaml.comments import merge_attrib
    from ruamel.yaml.compat import ordereddict

    merged = getattr(mapping, merge_attrib, None)
    position = getattr(merged, "merge_pos", -1)
    if not merged or position <= 0:
        return
    for key in list(mapping)[:position]:  # the own keys, in order, come first
        source = next((m for m in merged if key in m), None)
        if source is not None:  # set in place: CommentedMap's own setter would keep the old value's quoting type
            ordereddict.__setitem__(mapping, key, source[key])


def _rename_keys(mapping: Any) -> None:
    """Rename the plain keys Kubernetes reads as other text, keeping their order and comments."""
    renamed: dict[Any, str] = {}
    for key in mapping:
        if type(key) is str or key is None or isinstance(key, bool | int | float):  # plain, or tagged (``!!int 010``)
            try:
                text = scalars.key(key) if type(key) is str else scalars.key_text(key, str(key).lower())
            except scalars.Refused as err:
                raise InputError(str(err), line=_key_line(mapping, key)) from None
            if text != key or type(key) is not str:
                renamed[key] = text
    if not renamed:
        return
    items = [(renamed.get(k, k), v) for k, v in mapping.items()]
    if len({k for k, _ in items}) != len(items):
        raise InputError(
            f"the keys {sorted(renamed)} read, as Kubernetes reads them, as a key the mapping has twice",
            line=_key_line(mapping, next(iter(renamed))),
        )
    comments = getattr(getattr(mapping, "ca", None), "items", {})
    moved = {renamed.get(k, k): c for k, c in comments.items()}
    mapping.clear()
    mapping.update(items)
    if comments:
        comments.clear()
        comments.update(moved)


def _key_line(mapping: Any, key: Any) -> int | None:
    """The line (from 1) of ``key`` in a round-trip loaded mapping, or None where ruamel.yaml kept none."""
    try:
        return int(mapping.lc.key(key)[0]) + 1
    except (AttributeError, KeyError, TypeError):
        return None


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


class _TagRefused(InputError):
    """A tag :func:`check_bounds` refuses; ``written`` is how it may stand in the text, to find its line there."""

    def __init__(self, tag: str) -> None:
        super().__init__(f"YAML tag {tag} is not allowed: Kubernetes objects hold plain data")
        core = "tag:yaml.org,2002:"
        self.written = "!!" + tag.removeprefix(core) if tag.startswith(core) else tag


def _check_tag(node: Any) -> None:
    tag = getattr(getattr(node, "tag", None), "value", None)
    if (tag is not None and tag not in CORE_TAGS) or isinstance(node, bytes | bytearray):
        raise _TagRefused(tag or "!!binary")


def _tag_line(text: str, written: str) -> int | None:
    """The line (from 1) of the first ``written`` tag in ``text`` (ruamel.yaml keeps no line for a tagged scalar)."""
    found = re.search(r"(?:^|(?<=[\s\[{,]))" + re.escape(written) + r"(?=[\s,\]}]|$)", text, re.MULTILINE)
    return text.count("\n", 0, found.start()) + 1 if found else None


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
