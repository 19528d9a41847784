"""Plain values that remember where in the input text they came from.

libyaml's C composer gives every node its byte span. :func:`construct` turns a composed node into dicts, lists
and scalars, fast, and each dict and list is a :class:`SourcedDict` / :class:`SourcedList` holding its node. A
processor edits them like any dict or list, moves them from one list to another, or deep-copies them; they keep
their node, so :mod:`krm_fn.sdk.textedit` can write each one back as its own source text where it did not change.

Scalars are read as the round-trip loader reads them: YAML 1.2, or 1.1 under a ``%YAML 1.1`` directive
(``yaml11``). A plain scalar that YAML 1.1 and 1.2 read differently (``yes``, ``0123``) is read as 1.2 reads it,
and :func:`matches` says it differs from any value, so that a writer writes it anew, in a form both read alike.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import yaml as pyyaml
from yaml._yaml import CParser

from krm_fn.sdk import scalars


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


def scalar(node: Any, *, yaml11: bool = False, strict: bool = False) -> Any:
    """The value of a scalar node; quoted and block scalars are strings.

    ``strict``: a plain scalar YAML 1.1 and 1.2 read differently is :class:`Unsupported` (a writer's read-back
    check: what seq-fn writes must read alike under both).
    """
    if node.style:  # quoted or block ("" or None for plain, depending on the composer)
        return node.value
    if strict and not yaml11 and scalars.ambiguous(node.value):
        raise Unsupported(f"the plain scalar {node.value!r} reads differently in YAML 1.1 and 1.2")
    return scalars.resolve(node.value, yaml11=yaml11)


def construct(node: Any, *, yaml11: bool = False, strict: bool = False) -> Any:
    """Dicts (:class:`SourcedDict`), lists (:class:`SourcedList`) and scalars for a composed node."""
    if isinstance(node, pyyaml.ScalarNode):
        return scalar(node, yaml11=yaml11, strict=strict)
    if isinstance(node, pyyaml.SequenceNode):
        return SourcedList(node, [construct(item, yaml11=yaml11, strict=strict) for item in node.value])
    if isinstance(node, pyyaml.MappingNode):
        out = SourcedDict(node)
        for key_node, value_node in node.value:
            key = scalar(key_node, yaml11=yaml11, strict=strict) if isinstance(key_node, pyyaml.ScalarNode) else None
            if not isinstance(key, str) or key in out:
                raise Unsupported("a key that is not a unique string")
            out[key] = construct(value_node, yaml11=yaml11, strict=strict)
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


def matches(value: Any, node: Any, *, yaml11: bool = False, keys: bool = False) -> bool:
    """Whether ``value`` is what ``node`` holds, written so that YAML 1.1 and 1.2 read it alike.

    :func:`same` on :func:`construct`, without building anything; a plain scalar the two versions read
    differently matches nothing (unless a ``%YAML 1.1`` directive, ``yaml11``, settles it). ``keys``: check that
    every key reads as a string too (the input's keys were checked when it was read).
    """
    if isinstance(node, pyyaml.MappingNode):
        return (
            isinstance(value, dict)
            and len(value) == len(node.value)
            and all(
                k.value in value
                and (not keys or string_key(k, yaml11))
                and matches(value[k.value], v, yaml11=yaml11, keys=keys)
                for k, v in node.value
            )
        )
    if isinstance(node, pyyaml.SequenceNode):
        return (
            isinstance(value, list)
            and len(value) == len(node.value)
            and all(matches(v, n, yaml11=yaml11, keys=keys) for v, n in zip(value, node.value, strict=True))
        )
    if isinstance(value, dict | list) or not isinstance(node, pyyaml.ScalarNode):
        return False
    try:
        return same(value, scalar(node, yaml11=yaml11, strict=True))
    except Unsupported:
        return False


def string_key(key: Any, yaml11: bool = False) -> bool:
    """Whether a key node reads as a string: quoted, or plain text no reader types (``name``, not ``1``)."""
    return isinstance(key, pyyaml.ScalarNode) and (bool(key.style) or scalars.is_string(key.value, yaml11))


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
