"""Plain values that remember where in the input text they came from.

libyaml's C composer gives every node its byte span. :func:`construct` turns a composed node into dicts, lists
and scalars, fast, and each dict and list is a :class:`SourcedDict` / :class:`SourcedList` holding its node. A
processor edits them like any dict or list, moves them from one list to another, or deep-copies them; they keep
their node, so :mod:`krm_fn.sdk.textedit` can write each one back as its own source text where it did not change.

Scalars follow the YAML 1.2 core schema, which is what the round-trip loader reads. A plain scalar that YAML 1.1
would read otherwise (``yes``, ``0123``, a date) is :class:`Unsupported`, and the caller falls back to the
round-trip loader, which has its own rules for those.
"""

from __future__ import annotations

import copy
from typing import Any

import yaml as pyyaml

from krm_fn.sdk import scalars


class _Composer(pyyaml.CSafeLoader):
    """libyaml's composer without PyYAML's YAML 1.1 tag resolution: :func:`scalar` types scalars itself."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        return ""


def compose(text: str) -> Any:
    """The node tree of one YAML document, with marks (a quarter faster without the tag resolver)."""
    return pyyaml.compose(text, Loader=_Composer)


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
    """The value of a scalar node under the YAML 1.2 core schema; quoted and block scalars are strings."""
    if node.style:  # quoted or block ("" or None for plain, depending on the composer)
        return node.value
    try:
        return scalars.resolve(node.value)
    except scalars.Retyped:
        raise Unsupported(node.value) from None


def construct(node: Any) -> Any:
    """Dicts (:class:`SourcedDict`), lists (:class:`SourcedList`) and scalars for a composed node."""
    if isinstance(node, pyyaml.ScalarNode):
        return scalar(node)
    if isinstance(node, pyyaml.SequenceNode):
        return SourcedList(node, [construct(item) for item in node.value])
    if isinstance(node, pyyaml.MappingNode):
        out = SourcedDict(node)
        for key_node, value_node in node.value:
            key = scalar(key_node) if isinstance(key_node, pyyaml.ScalarNode) else None
            if not isinstance(key, str) or key in out:
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
    return type(a) is type(b) and a == b


def matches(value: Any, node: Any) -> bool:
    """Whether ``value`` is what ``node`` holds (:func:`same` on :func:`construct`, without building anything)."""
    if isinstance(node, pyyaml.MappingNode):
        return (
            isinstance(value, dict)
            and len(value) == len(node.value)
            and all(k.value in value and matches(value[k.value], v) for k, v in node.value)
        )
    if isinstance(node, pyyaml.SequenceNode):
        return (
            isinstance(value, list)
            and len(value) == len(node.value)
            and all(matches(v, n) for v, n in zip(value, node.value, strict=True))
        )
    if isinstance(value, dict | list) or not isinstance(node, pyyaml.ScalarNode):
        return False
    try:
        return same(value, scalar(node))
    except Unsupported:
        return False
