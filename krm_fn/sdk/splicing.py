"""A ResourceList read for splicing: every item keeps its exact bytes unless the processor replaces it.

libyaml's C composer finds each item's byte span; an item is known by its *head* (apiVersion, kind, metadata)
until something asks for more, and only then is it constructed from its nodes (:mod:`~krm_fn.sdk.sourced`).
On output, the items the processor did not replace are the input's bytes, comments and all, on every path and
on exit 1; a replaced item is written by the first writer whose text reads back as the new object
(:meth:`LazyObject.written`): an edit of its own text (:mod:`~krm_fn.sdk.textedit`), else the plain emitter.

What is odd about one item decides how that item alone is read and written: an item with an anchor, alias, tag
or merge key is read with ruamel.yaml (which expands them) and, if replaced, written anew without its comments
(a warning says so); tabs, CR LF line breaks and flow style need nothing special. Non-string keys and recursive
aliases are refused (:class:`InputError`), naming the item. :func:`parse` returns None only for a ResourceList
of an uncommon shape at the top (``items`` in flow style, ``results`` already there, an anchor outside the
items, input libyaml cannot read), or for bad input; the caller then uses the plain round trip
(:mod:`krm_fn.sdk.resourcelist`), which also gives the precise errors for bad input.
"""

from __future__ import annotations

import bisect
import copy
import functools
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

import yaml as pyyaml

from krm_fn.sdk import objects, resourcelist, sourced, textedit, yamlio
from krm_fn.sdk.errors import InputError
from krm_fn.sdk.resourcelist import ResourceList
from krm_fn.sdk.results import Result, Results

#: A token that starts an anchor, alias, tag (the non-specific ``!`` too) or merge key: an item with one is odd
#: (ruamel.yaml expands them; libyaml's composer reads ``! 0400`` as a plain ``0400``).
_SPECIAL = re.compile(
    r"(?:^|[\s\[{,])(?:[&*!][^\s,\]}]|<<\s*:)|(?:^|[:?-][ \t]+|[\[{,][ \t]*)!(?=[\s,\]}])", re.MULTILINE
)
_HEAD_KEYS = ("apiVersion", "kind", "metadata")
#: kpt's record of an object's list indentation (kyaml's ``compact`` or ``wide``), honoured for new lists.
SEQ_INDENT_ANNOTATION = "internal.config.kubernetes.io/seqindent"


class LazyObject(Mapping[str, Any]):
    """An item known by its head until something asks for more; then constructed from its composed node.

    Loaded in full, it is made of :mod:`~krm_fn.sdk.sourced` values, so a changed copy can be written back as
    an edit of the source text (:meth:`written`). An *odd* item (an anchor, alias, tag or merge key in it) is
    loaded with ruamel.yaml from its own text instead, which expands them; what is odd about one item decides
    how that item alone is read and written.
    """

    __slots__ = ("_full", "_head", "column", "end", "node", "odd", "shared", "text")

    def __init__(self, head: dict[str, Any], text: str, node: Any, end: int, *, odd: bool = False) -> None:
        self._head = head
        self.text = text  # the whole input, which the node's marks index
        self.node = node
        self.column: int = node.start_mark.column
        self.end = end  # the end of the line the item's content ends on
        self.odd = odd
        self.shared: Callable[[], Any] | None = None  # the item, read with the whole document (aliases between items)
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
        if not self.odd:
            try:
                return sourced.construct(self.node)
            except sourced.Unsupported:
                pass
        try:
            return yamlio.load_all(self.own_text())[0]
        except InputError as err:
            if self.shared is None:  # its own text starts at its first key: the line is moved to ``text``'s
                raise err.at(self.node.start_mark.line + 1) from None
            return copy.deepcopy(self.shared())  # an alias to an anchor in another item: read with the whole input

    def preload(self) -> None:
        """Read an odd item now, so that its bounds (an alias bomb) are checked before anything is written."""
        self._full = self.load()
        if not self._head:
            self._head = {key: self._full[key] for key in _HEAD_KEYS if key in self._full}
            try:
                resourcelist.check_object(self._head, where="item")
            except InputError:
                raise Unfit from None

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

    def written(self, new: Any) -> Written:
        """``new`` (a changed copy of this item) as the text of this item's span: first line unindented.

        Writers are tried in turn, each read back (:func:`krm_fn.sdk.textedit.check`) before it is used: an
        edit of the source text (:mod:`~krm_fn.sdk.textedit`), for a copy made of this item's sourced values;
        then the plain emitter (:func:`krm_fn.sdk.textedit.dump`), which keeps the data but not the comments.
        Raises :class:`WriteError` when neither reads back as ``new`` (a bug: nothing is emitted then).
        """
        seq_indent = _seq_indent(self._head, self.text[self.start : self.end])
        crlf = "\r\n" in self.text[self.start : self.end]
        if isinstance(new, sourced.SourcedDict) and new.node is self.node:
            try:
                text = textedit.render(new, self.text, column=self.column, seq_indent=seq_indent)
                return Written(_checked(_crlf(text), self.column, new) if crlf else text, "")
            except textedit.Unfit as err:
                reason = str(err)
        else:
            reason = "it was read by ruamel.yaml (anchors, aliases or tags expanded)"
        try:
            text = textedit.dump(new, seq_indent=seq_indent, column=self.column)
            text = _checked(_crlf(text) if crlf else text, self.column, new)
        except textedit.Unfit as err:
            raise WriteError(f"{err} ({reason})") from None
        return Written(text, reason if _COMMENT.search(self.text, self.start, self.end) else "")


