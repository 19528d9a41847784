"""Plain values that remember where in the input text they came from.

libyaml's C composer gives every node its byte span. :func:`construct` turns a composed node into dicts, lists
and scalars, fast, and each dict and list is a :class:`SourcedDict` / :class:`SourcedList` holding its node. A
processor edits them like any dict or list, moves them from one list to another, or deep-copies them; they keep
their node, so :mod:`krm_fn.sdk.textedit` can write each one back as its own source text where it did not change.

Scalars are read as Kubernetes reads them (:mod:`~krm_fn.sdk.scalars`): ``0400`` is 256, ``y`` is true, and a
plain key becomes the string Kubernetes makes of it. libyaml is the parser go-yaml was ported from, so what it
reads is what Kubernetes reads (an escaped UTF-16 surrogate is refused by both); a scalar Kubernetes
refuses (``.inf`` as a value, a null key) is refused here too (:class:`~krm_fn.sdk.errors.InputError`, naming its line).
"""

from __future__ import annotations

import copy
import math
from typing import Any

import yaml as pyyaml
from yaml._yaml import CParser

from krm_fn.sdk import scalars
from krm_fn.sdk.errors import InputError


class _Composer(CParser):
    """libyaml's composer alone: no constructor, and no YAML 1.1 tag resolution (:func:`scalar` types scalars).

    The composer calls these three for every node; PyYAML's own resolver would look up path resolvers and match
    each scalar against its implicit-type expressions. Without them composing is about a third faster.
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        return ""

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


def compose(text: str) -> Any:
    """The node tree of one YAML document, with marks."""
    composer = _Composer(text)
    try:
        return composer.get_single_node()
    finally:
        composer.dispose()


#: An explicit ``!!str`` tag (libyaml's composer keeps an explicit tag; :class:`_Composer` gives plain ones none).
_STR = "tag:yaml.org,2002:str"


class Unsupported(Exception):
    """A node this fast path does not construct: the caller uses the round-trip loader instead."""


class SourcedDict(dict[str, Any]):
    """A dict constructed from ``node``; edited like a dict, it keeps the node for writing it back."""

    __slots__ = ("node",)

    def __init__(self, node: Any, *args: Any) -> None:
        super().__init__(*args)
        self.node = node

    def __deepcopy__(self, memo: dict[int, Any]) -> SourcedDict:
        return SourcedDict(self.node, ((k, copy.deepcopy(v, memo)) for k, v in self.items()))

    def __copy__(self) -> SourcedDict:
        return SourcedDict(self.node, self)


class SourcedList(list[Any]):
    """A list constructed from ``node``; see :class:`SourcedDict`."""

    __slots__ = ("node",)

    def __init__(self, node: Any, *args: Any) -> None:
        super().__init__(*args)
        self.node = node

    def __deepcopy__(self, memo: dict[int, Any]) -> SourcedList:
        return SourcedList(self.node, (copy.deepcopy(v, memo) for v in self))

    def __copy__(self) -> SourcedList:
        return SourcedList(self.node, self)


def scalar(node: Any) -> Any:
    """The value of a scalar node as Kubernetes reads it; quoted and block scalars are strings.

    An explicit core tag (``!!str 0400``, ``!!int "12"``) is honoured as go-yaml honours it; items with tags are
    read by the round-trip loader, so this meets them only in a document read whole.
    """
    if node.style or node.tag == _STR:  # quoted or block ("" or None for plain, depending on the composer)
        return node.value
    try:
        return scalars.value(node.value)
    except scalars.Refused as err:
        raise InputError(str(err), line=node.start_mark.line + 1) from None


def key_of(node: Any) -> str | None:
    """The string a key node becomes in Kubernetes' JSON, or None for a key that is no scalar (``? [a]``)."""
    if not isinstance(node, pyyaml.ScalarNode):
        return None
    if node.style or node.tag == _STR:  # quoted, or tagged a string (``!!str ~``)
        return str(node.value)
    try:
        return scalars.key(node.value)
    except scalars.Refused as err:
        raise InputError(str(err), line=node.start_mark.line + 1) from None


def construct(node: Any) -> Any:
    """Dicts (:class:`SourcedDict`), lists (:class:`SourcedList`) and scalars for a composed node."""
    if isinstance(node, pyyaml.ScalarNode):
        return scalar(node)
    if isinstance(node, pyyaml.SequenceNode):
        return SourcedList(node, [construct(item) for item in node.value])
    if isinstance(node, pyyaml.MappingNode):
        out = SourcedDict(node)
        for key_node, value_node in node.value:
            key = key_of(key_node)
            if key is None or key in out:
                raise Unsupported("a key that is not a unique string")
            out[key] = construct(value_node)
        return out
    raise Unsupported(type(node).__name__)


def same(a: Any, b: Any) -> bool:
    """Equal, with types compared too: ``1``, ``1.0`` and ``True`` are three different YAML values."""
    if isinstance(a, dict):
        return isinstance(b, dict) and len(a) == len(b) and all(k in b and same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):  # .nan
        return isinstance(b, float) and math.isnan(b)
    return (type(a) is type(b) or _base(a) is _base(b)) and a == b


def _base(scalar: Any) -> type:
    """The YAML type of a scalar: ruamel.yaml's ``ScalarInt`` is an int, its ``DoubleQuotedScalarString`` a str."""
    for base in (bool, int, float, str):
        if isinstance(scalar, base):
            return base
    return type(scalar)


def matches(value: Any, node: Any) -> bool:
    """Whether ``value`` is what ``node`` holds, as Kubernetes reads it.

    :func:`same` on :func:`construct`, without building anything. A key or scalar Kubernetes refuses matches
    nothing.
    """
    try:
        return _matches(value, node)
    except InputError:
        return False


def _matches(value: Any, node: Any) -> bool:
    if isinstance(node, pyyaml.MappingNode):
        if not isinstance(value, dict) or len(value) != len(node.value):
            return False
        for key_node, value_node in node.value:
            key = key_of(key_node)
            if key is None or key not in value or not _matches(value[key], value_node):
                return False
        return True
    if isinstance(node, pyyaml.SequenceNode):
        return (
            isinstance(value, list)
            and len(value) == len(node.value)
            and all(_matches(v, n) for v, n in zip(value, node.value, strict=True))
        )
    if isinstance(value, dict | list) or not isinstance(node, pyyaml.ScalarNode):
        return False
    return same(value, scalar(node))


def recursive(root: Any) -> bool:
    """Whether a composed node contains itself (``x: &r [*r]``): an alias to its own ancestor.

    Each node is visited once, however often aliases reach it, so an alias bomb costs no more than its text.
    """
    done: set[int] = set()
    open_nodes: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            open_nodes.discard(id(node))
            done.add(id(node))
            continue
        if id(node) in open_nodes:
            return True
        if id(node) in done or isinstance(node, pyyaml.ScalarNode):
            continue
        open_nodes.add(id(node))
        stack.append((node, True))
        children = [n for pair in node.value for n in pair] if isinstance(node, pyyaml.MappingNode) else node.value
        stack.extend((child, False) for child in children)
    return False
