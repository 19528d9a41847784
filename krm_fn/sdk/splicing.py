"""A ResourceList read for splicing: every item keeps its exact bytes unless the processor replaces it.

libyaml's C composer finds each item's byte span; an item is known by its *head* (apiVersion, kind, metadata)
until something asks for more, and only then is it constructed from its nodes (:mod:`~krm_fn.sdk.sourced`).
On output, the items the processor did not replace are the input's bytes, comments and all; a replaced item is
written as an edit of its own text (:mod:`~krm_fn.sdk.textedit`). This is faster than a round trip of the whole
list, and what did not change keeps its bytes.

It applies to the common shape only (what kpt and kustomize send): a block ``items`` sequence of block mappings,
LF line endings and no tabs (libyaml and ruamel.yaml disagree on some), no anchors, aliases, tags or merge keys,
no ``results`` yet. :func:`parse` returns None for anything else, and the caller uses the plain round trip
(:mod:`krm_fn.sdk.resourcelist`), which also gives the precise errors for bad input; so does a replaced item
that cannot be written as a text edit (:class:`Unfit` from :meth:`SplicedList.render`).
"""

from __future__ import annotations

import bisect
import copy
import functools
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import yaml as pyyaml

from krm_fn.sdk import resourcelist, sourced, textedit, yamlio
from krm_fn.sdk.errors import InputError
from krm_fn.sdk.resourcelist import ResourceList
from krm_fn.sdk.results import Results

#: A token that starts an anchor, alias, tag or merge key: such input takes the plain path (which expands them).
_SPECIAL = re.compile(r"(?:^|[\s\[{,])(?:[&*!][^\s,\]}]|<<\s*:)", re.MULTILINE)
_HEAD_KEYS = ("apiVersion", "kind", "metadata")
#: kpt's record of an object's list indentation (kyaml's ``compact`` or ``wide``), honoured for new lists.
SEQ_INDENT_ANNOTATION = "internal.config.kubernetes.io/seqindent"


class LazyObject(Mapping[str, Any]):
    """An item known by its head until something asks for more; then constructed from its composed node.

    Loaded in full, it is made of :mod:`~krm_fn.sdk.sourced` values, so a changed copy can be written back as
    an edit of the source text (:meth:`written`). The few items the fast constructor does not take (plain
    scalars that YAML 1.1 and 1.2 read differently) are loaded with ruamel.yaml from their own text instead.
    """

    __slots__ = ("_full", "_head", "column", "end", "node", "text")

    def __init__(self, head: dict[str, Any], text: str, node: Any, end: int) -> None:
        self._head = head
        self.text = text  # the whole input, which the node's marks index
        self.node = node
        self.column: int = node.start_mark.column
        self.end = end  # the end of the line the item's content ends on
        self._full: Any = None

    @property
    def start(self) -> int:
        """Where the item's text begins (its first key, after any ``- ``)."""
        start: int = self.node.start_mark.index
        return start

    def own_text(self) -> str:
        """The item's text on its own, dedented to column 0."""
        return _own_text(self.text, self.node, self.end)

    def load(self) -> Any:
        """The whole item (a fresh load: it is the caller's to change)."""
        try:
            return sourced.construct(self.node)
        except sourced.Unsupported:
            return yamlio.load_all(self.own_text())[0]

    def _loaded(self) -> Any:
        if self._full is None:
            self._full = self.load()
        return self._full

    def __getitem__(self, key: str) -> Any:
        if key in _HEAD_KEYS and key in self._head and self._full is None:
            return self._head[key]
        return self._loaded()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())

    def __contains__(self, key: object) -> bool:
        if key in _HEAD_KEYS and self._full is None:
            return key in self._head
        return key in self._loaded()

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        """A new, independent object: constructing from the node again is cheaper than copying."""
        return self.load() if self._full is None else copy.deepcopy(self._full, memo)

    def written(self, new: Any) -> str:
        """``new`` (a changed copy of this item) as the text of this item's span: first line unindented.

        A copy made of sourced values is written as an edit of the source (:mod:`~krm_fn.sdk.textedit`);
        anything else is dumped with ruamel.yaml. Raises :class:`Unfit` when neither gives ``new`` back.
        """
        seq_indent = _seq_indent(self._head, self.text[self.start : self.end])
        if isinstance(new, sourced.SourcedDict) and new.node is self.node:
            try:
                return textedit.render(new, self.text, column=self.column, seq_indent=seq_indent)
            except textedit.Unfit as err:
                raise Unfit(str(err)) from None
        if isinstance(new, sourced.SourcedDict | sourced.SourcedList):
            raise Unfit("a copy of another object")
        return _indented(new, seq_indent, self.column)


