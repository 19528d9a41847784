"""Which files of a package directory are resources: kpt's rules for ``.krmignore`` and hidden files.

kpt reads ``.krmignore`` at the package root, in gitignore syntax (``#`` comments, ``!`` to re-include, a
trailing ``/`` for directories only, a ``/`` inside or at the start to anchor at the root, ``*``, ``?``, ``[...]``
and ``**``), and never reads hidden files or directories (``.git/``, ``.github/``, a case's ``.expected/``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

FILE_NAME = ".krmignore"


class _Rule(NamedTuple):
    pattern: re.Pattern[str]
    negated: bool
    directories_only: bool


def parse(text: str) -> list[_Rule]:
    """The rules of a ``.krmignore`` file, in order (the last rule that matches a path decides)."""
    rules = []
    for raw in text.splitlines():
        line = raw.rstrip(" \t\r") if not raw.rstrip("\r").endswith("\\ ") else raw.rstrip("\r")
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        line = line[1:] if negated else line.removeprefix("\\")
        directories_only = line.endswith("/")
        line = line.rstrip("/")
        if not line:
            continue
        anchored = "/" in line
        rules.append(_Rule(_compile(line.lstrip("/"), anchored), negated, directories_only))
    return rules


def _compile(pattern: str, anchored: bool) -> re.Pattern[str]:
    out, index = [], 0
    while index < len(pattern):
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
        elif pattern.startswith("**", index):
            out.append(".*")
            index += 2
        elif pattern[index] == "*":
            out.append("[^/]*")
            index += 1
        elif pattern[index] == "?":
            out.append("[^/]")
            index += 1
        elif pattern[index] == "[" and "]" in pattern[index + 2 :]:
            end = pattern.index("]", index + 2)
            body = pattern[index + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
            index = end + 1
        else:
            out.append(re.escape(pattern[index]))
            index += 1
    return re.compile(("" if anchored else "(?:.*/)?") + "".join(out) + r"\Z")


def ignored(rules: list[_Rule], relative: str, *, is_dir: bool) -> bool:
    """Whether the path (relative to the package root, ``/``-separated) matches the rules as an ignored one."""
    result = False
    for rule in rules:
        if (is_dir or not rule.directories_only) and rule.pattern.match(relative):
            result = not rule.negated
    return result


def package_files(root: Path, suffixes: tuple[str, ...]) -> Iterator[Path]:
    """The files of the package at ``root`` with one of ``suffixes``, sorted, as kpt would read them."""
    ignore_file = root / FILE_NAME
    rules = parse(ignore_file.read_text(encoding="utf-8", errors="replace")) if ignore_file.is_file() else []
    found = []
    for directory, subdirs, files in os.walk(root):
        base = Path(directory).relative_to(root).as_posix()
        prefix = "" if base == "." else base + "/"
        subdirs[:] = [d for d in subdirs if not d.startswith(".") and not ignored(rules, prefix + d, is_dir=True)]
        for name in files:
            if name.startswith(".") or not name.endswith(suffixes) or ignored(rules, prefix + name, is_dir=False):
                continue
            found.append(Path(directory) / name)
    return iter(sorted(found))
