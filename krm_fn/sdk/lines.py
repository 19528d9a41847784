"""Where a field of an object is in the text it was read from, and where a part of an edited copy was in the input.

A result must point at the line a user edits, in the file they have. Objects read by libyaml's composer
(:mod:`~krm_fn.sdk.sourced`, :class:`~krm_fn.sdk.splicing.LazyObject`) hold their nodes, whose marks give the line;
objects read by ruamel.yaml's round-trip loader hold their line in ``.lc``. A function that moves parts of a copy
around (a container from ``containers`` to ``initContainers``) finds a field by its *output* path, which names
nothing in the input: :class:`Origin` records, before the edits, the input path of every mapping and list of the
copy, so that an output path can be turned back into the input path of the same part.

Self-contained on purpose: it reads what the readers leave on objects and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml as pyyaml

_PART = re.compile(r"\[([^\]]*)\]|([^.\[\]]+)")


def split(path: str) -> list[str | int]:
    """``spec.containers[1].env`` -> ``["spec", "containers", 1, "env"]``; ``annotations[a.b/c]`` keeps ``a.b/c``."""
    parts: list[str | int] = []
    for match in _PART.finditer(path):
        bracket, name = match.groups()
        if bracket is not None:
            parts.append(int(bracket) if bracket.isdigit() else bracket)
        else:
            parts.append(name)
    return parts


def join(parts: list[str | int]) -> str:
    """The inverse of :func:`split`: keys with a dot or a slash go in brackets, as ``field.path`` writes them."""
    out = ""
    for part in parts:
        if isinstance(part, int) or "." in part or "/" in part:
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def line_of(root: Any, path: str) -> int | None:
    """The 1-based line of the field at ``path`` in the text ``root`` was read from; None when that is not known.

    A path whose end does not exist (a field a function would add) gives the line of the deepest part that does.
    """
    node = getattr(root, "node", None)
    if isinstance(node, pyyaml.Node):
        return _node_line(node, split(path))
    if hasattr(root, "lc"):
        return _ruamel_line(root, split(path))
    return None


def _node_line(node: Any, parts: list[str | int]) -> int:
    line: int = node.start_mark.line
    for part in parts:
        if isinstance(node, pyyaml.MappingNode) and isinstance(part, str):
            found = next(((k, v) for k, v in node.value if isinstance(k, pyyaml.ScalarNode) and k.value == part), None)
            if found is None:
                break
            line, node = found[0].start_mark.line, found[1]
        elif isinstance(node, pyyaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line
        else:
            break
    return line + 1


def _ruamel_line(obj: Any, parts: list[str | int]) -> int | None:
    """The line ruamel.yaml recorded (``.lc``, 0-based) for the deepest part of ``parts`` it has one for."""
    line: int | None = None
    value: Any = obj
    try:
        line = int(value.lc.line)
        for part in parts:
            records: Any = value.lc
            if isinstance(value, Mapping) and isinstance(part, str) and part in value:
                line = int(records.key(part)[0])
            elif isinstance(value, list) and isinstance(part, int) and part < len(value):
                line = int(records.item(part)[0])
            else:
                break
            value = value[part]
            if not hasattr(value, "lc"):
                break
    except (AttributeError, KeyError, TypeError, IndexError):
        pass
    return None if line is None else line + 1


class Origin:
    """The input path of every mapping and list of ``copy``, recorded before a function edits it.

    :meth:`input_path` turns a path into the edited copy (``initContainers[0].livenessProbe``) into the path of the
    same part in the input (``containers[1].livenessProbe``): the deepest mapping or list on the path that came
    from the input gives the start, the rest of the path follows it.
    """

    __slots__ = ("_paths", "copy")

    def __init__(self, copy: Any) -> None:
        self.copy = copy
        #: id -> (the object, kept alive so that its id is not reused, and its input path)
        self._paths: dict[int, tuple[Any, list[str | int]]] = {}
        stack: list[tuple[Any, list[str | int]]] = [(copy, [])]
        while stack:
            value, parts = stack.pop()
            if isinstance(value, Mapping):
                self._paths[id(value)] = (value, parts)
                stack.extend((v, [*parts, str(k)]) for k, v in value.items())
            elif isinstance(value, list):
                self._paths[id(value)] = (value, parts)
                stack.extend((v, [*parts, i]) for i, v in enumerate(value))

    def input_path(self, path: str) -> str:
        """``path``, a path into the copy as it is now, as the path of the same part in the input."""
        parts = split(path)
        value: Any = self.copy
        start: list[str | int] = []
        rest = parts
        for depth, part in enumerate(parts):
            try:
                value = value[part]
            except (KeyError, IndexError, TypeError):
                break
            known = self._paths.get(id(value))
            if known is not None and known[0] is value:
                start, rest = known[1], parts[depth + 1 :]
        moved = [*start, *rest]
        return path if moved == parts else join(moved)