class Unfit(Exception):
    """The input, or a change to it, is not of the common shape: use the plain path."""


def _seq_indent(head: Mapping[str, Any], text: str) -> yamlio.SeqIndent:
    """The ``seqindent`` annotation kpt sets when it is set, else the list indentation the item's text uses."""
    notes = head.get("metadata", {}).get("annotations") or {}
    found = notes.get(SEQ_INDENT_ANNOTATION) if isinstance(notes, Mapping) else None
    return found if found in ("compact", "wide") else yamlio.detect_seq_indent(text)


@dataclass
class SplicedList:
    """The input text and the ResourceList whose items are :class:`LazyObject`s."""

    text: str
    originals: list[LazyObject]
    resource_list: ResourceList

    def render(self, items: list[Any], results: Results) -> str:
        """The input text with replaced items written in place, and the results appended.

        Raises :class:`Unfit` when a replaced item cannot be written that way (the caller takes the plain path).
        """
        if len(items) != len(self.originals):
            raise Unfit("the processor added or removed items")
        out, position = [], 0
        for original, item in zip(self.originals, items, strict=True):
            if item is original:
                continue
            out += [self.text[position : original.start], original.written(item)]
            position = original.end
        out.append(self.text[position:])
        text = "".join(out)
        if results:
            text = text if text.endswith("\n") else text + "\n"
            text += textedit.dump({"results": [r.to_dict() for r in results]})
        return text


def parse(text: str) -> SplicedList | None:
    """The spliced form of a ResourceList, or None when the input is not of the common shape."""
    try:
        fields = _top_level(text)
        items_node = fields.get("items")
        if not isinstance(items_node, pyyaml.SequenceNode) or items_node.flow_style or not items_node.value:
            raise Unfit
        found = [_item(text, node) for node in items_node.value]
        config = _function_config(text, fields.get("functionConfig"))
    except Unfit:
        return None
    rl = ResourceList(items=list(found), function_config=config, api_version=_scalar(fields["apiVersion"]) or "")
    return SplicedList(text, found, rl)


def _top_level(text: str) -> dict[str, Any]:
    """The ResourceList's top-level fields as composed nodes; raises :class:`Unfit` for an uncommon shape."""
    root = _compose_mapping(text)
    fields = {k.value: v for k, v in root.value if isinstance(k, pyyaml.ScalarNode)}
    if "results" in fields or _scalar(fields.get("kind")) != resourcelist.KIND:
        raise Unfit
    if _scalar(fields.get("apiVersion")) not in resourcelist.API_VERSIONS:
        raise Unfit
    return fields


def _scalar(node: Any) -> str | None:
    return node.value if isinstance(node, pyyaml.ScalarNode) else None


def lazy_document(text: str) -> LazyObject | None:
    """One plain YAML document as a :class:`LazyObject`, or None when it is not of the common shape.

    The common shape: a block mapping with apiVersion, kind and metadata.name; no anchors, tags, tabs or CRs.
    """
    try:
        return _item(text, _compose_mapping(text))
    except Unfit:
        return None


def _compose_mapping(text: str) -> Any:
    """``text`` composed by libyaml's C composer: a block mapping of the common shape, or :class:`Unfit`."""
    if "\r" in text or "\t" in text:
        raise Unfit
    try:
        node = sourced.compose(text)
    except (pyyaml.YAMLError, RecursionError, ValueError):
        raise Unfit from None
    if not isinstance(node, pyyaml.MappingNode) or node.flow_style:
        raise Unfit
    maybe_special = "&" in text or "*" in text or "!" in text or "<<" in text
    _check_nodes(node, text, [m.end() - 1 for m in _SPECIAL.finditer(text)] if maybe_special else [])
    return node