class Written(NamedTuple):
    """An item's new text, and why its comments were dropped (``""``: they were kept, or it had none)."""

    text: str
    comments_dropped: str


class WriteError(Exception):
    """No writer gave text that reads back as the new object: nothing may be emitted."""


#: A comment: ``#`` at the start of a line or after a space (in a string too, which only costs a needless warning).
_COMMENT = re.compile(r"(?:^|[ \t])#", re.MULTILINE)


def _crlf(text: str) -> str:
    """Line breaks as CR LF, for an item written with them."""
    return re.sub(r"(?<!\r)\n", "\r\n", text)


def _checked(text: str, column: int, new: Any) -> str:
    textedit.check(text, column, new)
    return text


class Unfit(Exception):
    """The input, or a change to it, is not of the common shape: use the plain path."""


def _seq_indent(head: Mapping[str, Any], text: str) -> yamlio.SeqIndent:
    """The ``seqindent`` annotation kpt sets when it is set, else the list indentation the item's text uses."""
    notes = head.get("metadata", {}).get("annotations") or {}
    found = notes.get(SEQ_INDENT_ANNOTATION) if isinstance(notes, Mapping) else None
    return found if found in ("compact", "wide") else yamlio.detect_seq_indent(text)


class SplicedList(NamedTuple):
    """The input text and the ResourceList whose items are :class:`LazyObject`s."""

    text: str
    originals: list[LazyObject]
    resource_list: ResourceList

    def render(self, items: list[Any], results: Results, added: Mapping[int, list[Any]] | None = None) -> str:
        """The input text with replaced items written in place, new ones after theirs, and the results appended.

        ``added`` maps the index of an input item to the new items that follow it (:attr:`ResourceList.added`).
        An item whose comments had to be dropped gets a warning result saying so. Raises :class:`Unfit` when
        the processor removed items, and :class:`WriteError` when an item cannot be written at all.
        """
        if len(items) != len(self.originals):
            raise Unfit("the processor removed items or added them to items (new ones go in added)")
        out, position = [], 0
        for index, (original, item) in enumerate(zip(self.originals, items, strict=True)):
            new = (added or {}).get(index)
            if item is original and not new:
                continue
            out.append(self.text[position : original.start])
            if item is original:
                out.append(self.text[original.start : original.end])
            else:
                written = original.written(item)
                if written.comments_dropped:
                    results.append(comments_dropped(item, written.comments_dropped))
                out.append(written.text)
            position = original.end
            if new:
                out.append(_new_items(new, self.text, original))
        out.append(self.text[position:])
        text = "".join(out)
        if results:
            text = text if text.endswith("\n") else text + "\n"
            text += textedit.dump({"results": [r.to_dict() for r in results]})
        return text


def _new_items(new: list[Any], text: str, after: LazyObject) -> str:
    """New list items written after ``after``, at its column and with its dash, each read back before use."""
    dash_column = _dash_column(text, after.start)
    prefix = " " * dash_column + "-" + " " * (after.column - dash_column - 1)
    crlf = "\r\n" in text[after.start : after.end]
    out = []
    for obj in new:
        try:
            written = _checked(textedit.dump(obj, column=after.column), after.column, obj)
        except textedit.Unfit as err:
            raise WriteError(str(err)) from None
        out.append(prefix + (_crlf(written) if crlf else written))
    end = "" if text[: after.end].endswith("\n") else ("\r\n" if crlf else "\n")
    return end + "".join(out)


