"""Undo: a sequenced workload back to exactly what it was, from the one record seq-fn keeps on it.

Why a record: seq-fn's output alone cannot say which startupProbe it derived, which grace period it raised or
where a moved container stood, so undoing from structure would be a guess. Why this record: it is the reverse
of what seq-fn changed, nothing more. Whatever seq-fn left alone (an image, env, resources) is not in it, so a
later edit of those survives undo; a later edit of something seq-fn wrote is caught by a short hash of what it
wrote, and is an error that names the field, never a guess.

The record is the annotation ``seq-fn.dev/undo``: ``v1 `` and a compact JSON list of operations, each taking the
sequenced object one step back (see ``docs/undo.md``). A path is a list of mapping keys and ``[name]`` segments,
which pick the item of a list by its ``name``:

* ``["s", path, value, hash, position?]``: the input had ``value`` there; ``hash`` is that of what seq-fn wrote
  (``""``: seq-fn removed the field; ``position`` then puts it back among its siblings where it was).
* ``["d", path, hash]``: seq-fn added the field; remove it.
* ``["l", path, items | null, names]``: rebuild a list of named items (containers, volumes, mounts), which seq-fn
  gave the item ``names``: each item is ``["=", key, name, ops]`` (the item ``name`` of the sibling list ``key``,
  as it is now, with ``ops`` undone inside it: moved containers keep later edits of their image) or ``["v",
  value]``; ``null``: the list was not there. Items seq-fn added (its wait container) are left out.
* ``["e", path]``: seq-fn added this mapping (the ``annotations`` of its marker): remove it if it is empty now.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping, MutableMapping
from typing import Any

from krm_fn.sdk import lines, objects, yamlio
from krm_fn.sequencing import constants as c

VERSION = "v1"
_CONTAINER_LISTS = ("containers", "initContainers")
_ABSENT = object()


class Irreversible(Exception):
    """The workload cannot be brought back exactly; ``path`` names the field that tells why."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = path


# --- recording -------------------------------------------------------------------------------------------------


