"""Write a changed object as an edit of its source text: what did not change keeps its bytes, comments and style.

The object is made of :class:`~krm_fn.sdk.sourced.SourcedDict` and ``SourcedList`` values (each remembers the
composed node it came from, with byte marks into ``text``), plain values the processor added, and scalars. The
writer walks the new value. A value equal to its source is copied as its source text (re-indented when it now
sits at another column, say a container moved from ``containers`` to ``initContainers``); a changed block
mapping or sequence is rebuilt entry by entry around its unchanged entries; anything new is written in block
style in the document's own list indentation. Comment lines directly above an entry or a list item travel with
it, and a comment at the end of a line stays with that line's entry.

:func:`render` reads its result back and raises :class:`Unfit` unless that gives exactly the new object, as
Kubernetes reads it (:func:`check`), and also for what it does not edit (a list item whose dash it cannot find);
the caller then writes the object another way (:func:`dump`, the plain emitter). A mistake here costs style,
never a changed meaning. A scalar that did not change keeps its text (``defaultMode: 0400`` stays ``0400``, which
Kubernetes reads as octal 256); one written anew is written by :func:`~krm_fn.sdk.scalars.format_scalar`, in a
form every reader reads as the same value.
"""

from __future__ import annotations

from typing import Any, Literal

import yaml as pyyaml

from krm_fn.sdk import scalars, yamlio
from krm_fn.sdk.errors import InputError
from krm_fn.sdk.sourced import SourcedDict, SourcedList, compose, key_of, matches

SeqIndent = Literal["compact", "wide"]


#: A changed flow collection stays in flow style while its line fits in this many columns; a longer one (say
#: ``args`` grown from one word to twelve) reads better in block style.
FLOW_WIDTH = 100


class Unfit(Exception):
    """The change is not one this writer makes as a text edit."""


def render(value: Any, text: str, *, column: int, seq_indent: SeqIndent = "compact") -> str:
    """``value`` (a mapping constructed from ``text``) as text whose first line starts at ``column``.

    The first line carries no indentation (it follows ``- `` or the start of a document); every other line is
    indented for ``column``. The result ends with a line break, and has been read back (:func:`check`).
    """
    writer = _Writer(text, seq_indent, root=getattr(value, "node", None))
    written = writer.mapping(value, column, inline=True)
    check(written, column, value)
    return written


def check(written: str, column: int, value: Any) -> None:
    """Read ``written`` back; :class:`Unfit` unless it holds exactly ``value``, as Kubernetes reads it.

    This is what makes a writer safe: whatever it got wrong costs style (the next writer is used), never data.
    """
    try:
        node = compose(dedent(written, column))
    except (pyyaml.YAMLError, RecursionError) as err:
        raise Unfit(f"the written text does not read back: {' '.join(str(err).split())}") from None
    if not matches(value, node):  # types, values and keys, as Kubernetes reads them
        raise Unfit("the written text does not read back as the new object")


def dedent(text: str, column: int) -> str:
    """Text whose first line starts at ``column`` (after ``- ``), with every other line moved left by ``column``."""
    lines = text.split("\n")
    return "\n".join([lines[0], *(line[min(column, len(line) - len(line.lstrip(" "))) :] for line in lines[1:])])


def dump(value: Any, *, seq_indent: SeqIndent = "compact", column: int = 0) -> str:
    """A mapping of plain data written anew, as :func:`render` writes new values: the plain emitter.

    Every scalar goes through :func:`~krm_fn.sdk.scalars.format_scalar`, which writes it so that every reader
    (Kubernetes', kyaml's, PyYAML's, ruamel.yaml's) reads it back as itself; nothing of any source text is used,
    so comments are not kept.
    Lines after the first are indented for ``column``, as with :func:`render`.
    """
    return _Writer("", seq_indent).mapping(yamlio.to_plain(value), column, inline=True)


def entry_end(text: str, node: Any) -> int:
    """The end of the line on which ``node``'s own text ends (comment lines after it are not its own)."""
    return _Writer(text, "compact").entry_end(node)


def _is_block(node: Any, kind: type) -> bool:
    return isinstance(node, kind) and not getattr(node, "flow_style", False)