def _dash_column(text: str, start: int) -> int:
    """The column of the ``-`` that introduces the list item whose text begins at ``start``.

    On the item's first line, or alone (maybe with a comment after it) on a line above; :class:`Unfit` otherwise.
    """
    end = start
    while True:
        line_start = text.rfind("\n", 0, end) + 1
        before = text[line_start:end]
        stripped = before.lstrip(" ")
        if stripped.startswith("-") and stripped[1:].strip(" \r")[:1] in ("", "#"):
            return len(before) - len(stripped)
        if line_start == 0 or (stripped.strip() and not stripped.startswith("#")):
            raise Unfit("a list item without its dash")
        end = line_start - 1  # the line above, without its line break


def comments_dropped(item: Mapping[str, Any], reason: str) -> Result:
    """The warning for an object written anew, without its comments, because its text could not be edited."""
    return Result(
        f"the comments of this object were dropped: it was written anew because {reason}",
        "warning",
        objects.resource_ref(item),
        file=objects.file_ref(item),
    )


def parse(text: str) -> SplicedList | None:
    """The spliced form of a ResourceList, or None when the input is not of the common shape.

    Raises :class:`InputError` for what no path may accept: a recursive alias, a key that is not a string.
    """
    try:
        fields = _top_level(text)
        items_node = fields.get("items")
        if not isinstance(items_node, pyyaml.SequenceNode) or items_node.flow_style or not items_node.value:
            raise Unfit
        specials = _specials(text)
        found = [
            _item(text, node, specials, where=f"ResourceList.items[{number}]", depth=3)
            for number, node in enumerate(items_node.value)
        ]
        config = _function_config(text, fields.get("functionConfig"))
        whole: list[Any] = []

        def shared(number: int) -> Any:
            if not whole:
                whole.append(resourcelist.parse(text).items)
            return whole[0][number]

        for number, item in enumerate(found):
            if item.odd:
                item.shared = functools.partial(shared, number)
                item.preload()
    except Unfit:
        return None
    rl = ResourceList(items=list(found), function_config=config, api_version=_scalar(fields["apiVersion"]) or "")
    return SplicedList(text, found, rl)


def _top_level(text: str) -> dict[str, Any]:
    """The ResourceList's top-level fields as composed nodes; raises :class:`Unfit` for an uncommon shape."""
    root = _compose(text)
    if not isinstance(root, pyyaml.MappingNode) or root.flow_style:
        raise Unfit
    fields = {k.value: v for k, v in root.value if isinstance(k, pyyaml.ScalarNode)}
    if "results" in fields or _scalar(fields.get("kind")) != resourcelist.KIND:
        raise Unfit
    if _scalar(fields.get("apiVersion")) not in resourcelist.API_VERSIONS:
        raise Unfit
    specials = _specials(text)
    own_readers = [fields[name] for name in ("items", "functionConfig") if name in fields]
    for node in own_readers:  # an odd item decides only about itself; the functionConfig is read on its own
        start, end = node.start_mark.index, textedit.entry_end(text, node)
        specials = [i for i in specials if not start <= i < end]
    for key, value in root.value:
        if all(value is not node for node in own_readers) and (
            _scan(key, text, specials, 1)[0] or _scan(value, text, specials, 2)[0]
        ):
            raise Unfit
    return fields


def without_results(text: str) -> str:
    """The ResourceList's text without the ``results`` a previous function left at its top level.

    Each function reports its own results (kpt collects every function's apart), and what a previous one
    reported must not send the items down another path: cutting the entry keeps every item's bytes. The entry
    runs from its ``results:`` line to the next line that starts another top-level key (no value of a top-level
    key has a line in column 0 but the dashes of a block list).
    """
    found = _RESULTS.search(text)
    if found is None:
        return text
    after = _TOP_LEVEL_LINE.search(text, found.end())
    return text[: found.start()] + (text[after.start() :] if after else "")


def parse_without_results(text: str) -> tuple[str, SplicedList | None]:
    """:func:`parse` of the text :func:`without_results` leaves, and that text.

    A quoted scalar (or a flow collection) may go on at column 0, where libyaml and go-yaml read it all the
    same: a line of it that starts with ``results:`` is no top-level key, and cutting there breaks the input.
    When the cut text is not YAML, the whole text is read instead (by the plain path: the second value is None).
    """
    cut = without_results(text)
    try:
        return cut, parse(cut)
    except InputError:
        if cut == text:
            raise
        return text, None