def record(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """The annotation value that takes ``after`` (the sequenced object, marker included) back to ``before``."""
    ops = _diff(yamlio.to_plain(before), yamlio.to_plain(after), [], {})
    return f"{VERSION} {json.dumps(ops, separators=(',', ':'), ensure_ascii=False)}"


def _hash(value: Any) -> str:
    """Eight hex digits of what seq-fn wrote: enough to notice an edit, too short to be read as configuration."""
    if value is _ABSENT:
        return ""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _names(value: Any) -> list[str] | None:
    """The names of a list whose items are mappings with distinct string names; None for any other value."""
    if not isinstance(value, list) or not value:
        return None
    names = [item.get("name") if isinstance(item, dict) else None for item in value]
    if not all(isinstance(n, str) for n in names) or len(set(names)) != len(names):
        return None
    return [str(n) for n in names]


def _diff(before: Any, after: Any, path: list[Any], parent: Mapping[str, Any]) -> list[Any]:
    """The operations that take ``after`` back to ``before``; ``parent``: the sequenced mapping ``after`` is in."""
    if before == after and type(before) is type(after):
        return []
    if isinstance(before, dict) and isinstance(after, dict):
        return _diff_mapping(before, after, path)
    before_names, after_names = _names(before), _names(after)
    if before_names is not None and after_names is not None:
        if before_names == after_names:
            return [
                op for b, a, n in zip(before, after, after_names, strict=True) for op in _diff(b, a, [*path, [n]], {})
            ]
        return [["l", path, _items(before, path[-1], parent), after_names]]
    return [["s", path, before, _hash(after)]]


def _diff_mapping(before: dict[str, Any], after: dict[str, Any], path: list[Any]) -> list[Any]:
    ops: list[Any] = []
    for position, (key, value) in enumerate(before.items()):
        if key in after:
            ops += _diff(value, after[key], [*path, key], after)
        else:
            ops.append(["s", [*path, key], value, "", position])
    for key, value in after.items():
        if key in before:
            continue
        ops += _added([*path, key], value)
    return ops


def _added(path: list[Any], value: Any) -> list[Any]:
    """Undo a field seq-fn added.

    A list of named items (initContainers) may hold the input's own containers: it is checked by name. Metadata and
    annotations seq-fn made (for its marker) may get the user's own keys later: only seq-fn's keys go, then the
    mapping if that leaves it empty.
    """
    names = _names(value)
    if names is not None:
        return [["l", path, None, names]]
    if isinstance(value, dict) and path[-1] in ("metadata", "annotations"):
        return [*(op for key, inner in value.items() for op in _added([*path, key], inner)), ["e", path]]
    return [["d", path, _hash(value)]]


def _items(before: list[Any], key: str, parent: Mapping[str, Any]) -> list[Any]:
    """How to rebuild each item of ``before``: from the sequenced list that holds it now (its own list first).

    Only containers move between lists (a step to ``initContainers``, a sidecar back): a volume is looked up in its
    own list alone, so that a container and a volume of the same name are never taken for each other.
    """
    lists = [key, *(k for k in _CONTAINER_LISTS if k != key and k in parent)] if key in _CONTAINER_LISTS else [key]
    out: list[Any] = []
    for item in before:
        for where in lists:
            found = _named(parent.get(where), item["name"])
            if found is not None:
                out.append(["=", where, item["name"], _diff(item, found, [], {})])
                break
        else:
            out.append(["v", item])
    return out


def _named(value: Any, name: str) -> Any:
    """The item called ``name`` of a list of named items, or None."""
    if _names(value) is None:
        return None
    return next((item for item in value if item.get("name") == name), None)


# --- undoing ----------------------------------------------------------------------------------------------------


def reverse(obj: Mapping[str, Any]) -> Any:
    """A copy of the sequenced ``obj`` as it was before seq-fn ran; :class:`Irreversible` when it cannot be."""
    notes = objects.annotations_of(obj)
    if c.SEQUENCED not in notes:
        raise Irreversible("not sequenced: nothing to undo")
    text = notes.get(c.UNDO)
    if text is None:
        raise Irreversible(
            f"it carries {c.SEQUENCED} but no {c.UNDO} record: it was sequenced by a seq-fn older than undo, which "
            "kept nothing to undo exactly; re-render it from its source, or undo it by hand once and sequence it "
            "again with this seq-fn",
            f"metadata.annotations[{c.SEQUENCED}]",
        )
    ops = _parse(str(text))
    work: Any = copy.deepcopy(obj)
    del work["metadata"]["annotations"][c.UNDO]
    snapshot = copy.deepcopy(work)
    _apply(work, snapshot, ops, [], snapshot)
    objects.drop_comment_copy_ids(work)
    return work


def _parse(text: str) -> list[Any]:
    where = f"metadata.annotations[{c.UNDO}]"
    version, _, body = text.partition(" ")
    if version != VERSION:
        raise Irreversible(
            f"{c.UNDO} has version {version!r}, which this seq-fn does not read (it reads {VERSION})", where
        )
    try:
        ops = json.loads(body)
    except ValueError:
        raise Irreversible(
            f"{c.UNDO} is not a record seq-fn wrote (it was edited): it is not JSON after {VERSION}", where
        ) from None
    if not isinstance(ops, list):
        raise Irreversible(f"{c.UNDO} is not a record seq-fn wrote (it was edited)", where)
    return ops


def _show(base: list[Any], path: list[Any]) -> str:
    """``spec.template.spec.containers[app].command``: a path as the error names it."""
    out = ""
    for part in [*base, *path]:
        out += f"[{part[0]}]" if isinstance(part, list) else (f".{part}" if out else str(part))
    return out


def _field(root: Any, path: list[Any]) -> str:
    """A path as results name fields (``containers[1].args``, ``annotations[seq-fn.dev/undo]``), for its line."""
    parts: list[str | int] = []
    node = root
    for part in path:
        if isinstance(part, list):
            index = (
                next((i for i, item in enumerate(node) if item.get("name") == part[0]), None)
                if isinstance(node, list)
                else None
            )
            if index is None:
                break
            parts.append(index)
            node = node[index]
        else:
            parts.append(part)
            node = node.get(part) if isinstance(node, Mapping) else None
    return lines.join(parts)


def _get(node: Any, path: list[Any]) -> Any:
    for part in path:
        if isinstance(part, list):
            node = _named(node, part[0]) if isinstance(node, list) else None
            node = _ABSENT if node is None else node
        elif isinstance(node, Mapping) and part in node:
            node = node[part]
        else:
            return _ABSENT
        if node is _ABSENT:
            return _ABSENT
    return node


def _apply(work: Any, snapshot: Any, ops: list[Any], base: list[Any], root: Any) -> None:
    """Undo ``ops`` on ``work``, reading what is there now from ``snapshot`` (the same, before any change).

    ``base`` is where ``work`` is in the object, ``root`` the whole object before any change (for the errors).
    """
    for op in ops:
        try:
            kind, path = op[0], op[1]
            if kind == "s":
                _check(snapshot, path, op[3], base, root)
                _put(work, path, copy.deepcopy(op[2]), op[4] if len(op) > 4 else None, base=base, root=root)
            elif kind == "d":
                _check(snapshot, path, op[2], base, root)
                _parent(work, path, base, root).pop(path[-1], None)
            elif kind == "e":
                parent = _parent(work, path, base, root)
                if not parent.get(path[-1], True):
                    del parent[path[-1]]
            elif kind == "l":
                _rebuild(work, snapshot, op, base, root)
            else:
                raise ValueError(kind)
        except (IndexError, TypeError, ValueError, KeyError, AttributeError):
            raise Irreversible(
                f"{c.UNDO} is not a record seq-fn wrote (it was edited)", f"metadata.annotations[{c.UNDO}]"
            ) from None


def _check(snapshot: Any, path: list[Any], expected: str, base: list[Any], root: Any) -> None:
    now = _get(snapshot, path)
    if _hash(yamlio.to_plain(now) if now is not _ABSENT else _ABSENT) != expected:
        what = "removed" if now is _ABSENT else ("added" if not expected else "changed")
        raise Irreversible(
            f"{_show(base, path)} was {what} after seq-fn sequenced this workload, so undo cannot tell what it "
            "should be: put back what seq-fn wrote there, or undo by hand",
            _field(root, [*base, *path]),
        )


def _parent(work: Any, path: list[Any], base: list[Any], root: Any) -> Any:
    node = _get(work, path[:-1])
    if node is _ABSENT or not isinstance(node, MutableMapping):
        raise Irreversible(
            f"{_show(base, path[:-1])} was removed after seq-fn sequenced this workload, so undo cannot put back "
            f"{path[-1]}: put it back, or undo by hand",
            _field(root, [*base, *path[:-1]]),
        )
    return node


def _put(work: Any, path: list[Any], value: Any, position: int | None, *, base: list[Any], root: Any) -> None:
    if path and isinstance(path[-1], list):  # an item of a named list, whole
        parent = _get(work, path[:-1])
        for index, item in enumerate(parent):
            if item.get("name") == path[-1][0]:
                parent[index] = value
        return
    parent = _parent(work, path, base, root)
    key = path[-1]
    if key in parent or position is None:
        parent[key] = value
        return
    if hasattr(parent, "insert"):  # ruamel's CommentedMap keeps the comments of the keys it holds
        parent.insert(min(position, len(parent)), key, value)
        return
    items = list(parent.items())
    items.insert(min(position, len(items)), (key, value))
    parent.clear()
    parent.update(items)


def _rebuild(work: Any, snapshot: Any, op: list[Any], base: list[Any], root: Any) -> None:
    """An ``l`` operation: the named list as the input had it, from the items where they are now."""
    _, path, items, names = op
    where = _show(base, path)
    now = _get(snapshot, path)
    now_names = _names(now) if now is not _ABSENT else None
    if now_names != names:
        extra = sorted(set(now_names or ()) - set(names))
        missing = sorted(set(names) - set(now_names or ()))
        said = (
            "; ".join(
                filter(
                    None,
                    [f"{', '.join(extra)} added" if extra else "", f"{', '.join(missing)} removed" if missing else ""],
                )
            )
            or "reordered"
        )
        raise Irreversible(
            f"{where} was changed after seq-fn sequenced this workload ({said}), so undo cannot tell where each item "
            "goes: put it back as seq-fn wrote it, or undo by hand",
            _field(root, [*base, *path]),
        )
    parent = _parent(work, path, base, root)
    if items is None:
        parent.pop(path[-1], None)
        return
    holder = _get(snapshot, path[:-1])
    rebuilt = []
    for item in items:
        if item[0] == "v":
            rebuilt.append(copy.deepcopy(item[1]))
            continue
        _, key, name, inner = item
        found = _named(holder.get(key), name)
        if found is None:
            message = f"{_show(base, [*path[:-1], key, [name]])} was removed after seq-fn sequenced this workload"
            raise Irreversible(f"{message}: put it back, or undo by hand", _field(root, [*base, *path[:-1], key]))
        piece = copy.deepcopy(found)
        _apply(piece, copy.deepcopy(found), inner, [*base, *path[:-1], key, [name]], root)
        rebuilt.append(piece)
    kept = parent.get(path[-1])
    if isinstance(kept, list):  # the list the writer read keeps its indentation (and ruamel's comments by item)
        kept[:] = rebuilt
    else:
        parent[path[-1]] = rebuilt


# --- describing (seq-fn plan) ------------------------------------------------------------------------------------


def describe(obj: Mapping[str, Any]) -> list[str]:
    """What undo would do to a sequenced ``obj``, a line per change (``seq-fn plan``), or why it cannot."""
    try:
        reverse(obj)
    except Irreversible as err:
        return [f"cannot undo: {err.message}"]
    ops = _parse(str(objects.annotations_of(obj)[c.UNDO]))
    moved = {(tuple(map(str, op[1][:-1])), item[1], item[2]) for op in _flat(ops, []) if op[0] == "l" and op[2]
             for item in op[2] if item[0] == "="}  # fmt: skip
    lines: list[str] = []
    for op in _flat(ops, []):
        kind, path = op[0], op[1]
        where = _show([], path)
        if kind == "s":
            lines.append(f"put back {where}" if not op[3] else f"restore {where}")
        elif kind == "d":
            lines.append(f"remove {where}")
        elif kind == "l":
            parent = tuple(map(str, path[:-1]))
            for item in op[2] or ():
                if item[0] == "=" and item[1] != path[-1]:
                    lines.append(f"move {item[2]} back from {_show([], [*path[:-1], item[1]])} to {where}")
            added = [n for n in op[3] if (parent, path[-1], n) not in moved]
            if added:
                lines.append(f"remove {', '.join(added)} from {where}")
            if op[2] is None:
                lines.append(f"remove {where}")
    return lines


def _flat(ops: list[Any], base: list[Any]) -> list[Any]:
    """Every operation with its path from the object's root, those inside moved items too."""
    out: list[Any] = []
    for op in ops:
        out.append([op[0], [*base, *op[1]], *op[2:]])
        if op[0] == "l":
            for item in op[2] or ():
                if item[0] == "=":
                    out += _flat(item[3], [*base, *op[1][:-1], item[1], [item[2]]])
    return out
