"""A ResourceList read for splicing: every item keeps its exact bytes unless the processor replaces it.

libyaml's C composer finds each item's byte span; an item is known by its *head* (apiVersion, kind, metadata)
until something asks for more, and only then is its own text loaded with ruamel.yaml. On output, the items the
processor did not replace are the input's bytes, comments and all; a replaced item is dumped and indented into
its span. This is faster than a round trip of the whole list and keeps untouched items byte-identical.

It applies to the common shape only (what kpt and kustomize send): a block ``items`` sequence of block mappings,
LF line endings and no tabs (libyaml and ruamel.yaml disagree on some), no anchors, aliases, tags or merge keys,
no ``results`` yet. :func:`parse` returns None for
anything else, and the caller uses the plain round trip (:mod:`krm_fn.sdk.resourcelist`), which also gives the
precise errors for bad input.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml as pyyaml

from krm_fn.sdk import resourcelist, yamlio
from krm_fn.sdk.errors import InputError
from krm_fn.sdk.resourcelist import ResourceList
from krm_fn.sdk.results import Results

#: A token that starts an anchor, alias, tag or merge key: such input takes the plain path (which expands them).
_SPECIAL = re.compile(r"(?:^|[\s\[{,])(?:[&*!][^\s,\]}]|<<\s*:)", re.MULTILINE)
_HEAD_KEYS = ("apiVersion", "kind", "metadata")


class LazyObject(Mapping[str, Any]):
    """An item known by its head; any other key loads the whole item from its own text, once."""

    __slots__ = ("_full", "_head", "_text")

    def __init__(self, head: dict[str, Any], text: str) -> None:
        self._head = head
        self._text = text
        self._full: Any = None

    def load(self) -> Any:
        """The whole item, round-trip loaded (comments, quotes and flow style kept)."""
        if self._full is None:
            self._full = yamlio.load_all(self._text)[0]
        return self._full

    def __getitem__(self, key: str) -> Any:
        if key in _HEAD_KEYS and key in self._head and self._full is None:
            return self._head[key]
        return self.load()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.load())

    def __len__(self) -> int:
        return len(self.load())

    def __contains__(self, key: object) -> bool:
        if key in _HEAD_KEYS and self._full is None:
            return key in self._head
        return key in self.load()

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        """A new, independent object: parsing the item's own text again is cheaper than copying ruamel's nodes."""
        if self._full is None:
            return yamlio.load_all(self._text)[0]
        return copy.deepcopy(self._full, memo)


@dataclass(frozen=True)
class _Span:
    start: int  # first byte of the item's first key (after "- ")
    end: int  # end of its content; what follows (blank and comment lines) stays in place
    column: int


@dataclass
class SplicedList:
    """The input text, each item's span, and the ResourceList whose items are :class:`LazyObject`s."""

    text: str
    spans: list[_Span]
    originals: list[LazyObject]
    resource_list: ResourceList

    def render(self, items: list[Any], results: Results) -> str:
        """The input text with replaced items re-emitted in place, and the results appended."""
        if len(items) != len(self.originals):
            rl = ResourceList(
                items=[i.load() if isinstance(i, LazyObject) else i for i in items],
                function_config=self.resource_list.function_config,
                results=results,
                api_version=self.resource_list.api_version,
            )
            return resourcelist.to_yaml(rl)
        out, position = [], 0
        for original, item, span in zip(self.originals, items, self.spans, strict=True):
            if item is original:
                continue
            out += [self.text[position : span.start], _indented(item, self.text[span.start : span.end], span.column)]
            position = span.end
        out.append(self.text[position:])
        text = "".join(out)
        if results:
            text = text if text.endswith("\n") else text + "\n"
            text += yamlio.dump({"results": [r.to_dict() for r in results]})
        return text


class _Unfit(Exception):
    """The input is not of the common shape: use the plain path."""


def parse(text: str) -> SplicedList | None:
    """The spliced form of a ResourceList, or None when the input is not of the common shape."""
    try:
        fields = _top_level(text)
        items_node = fields.get("items")
        if not isinstance(items_node, pyyaml.SequenceNode) or items_node.flow_style or not items_node.value:
            raise _Unfit
        found = [_item(text, node) for node in items_node.value]
        config = _function_config(text, fields.get("functionConfig"))
    except _Unfit:
        return None
    rl = ResourceList(items=[lazy for _, lazy in found], function_config=config,
                      api_version=_scalar(fields["apiVersion"]) or "")  # fmt: skip
    return SplicedList(text, [span for span, _ in found], [lazy for _, lazy in found], rl)


def _top_level(text: str) -> dict[str, Any]:
    """The ResourceList's top-level fields as composed nodes; raises :class:`_Unfit` for an uncommon shape."""
    root = _compose_mapping(text)
    fields = {k.value: v for k, v in root.value if isinstance(k, pyyaml.ScalarNode)}
    if "results" in fields or _scalar(fields.get("kind")) != resourcelist.KIND:
        raise _Unfit
    if _scalar(fields.get("apiVersion")) not in resourcelist.API_VERSIONS:
        raise _Unfit
    return fields