_RESULTS = re.compile(r"^results:(?=[ \t\r\n])", re.MULTILINE)
_TOP_LEVEL_LINE = re.compile(r"^[^\s#-]", re.MULTILINE)


def _scalar(node: Any) -> str | None:
    return node.value if isinstance(node, pyyaml.ScalarNode) else None


def lazy_document(text: str) -> LazyObject | None:
    """One plain YAML document as a :class:`LazyObject`, or None when it is not a Kubernetes object.

    Raises :class:`InputError` for what no path may accept: a recursive alias, a key that is not a string.
    """
    try:
        item = _item(text, _compose(text), _specials(text), where="document", depth=1)
    except Unfit:
        return None
    try:
        if item.odd:
            item.preload()
    except Unfit:
        return None
    return item


def _compose(text: str) -> Any:
    """``text`` composed by libyaml's C composer.

    libyaml is the parser go-yaml (Kubernetes' reader) was ported from: what it refuses, Kubernetes refuses, so
    its error is the one to report (:class:`InputError`, naming the line), not another parser's.
    """
    try:
        root = sourced.compose(text)
    except pyyaml.MarkedYAMLError as err:
        if "another document" in str(err.problem):  # more than one document: the caller says what it expected
            raise Unfit from None
        mark = err.problem_mark or err.context_mark
        what = err.problem or err.context or "a syntax error"
        column = f" (column {mark.column + 1})" if mark is not None else ""
        raise InputError(f"input is not valid YAML: {what}{column}", line=mark.line + 1 if mark else None) from None
    except RecursionError:
        raise InputError(f"input nests deeper than {yamlio.MAX_DEPTH} levels") from None
    except (pyyaml.YAMLError, ValueError):
        raise Unfit from None
    return root


def _specials(text: str) -> list[int]:
    """Where an anchor, alias, tag or merge key may begin (:data:`_SPECIAL`), in order."""
    maybe_special = "&" in text or "*" in text or "!" in text or "<<" in text
    return [m.end() - 1 for m in _SPECIAL.finditer(text)] if maybe_special else []


def _head(node: Any) -> dict[str, Any]:
    """apiVersion, kind and metadata of a composed object; raises :class:`Unfit` when one is missing."""
    fields = {k.value: v for k, v in node.value if isinstance(k, pyyaml.ScalarNode)}
    api_version, kind = _scalar(fields.get("apiVersion")), _scalar(fields.get("kind"))
    metadata = fields.get("metadata")
    if not isinstance(metadata, pyyaml.MappingNode):
        raise Unfit
    try:
        head = {"apiVersion": api_version, "kind": kind, "metadata": sourced.construct(metadata)}
    except sourced.Unsupported:
        raise Unfit from None
    try:  # the plain path's rule, so that both paths accept the same objects
        resourcelist.check_object(head, where="item")
    except InputError:
        raise Unfit from None
    return head


def _item(text: str, node: Any, specials: list[int], *, where: str, depth: int) -> LazyObject:
    """A composed object as a :class:`LazyObject`; raises :class:`Unfit` when it is not of the common shape.

    Refuses (:class:`InputError`) a recursive alias and a key that is not a string, naming the object.
    """
    if not isinstance(node, pyyaml.MappingNode):
        raise Unfit
    end = textedit.entry_end(text, node)
    start = node.start_mark.index
    low, high = bisect.bisect_left(specials, start), bisect.bisect_left(specials, end)
    odd, string_keys = _scan(node, text, specials[low:high], depth)
    if odd and sourced.recursive(node):
        raise InputError(f"{where} ({_describe(node)}) has a recursive YAML alias (a node that contains itself)")
    bad_key = None if string_keys else _non_string_key(node)
    if bad_key is not None:
        path, shown, line = bad_key
        raise InputError(
            f"{where} ({_describe(node)}): the key {shown} at {path or 'the top level'} is not a "
            "string Kubernetes accepts: Kubernetes objects have string keys (quote it)",
            line=line,
        )
    try:
        head = _head(node)
    except Unfit:
        if odd:  # metadata with an alias, say: the head comes from the object as ruamel.yaml reads it
            head = {}
        else:
            raise
    return LazyObject(head, text, node, end, odd=odd)


