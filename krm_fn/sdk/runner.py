"""Bytes in, bytes out: run a processor over a ResourceList the way kpt and kustomize call a function."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass

from krm_fn.sdk import resourcelist, yamlio
from krm_fn.sdk.errors import InputError
from krm_fn.sdk.resourcelist import ResourceList
from krm_fn.sdk.results import Result

#: A processor edits the ResourceList in place: it replaces items and appends results.
Processor = Callable[[ResourceList], None]


@dataclass(frozen=True)
class Outcome:
    """What to write and how to exit."""

    stdout: bytes
    stderr: str
    exit_code: int


def run(data: bytes, processor: Processor, *, name: str = "function") -> Outcome:
    """Parse, process, serialise.

    Exit 2 with nothing on stdout when the input is not a ResourceList (there is nothing safe to echo). Exit 1
    with the items exactly as they came when any result is an error, because an orchestrator that trusts a
    partial list loses resources. A bug in the processor becomes an error result, never a traceback.
    """
    try:
        text = yamlio.decode(data)
        rl = resourcelist.parse(text)
    except InputError as err:
        return Outcome(b"", f"{name}: {err}\n", 2)
    try:
        processor(rl)
    except Exception as err:
        rl = resourcelist.parse(text)
        where = traceback.extract_tb(err.__traceback__)[-1]
        rl.results.append(
            Result(
                f"internal error, please report it: {type(err).__name__}: {err} "
                f"({where.filename.rsplit('/', 1)[-1]}:{where.lineno})"
            )
        )
    if rl.results.has_errors:
        unchanged = resourcelist.parse(text)
        rl.items = unchanged.items
    stderr = "".join(f"{name}: {r.one_line()}\n" for r in rl.results.errors())
    return Outcome(resourcelist.to_yaml(rl).encode(), stderr, rl.results.exit_code())