class _Writer:
    """One render: the source text, the list indentation for new lists, and what is known about the nodes."""

    def __init__(self, text: str, seq_indent: SeqIndent, *, root: Any = None) -> None:
        self.text = text
        self.wide = seq_indent == "wide"
        self.lead: dict[int, int] = {}  # id(key node or item node) -> where the lines above it begin
        self.ends: dict[int, int] = {}  # id(node) -> where its own text ends, for the nodes indexed so far
        self.root = root  # the node of the whole object, where quoted strings and the indentation step are found
        self._quoted: dict[str, str] | None = None
        self._step: int | None = None

    # -- the source text -------------------------------------------------------------------------------------------

    def line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def line_end(self, index: int) -> int:
        found = self.text.find("\n", index)
        return len(self.text) if found < 0 else found + 1

    def content_end(self, node: Any) -> int:
        """Where a node's own text ends (a block collection's end mark lies past the comments after it)."""
        known = self.ends.get(id(node))
        if known is not None:
            return known
        block_end = None
        while not getattr(node, "flow_style", True) and node.value:
            block_end = node.end_mark.index if block_end is None else block_end
            node = node.value[-1][1] if isinstance(node, pyyaml.MappingNode) else node.value[-1]
        end: int = node.end_mark.index
        if block_end is not None:  # the last value may be an alias, whose marks are those of its anchor's node
            end = max(end, self._last_content(block_end))
        return end

    def _last_content(self, index: int) -> int:
        """The end of the last line before ``index`` that holds more than a comment or blanks."""
        while index > 0:
            start = self.line_start(index - 1)
            line = self.text[start:index].strip(" \t\r\n")
            if line and not line.startswith("#"):
                return start + len(self.text[start:index].rstrip(" \t\r\n"))
            index = start
        return 0

    def entry_end(self, node: Any) -> int:
        """The end of the line a node ends on: a comment after it on that line is its own."""
        return self._through_line(self.content_end(node))

    def _through_line(self, end: int) -> int:
        return end if end > 0 and self.text[end - 1] == "\n" else self.line_end(end)

    def index(self, node: Any, region: int) -> None:
        """Note where the lines above each entry and item of ``node`` begin; ``region`` is where ``node``'s begin."""
        if id(node) not in self.ends:
            self._walk(node, region)

    def _walk(self, node: Any, region: int) -> int:
        """:meth:`index` for ``node`` and everything under it, in one pass; returns where ``node``'s text ends."""
        end: int = node.end_mark.index
        if _is_block(node, pyyaml.MappingNode):
            for key, value in node.value:
                self.lead[id(key)] = region
                nested = _is_block(value, pyyaml.CollectionNode) and value.value
                end = self._walk(value, self.line_end(key.end_mark.index)) if nested else value.end_mark.index
                region = self._through_line(end)
        elif _is_block(node, pyyaml.SequenceNode):
            for item in node.value:
                self.lead[id(item)] = region
                nested = _is_block(item, pyyaml.CollectionNode) and item.value
                end = self._walk(item, self.line_start(item.start_mark.index)) if nested else item.end_mark.index
                region = self._through_line(end)
        self.ends[id(node)] = end
        return end

    def leading(self, node: Any, column: int, *, at: int | None = None) -> str:
        """The comment and blank lines just above ``node``'s line (or the line of ``at``), re-indented to ``column``."""
        start = self.lead.get(id(node))
        end = self.line_start(node.start_mark.index if at is None else at)
        if start is None or end <= start:
            return ""
        line = self.text[end : self.line_end(end)]
        return _shift(self.text[start:end], column - (len(line) - len(line.lstrip(" "))), first=True)

    def step(self) -> int:
        """How far the source indents a mapping under its key (2 unless it says otherwise), for new mappings."""
        if self._step is None:
            self._step = 2
            stack = [self.root] if self.root is not None else []
            while stack:
                node = stack.pop()
                if _is_block(node, pyyaml.MappingNode):
                    for key, value in node.value:
                        if _is_block(value, pyyaml.MappingNode) and value.value:
                            found = value.start_mark.column - key.start_mark.column
                            self._step = found if 0 < found <= 8 else 2
                            return self._step
                    stack.extend(reversed([v for _, v in node.value]))
        return self._step

    def dash(self, item: Any) -> int:
        """The index of the ``-`` that introduces a list item: on the item's line, or alone on a line above it."""
        index = item.start_mark.index - 1
        while index >= 0 and self.text[index] == " ":
            index -= 1
        if index >= 0 and self.text[index] == "-":
            return int(index)
        line_start = self.line_start(item.start_mark.index)
        while line_start > 0 and self.text[index] == "\n":  # "-" then a comment, or nothing, then the item below
            above = self.line_start(line_start - 1)
            line = self.text[above : line_start - 1]
            stripped = line.lstrip(" ")
            if stripped.startswith("-") and stripped[1:].strip(" ")[:1] in ("", "#"):
                return above + len(line) - len(stripped)
            if stripped and not stripped.startswith("#"):
                break
            line_start, index = above, above - 1
        raise Unfit("a list item without its dash")

    def verbatim(self, start: int, end: int, delta: int) -> str:
        """Source text, re-indented by ``delta`` columns."""
        return _shift(self.text[start:end], delta, first=False)

    def key_at(self, key: Any) -> tuple[int, int]:
        """Where an entry begins, index and column: at its key, or at the ``?`` of an explicit key (``? k``)."""
        start: int = key.start_mark.index
        line_start = self.line_start(start)
        before = self.text[line_start:start].rstrip(" ")
        if before.endswith("?") and (len(before) == 1 or before[-2] in " -"):
            index = line_start + len(before) - 1
            return index, int(key.start_mark.column) - (start - index)
        return start, int(key.start_mark.column)

    def matches(self, value: Any, node: Any) -> bool:
        return matches(value, node)

    # -- writing ---------------------------------------------------------------------------------------------------

    def mapping(self, value: Any, column: int, *, inline: bool, changed: bool = False) -> str:
        """A block mapping; with ``inline`` its first line goes after text already written on the line.

        ``changed``: the caller already found ``value`` differs from its node, so it is not compared again.
        """
        node = value.node if isinstance(value, SourcedDict) else None
        if node is not None and _is_block(node, pyyaml.MappingNode):
            self.index(node, self.line_start(node.start_mark.index))
            delta = column - node.start_mark.column
            if not changed and self.matches(value, node):
                text = self.verbatim(node.start_mark.index, self.entry_end(node), delta)
                return text if inline else " " * column + text
            sources = {_key(k): (k, v) for k, v in node.value}
        else:
            sources, delta = {}, 0
        parts = []
        for number, (key, child) in enumerate(value.items()):
            first = inline and number == 0
            if key in sources:
                key_node, value_node = sources[key]
                lead = "" if first else self.leading(key_node, column)
                parts.append(lead + ("" if first else " " * column) + self.entry(key_node, value_node, child, delta))
            else:
                parts.append(("" if first else " " * column) + scalars.format_scalar(key) + ":" +
                             self.value(child, column))  # fmt: skip
        return "".join(parts)

    def entry(self, key: Any, source: pyyaml.Node, value: Any, delta: int) -> str:
        """One ``key: value`` of a mapping that has a source, from the key on."""
        start, key_column = self.key_at(key)
        column = key_column + delta
        if self.matches(value, source):
            return self.verbatim(start, self.entry_end(source), delta)
        if start != key.start_mark.index:  # an explicit key (``? k`` then ``: v``): written anew
            return scalars.format_scalar(_key(key)) + ":" + self.value(value, column, source=source)
        if getattr(value, "node", None) is source and _is_block(source, pyyaml.CollectionNode) and value:
            header = self.verbatim(key.start_mark.index, self.line_end(key.end_mark.index), delta)
            self.index(source, self.line_end(key.end_mark.index))
            if isinstance(value, SourcedDict):
                return header + self.mapping(value, source.start_mark.column + delta, inline=False, changed=True)
            return header + self.sequence(value, source.start_mark.column + delta)
        key_text = self.text[key.start_mark.index : key.end_mark.index]
        return key_text + ":" + self.with_line_comment(self.value(value, column, source=source), source)

    def with_line_comment(self, written: str, source: pyyaml.Node) -> str:
        """``written`` (what follows ``key:``) with the comment that ended the line of ``source``, if it had one.

        A scalar or flow collection written on one line keeps the comment at its end; a flow collection grown
        into block style keeps it on the key's line, so that no comment is lost.
        """
        flow = isinstance(source, pyyaml.CollectionNode) and getattr(source, "flow_style", False)
        if not flow and not (isinstance(source, pyyaml.ScalarNode) and source.style not in ("|", ">")):
            return written
        end = self.content_end(source)
        rest = self.text[end : self.line_end(end)]
        if not rest.strip().startswith("#"):
            return written
        if written.count("\n") == 1:
            return written.rstrip("\n") + rest
        if flow and written.startswith("\n"):
            return rest.rstrip("\r\n") + written
        return written

    def value(self, value: Any, column: int, *, source: Any = None) -> str:
        """What follows ``key:`` for a value written at a mapping of ``column``: `` scalar`` or a block below.

        ``source`` is the node that stood there before, if any: a changed flow collection stays in flow style,
        and scalars it held keep their quoting.
        """
        node = getattr(value, "node", None)
        if isinstance(value, dict | list) and node is not None and node.flow_style:
            if self.matches(value, node):
                end = node.end_mark.index
                return " " + self.verbatim(node.start_mark.index, end, column - node.start_mark.column) + "\n"
            source = node
        if isinstance(value, dict | list) and (getattr(source, "flow_style", False) or not value):
            written = self.flow(value, source)
            if not value or column + len(written) <= FLOW_WIDTH:
                return " " + written + "\n"
        if isinstance(value, dict):
            return "\n" + self.mapping(value, column + self.step(), inline=False)
        if isinstance(value, list):
            return "\n" + self.sequence(value, column + (self.step() if self.wide else 0), source=source)
        return " " + self.scalar(value, [source]) + "\n"

    def scalar(self, value: Any, pool: list[Any], *, flow: bool = False) -> str:
        """A scalar as written in ``pool`` (source nodes; the one used is taken out), else formatted anew."""
        for node in pool:
            if isinstance(node, pyyaml.ScalarNode) and node.style not in ("|", ">") and self.matches(value, node):
                written = self.text[node.start_mark.index : node.end_mark.index]
                if "\n" not in written and not (flow and not node.style and not scalars.plain_ok(written, flow=True)):
                    pool.remove(node)
                    return written
        if isinstance(value, str) and (" " in value or "$" in value) and value in self.quoted():
            return self.quoted()[value]  # a phrase moved, say from command to args: it keeps its quotes
        return scalars.format_scalar(value, flow=flow)

    def item_node(self, value: Any, pool: list[Any]) -> Any:
        """The item of the source's block list that holds ``value`` as it is (taken out of ``pool``), or None.

        Copied whole, a block scalar (``|``) keeps its style and an item its comments, where the list around it
        is written anew (say for another item that YAML 1.1 and 1.2 read differently).
        """
        for node in pool:
            if isinstance(node, pyyaml.ScalarNode) and id(node) in self.lead and self.matches(value, node):
                pool.remove(node)
                return node
        return None

    def quoted(self) -> dict[str, str]:
        """Every one-line quoted string of the source object, as it was written there.

        Only strings with a space or a ``$`` are looked up here: ``"curl -f http://app"`` or ``"$(URL)"`` is the
        user's own, while a short word like ``10m`` may as well be a new value that merely equals a quoted one.
        """
        if self._quoted is None:
            self._quoted = {}
            stack = [self.root] if self.root is not None else []
            while stack:
                node = stack.pop()
                if isinstance(node, pyyaml.ScalarNode):
                    written = self.text[node.start_mark.index : node.end_mark.index]
                    if node.style in ("'", '"') and "\n" not in written:
                        self._quoted.setdefault(node.value, written)
                elif isinstance(node, pyyaml.MappingNode):
                    stack.extend(v for _, v in reversed(node.value))
                elif isinstance(node, pyyaml.SequenceNode):
                    stack.extend(reversed(node.value))
        return self._quoted

    def flow(self, value: Any, source: Any) -> str:
        """A value in flow style, ``{a: 1, b: [x, y]}``, with the quoting of the scalars ``source`` held."""
        if isinstance(value, dict):
            pairs = dict(source.value) if isinstance(source, pyyaml.MappingNode) else {}
            by_key = {_key(k): v for k, v in pairs.items()}
            items = (f"{scalars.format_scalar(k, flow=True)}: {self.flow(v, by_key.get(k))}" for k, v in value.items())
            return "{" + ", ".join(items) + "}"
        if isinstance(value, list):
            pool = list(source.value) if isinstance(source, pyyaml.SequenceNode) else []
            written = (
                self.flow(v, getattr(v, "node", None))
                if isinstance(v, dict | list)
                else self.scalar(v, pool, flow=True)
                for v in value
            )
            return "[" + ", ".join(written) + "]"
        return self.scalar(value, [source], flow=True)

    def sequence(self, value: list[Any], dash_column: int, *, source: Any = None) -> str:
        """A block sequence whose dashes sit at ``dash_column``; each line starts at the beginning of a line."""
        node = value.node if isinstance(value, SourcedList) else source
        pool = list(node.value) if isinstance(node, pyyaml.SequenceNode) else []
        if pool and _is_block(node, pyyaml.SequenceNode):
            self.index(node, self.line_start(pool[0].start_mark.index))
        return "".join(self.item(item, getattr(item, "node", None), dash_column, pool) for item in value)

    def item(self, item: Any, origin: Any, dash_column: int, pool: list[Any]) -> str:
        """One ``- item``, with the comment lines that stood above it in the source."""
        if origin is None and not isinstance(item, dict | list):  # a scalar: as the source wrote it, if it did
            origin = self.item_node(item, pool)
            if origin is None:
                return " " * dash_column + "- " + self.scalar(item, pool) + "\n"
        prefix, lead, content_column = "- ", "", dash_column + 2
        if origin is not None and id(origin) in self.lead:  # an item of a block list in the source
            dash = self.dash(origin)
            prefix = self.text[dash : origin.start_mark.index]
            lead = self.leading(origin, dash_column, at=dash)
            content_column = dash_column + origin.start_mark.column - (dash - self.line_start(dash))
            if "\n" in prefix:  # "-" and maybe a comment on a line of its own: the item starts on the next line
                prefix = self.text[dash : self.line_end(dash)] + " " * content_column
        head = lead + " " * dash_column + prefix
        is_flow = origin is not None and getattr(origin, "flow_style", False)
        if origin is not None and self.matches(item, origin):
            end = self.entry_end(origin)
            if self.text[self.content_end(origin) : end].strip(" \n")[:1] not in ("", "#"):
                end = self.content_end(origin)  # an item of a flow list: the rest of its line is not its own
            text = self.verbatim(origin.start_mark.index, end, content_column - origin.start_mark.column)
            return head + (text if text.endswith("\n") else text + "\n")
        if is_flow or (isinstance(item, list) and item):
            written = self.flow(item, origin)
            if content_column + len(written) <= FLOW_WIDTH or isinstance(item, list):
                return head + written + "\n"
        if isinstance(item, dict) and item:
            return head + self.mapping(item, content_column, inline=True, changed=origin is not None)
        return head + self.flow(item, origin) + "\n"


def _key(node: Any) -> Any:
    """The key a key node stands for, as Kubernetes reads it (``y`` is ``"true"``); a node no reader keys by, as is."""
    try:
        return key_of(node)
    except InputError:
        return node


def _shift(text: str, delta: int, *, first: bool) -> str:
    """Re-indent ``text`` by ``delta`` columns (every line, or every line but the first); blank lines stay blank."""
    if delta == 0 or not text:
        return text
    lines = text.split("\n")
    out = [] if first else [lines[0]]
    for line in lines[0 if first else 1 :]:
        if not line.strip(" "):
            out.append(line)
        elif delta > 0:
            out.append(" " * delta + line)
        else:
            spaces = len(line) - len(line.lstrip(" "))
            out.append(line[min(spaces, -delta) :])
    return "\n".join(out)