def _describe(node: Any) -> str:
    fields = {k.value: v for k, v in node.value if isinstance(k, pyyaml.ScalarNode)}
    metadata = fields.get("metadata")
    names = {k.value: v for k, v in metadata.value} if isinstance(metadata, pyyaml.MappingNode) else {}
    return f"{_scalar(fields.get('kind')) or '?'} {_scalar(names.get('name')) or '<unnamed>'}"


def _is_string_key(key: Any) -> bool:
    """Whether a key node reads, as Kubernetes reads it, as a string (``1`` does: ``"1"``; ``~`` and ``[a]`` not)."""
    try:
        return sourced.key_of(key) is not None
    except InputError:
        return False


def _non_string_key(node: Any) -> tuple[str, str, int] | None:
    """The path, text and line of the first key under ``node`` that is not a string, or None."""
    stack: list[tuple[Any, str]] = [(node, "")]
    seen: set[int] = set()
    while stack:
        current, path = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, pyyaml.MappingNode):
            for key, _ in reversed(current.value):
                if not _is_string_key(key):
                    shown = key.value if isinstance(key, pyyaml.ScalarNode) else "(a collection)"
                    return path, shown, key.start_mark.line + 1
            stack.extend((v, objects.join_path(path, k.value)) for k, v in reversed(current.value))
        elif isinstance(current, pyyaml.SequenceNode):
            stack.extend((v, f"{path}[{i}]") for i, v in reversed(list(enumerate(current.value))))
    return None


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


def _scan(root: Any, text: str, specials: list[int], depth: int) -> tuple[bool, bool]:
    """Whether ``root`` holds an anchor, alias, tag or merge key, and whether all its keys are strings.

    :class:`Unfit` when it nests too deep or a key repeats.

    ``specials`` are where :data:`_SPECIAL` matched; one inside a string (``schedule: "0 3 * * *"``) is text,
    anything else is what it looks like. The plain path refuses bad input with the precise reason.
    """
    stack = [(root, depth)]
    strings: list[tuple[int, int]] = []
    seen: set[int] = set()
    special, string_keys = False, True
    while stack:
        node, level = stack.pop()
        if level > yamlio.MAX_DEPTH:
            raise Unfit
        if specials:
            if id(node) in seen:  # an alias: this node was reached before
                special = True
                continue
            seen.add(id(node))
            if text[node.start_mark.index : node.start_mark.index + 1] in ("&", "!", "*"):
                special = True  # a node's marks begin at its anchor or tag
        if isinstance(node, pyyaml.MappingNode):
            string_keys = _unique_keys(node) and string_keys
            stack.extend((v, level + 1) for _, v in node.value)
            if specials:
                stack.extend((k, level + 1) for k, _ in node.value)
        elif isinstance(node, pyyaml.SequenceNode):
            stack.extend((v, level + 1) for v in node.value)
        else:
            if (
                not node.style
                and node.value[-3:] in _NOT_FINITE_ENDS
                and "!" not in text[node.start_mark.index : node.end_mark.index]  # a tag: ruamel.yaml reads it
            ):
                sourced.scalar(node)  # .inf or .nan as a plain value: refused, as Kubernetes refuses it
            if specials and (node.style or node.value != "<<"):
                strings.append((node.start_mark.index, node.end_mark.index))
    return special or _outside(specials, strings), string_keys


#: How a plain ``.inf`` or ``.nan`` ends: only such a scalar is read to be refused while an item is scanned.
_NOT_FINITE_ENDS = frozenset(("inf", "Inf", "INF", "nan", "NaN", "NAN"))


def _unique_keys(node: Any) -> bool:
    """Whether every key of a mapping node reads as a string (as Kubernetes reads keys).

    :class:`Unfit` when a key repeats (two that read alike, ``y`` and ``true``, included).
    """
    keys, strings = [], True
    for key, _ in node.value:
        if key.__class__ is not pyyaml.ScalarNode or not _is_string_key(key):
            strings = False
            continue
        keys.append(sourced.key_of(key))
    if len(keys) != len(set(keys)):
        raise Unfit
    return strings


def _outside(specials: list[int], strings: list[tuple[int, int]]) -> bool:
    """Whether any of ``specials`` lies outside every one of the ``strings`` (start, end) spans."""
    strings.sort()
    starts = [start for start, _ in strings]
    for index in specials:
        found = bisect.bisect_right(starts, index) - 1
        if found < 0 or not strings[found][0] <= index < strings[found][1]:
            return True
    return False