def _head(node: Any, own_text: Callable[[], str]) -> dict[str, Any]:
    """apiVersion, kind and metadata of a composed object; raises :class:`Unfit` when one is missing.

    Metadata with a plain scalar YAML 1.1 and 1.2 read differently (``labels: {beta: yes}``) is read from the
    item's own text with ruamel.yaml, as the plain path reads it, so that one item does not send the whole list
    down the plain path.
    """
    fields = {k.value: v for k, v in node.value if isinstance(k, pyyaml.ScalarNode)}
    api_version, kind = _scalar(fields.get("apiVersion")), _scalar(fields.get("kind"))
    metadata = fields.get("metadata")
    if not isinstance(metadata, pyyaml.MappingNode):
        raise Unfit
    try:
        head = {"apiVersion": api_version, "kind": kind, "metadata": sourced.construct(metadata)}
    except sourced.Unsupported:
        try:
            head = {"apiVersion": api_version, "kind": kind, "metadata": yamlio.load_all(own_text())[0]["metadata"]}
        except InputError:
            raise Unfit from None
    try:  # the plain path's rule, so that both paths accept the same objects
        resourcelist.check_object(head, where="item")
    except InputError:
        raise Unfit from None
    return head


def _item(text: str, node: Any) -> LazyObject:
    """A composed object as a :class:`LazyObject`; raises :class:`Unfit` when it is not of the common shape."""
    if not isinstance(node, pyyaml.MappingNode) or node.flow_style:
        raise Unfit
    end = textedit.entry_end(text, node)
    return LazyObject(_head(node, functools.partial(_own_text, text, node, end)), text, node, end)


def _own_text(text: str, node: Any, end: int) -> str:
    """An item's text on its own, dedented to column 0 (``end`` is where its span ends)."""
    return textedit.dedent(text[node.start_mark.index : end], node.start_mark.column)


def _function_config(text: str, node: Any) -> Mapping[str, Any] | None:
    """The functionConfig, round-trip loaded from its own text, as the plain path reads it."""
    if node is None:
        return None
    if not isinstance(node, pyyaml.MappingNode):
        raise Unfit
    if node.flow_style:
        loaded = yamlio.load_all(text[node.start_mark.index : node.end_mark.index])
    else:
        end = textedit.entry_end(text, node)
        loaded = yamlio.load_all(textedit.dedent(text[node.start_mark.index : end], node.start_mark.column))
    if not loaded or not isinstance(loaded[0], Mapping):
        raise Unfit
    config: Mapping[str, Any] = loaded[0]
    return config


def _indented(item: Any, seq_indent: yamlio.SeqIndent, column: int) -> str:
    """``item`` dumped with ruamel.yaml in the given list indentation, indented to the item's column."""
    dumped = yamlio.dump(item, seq_indent=seq_indent).rstrip("\n")
    pad = " " * column
    lines = dumped.split("\n")
    return "\n".join([lines[0], *(pad + line if line else line for line in lines[1:])]) + "\n"


def _check_nodes(root: Any, text: str, specials: list[int]) -> None:
    """Too deep, a duplicate key, or an anchor, alias, tag or merge key: the plain path takes it.

    ``specials`` are where :data:`_SPECIAL` matched; one inside a string (``schedule: "0 3 * * *"``) is text,
    anything else is what it looks like. The plain path refuses bad input with the precise reason.
    """
    stack = [(root, 1)]
    strings: list[tuple[int, int]] = []
    while stack:
        node, depth = stack.pop()
        if depth > yamlio.MAX_DEPTH:
            raise Unfit
        if specials and text[node.start_mark.index : node.start_mark.index + 1] in ("&", "!", "*"):
            raise Unfit  # a node's marks begin at its anchor or tag
        if isinstance(node, pyyaml.MappingNode):
            keys = [k.value for k, _ in node.value if isinstance(k, pyyaml.ScalarNode)]
            if len(keys) != len(set(keys)):
                raise Unfit
            stack.extend((v, depth + 1) for _, v in node.value)
            if specials:
                stack.extend((k, depth + 1) for k, _ in node.value)
        elif isinstance(node, pyyaml.SequenceNode):
            stack.extend((v, depth + 1) for v in node.value)
        elif specials and (node.style or node.value != "<<"):
            strings.append((node.start_mark.index, node.end_mark.index))
    strings.sort()
    starts = [start for start, _ in strings]
    for index in specials:
        found = bisect.bisect_right(starts, index) - 1
        if found < 0 or not strings[found][0] <= index < strings[found][1]:
            raise Unfit
