"""Whether an annotation key is one seq-fn reads, and, when it is not, which key it was meant to be.

Intent is exact: a transformer that rewrites Pods must never act on a key it only guessed at. ``seq-fn.dev/odrer``
on a Job, read as intent, would sequence it in container order (the reverse of what was meant), and
``seq-fn.dev/skipp: "true"`` would sequence a workload its owner meant to leave alone. So a ``seq-fn.dev/`` key
that is not in the one table of keys (:data:`~krm_fn.sequencing.constants.ANNOTATION_KEYS` and
:data:`~krm_fn.sequencing.constants.CONTAINER_KEY_PREFIXES`) is an error naming the closest known key, and a key
whose prefix is almost ``seq-fn.dev/`` (``seq-fn.io/order``, ``seqfn.dev/order``, ``seq-fn.dev.order``) is
a warning that names the key seq-fn knows; neither ever counts as asking to be sequenced. Keys of other tools
are never looked at.
"""

from __future__ import annotations

import difflib
import re
from enum import StrEnum
from typing import NamedTuple

from krm_fn.sequencing import constants as c

_PREFIX = f"{c.GROUP}/"
#: The part after ``seq-fn.dev/`` of every key without a container, and of every per-container prefix.
_NAMES = tuple(key.removeprefix(_PREFIX) for key in c.ANNOTATION_KEYS)
_PER_CONTAINER = {key.removeprefix(_PREFIX).rstrip("."): key for key in c.CONTAINER_KEY_PREFIXES}
#: ``seq-fn.io/``, ``seqfn.dev/``, ``seq_fn.dev/``, ``Seq-Fn.dev/``, ``seq-fn.dev.``, ``seq-fn/``: what a hand
#: types for ``seq-fn.dev/`` (``name`` is what follows it).
_NEAR_PREFIX = re.compile(r"^seq[-_.]?fn(?:[-_.][a-z0-9]+)?[-_./](?P<name>.+)$", re.IGNORECASE)


class Kind(StrEnum):
    """What a key is to seq-fn."""

    KNOWN = "known"
    OTHER = "other"  # another tool's key: never looked at
    UNKNOWN = "unknown"  # a seq-fn.dev/ key that is not in the table: an error
    NO_CONTAINER = "no container"  # a per-container key without its container (seq-fn.dev/timeout)
    NEAR_MISS = "near miss"  # almost seq-fn.dev/: a warning, and the workload is left alone


class Verdict(NamedTuple):
    """A key's kind, and the known key it was probably meant to be (None when nothing is close)."""

    kind: Kind
    suggestion: str | None = None

    def message(self, key: str) -> str:
        """What is wrong with ``key`` and the way out, for an error or warning result."""
        if self.kind is Kind.NO_CONTAINER:
            return (
                f"annotation {key} names no container: write {self.suggestion}<container>, with the name of the "
                "container it is about"
            )
        hint = f"did you mean {self.suggestion}?" if self.suggestion else f"the known keys are {known_keys()}"
        if self.kind is Kind.NEAR_MISS:
            return (
                f"annotation {key} looks like a seq-fn annotation, but seq-fn reads only {_PREFIX} keys: {hint} "
                "The workload is left alone until the key is fixed (or removed)"
            )
        return (
            f"unknown annotation {key}: {hint} An unknown {_PREFIX} key is never read as asking to be sequenced, "
            "so the workload is left as it was"
        )


def known_keys() -> str:
    """Every key, as a list for a message: ``seq-fn.dev/order, ..., seq-fn.dev/after.<container>, ...``."""
    return ", ".join([*c.ANNOTATION_KEYS, *(f"{prefix}<container>" for prefix in c.CONTAINER_KEY_PREFIXES)])


def judge(key: str) -> Verdict:
    """Whether ``key`` is a key seq-fn reads; when it is not but looks like one, the key it was meant to be."""
    if not key.startswith(_PREFIX):
        near = _NEAR_PREFIX.match(key)
        if near is None:
            return Verdict(Kind.OTHER)
        return Verdict(Kind.NEAR_MISS, _closest(near.group("name")))
    if key in c.ANNOTATION_KEYS:
        return Verdict(Kind.KNOWN)
    for prefix in c.CONTAINER_KEY_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return Verdict(Kind.KNOWN)
        if key in (prefix, prefix.rstrip(".")):
            return Verdict(Kind.NO_CONTAINER, prefix)
    return Verdict(Kind.UNKNOWN, _closest(key.removeprefix(_PREFIX)))


#: Words users reach for that mean a known key and value but look nothing like the key: difflib would not find
#: these, and ``disable`` must never be answered with ``enabled`` alone (``"true"`` would sequence the workload).
_SYNONYMS = {
    "disable": f'{c.ENABLED}: "false"',
    "disabled": f'{c.ENABLED}: "false"',
    "ignore": f'{c.SKIP}: "true"',
    "exclude": f'{c.SKIP}: "true"',
    "sequence": f'{c.ENABLED}: "true"',
}


def _closest(name: str) -> str | None:
    """The known key closest to ``name`` (what follows the prefix): ``odrer`` -> ``seq-fn.dev/order``.

    A per-container key keeps its container: ``timout.migrate`` -> ``seq-fn.dev/timeout.migrate``.
    """
    if name.lower() in _SYNONYMS:
        return _SYNONYMS[name.lower()]
    base, dot, container = name.partition(".")
    candidates = [*_NAMES, *_PER_CONTAINER]
    for guess in (name, base):
        found = difflib.get_close_matches(guess.lower().replace("_", "-"), candidates, n=1, cutoff=0.6)
        if found:
            if found[0] in _PER_CONTAINER:
                return _PER_CONTAINER[found[0]] + (container if dot and container else "<container>")
            return _PREFIX + found[0]
    return None