def _scalar(node: Any) -> str | None:
    return node.value if isinstance(node, pyyaml.ScalarNode) else None


def lazy_document(text: str) -> LazyObject | None:
    """One plain YAML document as a :class:`LazyObject`, or None when it is not of the common shape.

    The common shape: a block mapping with apiVersion, kind and metadata.name; no anchors, tags, tabs or CRs.
    """
    try:
        return LazyObject(_head(_compose_mapping(text)), text)
    except _Unfit:
        return None


def _compose_mapping(text: str) -> Any:
    """``text`` composed by libyaml's C composer: a block mapping of the common shape, or :class:`_Unfit`."""
    if "\r" in text or "\t" in text or _SPECIAL.search(text):
        raise _Unfit
    try:
        node = pyyaml.compose(text, Loader=pyyaml.CSafeLoader)
    except (pyyaml.YAMLError, RecursionError, ValueError):
        raise _Unfit from None
    if not isinstance(node, pyyaml.MappingNode) or node.flow_style:
        raise _Unfit
    _check_nodes(node)
    return node


def _head(node: Any) -> dict[str, Any]:
    """apiVersion, kind and metadata of a composed object; raises :class:`_Unfit` when one is missing."""
    fields = {k.value: v for k, v in node.value if isinstance(k, pyyaml.ScalarNode)}
    api_version, kind = _scalar(fields.get("apiVersion")), _scalar(fields.get("kind"))
    metadata = fields.get("metadata")
    if not isinstance(metadata, pyyaml.MappingNode):
        raise _Unfit
    head_metadata = pyyaml.constructor.SafeConstructor().construct_object(metadata, deep=True)
    head = {"apiVersion": api_version, "kind": kind, "metadata": head_metadata}
    try:  # the plain path's rule, so that both paths accept the same objects
        resourcelist.check_object(head, where="item")
    except InputError:
        raise _Unfit from None
    return head


def _item(text: str, node: Any) -> tuple[_Span, LazyObject]:
    if not isinstance(node, pyyaml.MappingNode) or node.flow_style:
        raise _Unfit
    head = _head(node)
    column = node.start_mark.column
    end = _content_end(text, node.start_mark.index, node.end_mark.index, column)
    own_text = _dedent(text[node.start_mark.index : end], column)
    return _Span(node.start_mark.index, end, column), LazyObject(head, own_text)


def _function_config(text: str, node: Any) -> Mapping[str, Any] | None:
    """The functionConfig, round-trip loaded from its own text, as the plain path reads it."""
    if node is None:
        return None
    if not isinstance(node, pyyaml.MappingNode):
        raise _Unfit
    if node.flow_style:
        loaded = yamlio.load_all(text[node.start_mark.index : node.end_mark.index])
    else:
        end = _content_end(text, node.start_mark.index, node.end_mark.index, node.start_mark.column)
        loaded = yamlio.load_all(_dedent(text[node.start_mark.index : end], node.start_mark.column))
    if not loaded or not isinstance(loaded[0], Mapping):
        raise _Unfit
    config: Mapping[str, Any] = loaded[0]
    return config


def _content_end(text: str, start: int, end: int, column: int) -> int:
    """Where an item's content ends: trailing blank lines, and comment lines no deeper than the item, stay put."""
    lines = text[start:end].split("\n")
    keep = len(lines)
    while keep > 1:
        line = lines[keep - 1]
        stripped = line.lstrip(" ")
        if stripped and not (stripped.startswith("#") and len(line) - len(stripped) <= column):
            break
        keep -= 1
    return start + len("\n".join(lines[:keep])) + (1 if keep < len(lines) else 0)


def _dedent(text: str, column: int) -> str:
    lines = text.split("\n")
    out = [lines[0]]
    for line in lines[1:]:
        spaces = len(line) - len(line.lstrip(" "))
        out.append(line[min(spaces, column) :])
    return "\n".join(out)


def _indented(item: Any, original: str, column: int) -> str:
    """``item`` dumped in the list indentation of its original text, indented to the item's column."""
    dumped = yamlio.dump(item, seq_indent=yamlio.detect_seq_indent(_dedent(original, column))).rstrip("\n")
    pad = " " * column
    lines = dumped.split("\n")
    return "\n".join([lines[0], *(pad + line if line else line for line in lines[1:])]) + "\n"


def _check_nodes(root: Any) -> None:
    """Too deep, or a mapping with a duplicate key: the plain path refuses it with the precise reason."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > yamlio.MAX_DEPTH:
            raise _Unfit
        if isinstance(node, pyyaml.MappingNode):
            keys = [k.value for k, _ in node.value if isinstance(k, pyyaml.ScalarNode)]
            if len(keys) != len(set(keys)):
                raise _Unfit
            stack.extend((v, depth + 1) for _, v in node.value)
        elif isinstance(node, pyyaml.SequenceNode):
            stack.extend((v, depth + 1) for v in node.value)
