"""Bytes in, bytes out: run a processor over a ResourceList the way kpt and kustomize call a function."""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from krm_fn.sdk import resourcelist, splicing, yamlio
from krm_fn.sdk.errors import InputError
from krm_fn.sdk.resourcelist import ResourceList
from krm_fn.sdk.results import Result

#: A processor edits the ResourceList in place: it replaces items and appends results.
Processor = Callable[[ResourceList], None]


def _spliced(spliced: splicing.SplicedList, rl: ResourceList, stderr: str, name: str) -> Outcome | None:
    """The output of the splicing path; None when the processor added or removed items (the plain path then)."""
    items = list(spliced.originals) if rl.results.has_errors else rl.items
    added = {} if rl.results.has_errors else rl.added
    if rl.removed and not rl.results.has_errors:
        return None  # the splicing writer keeps items in place; removing one takes the plain path
    try:
        return Outcome(spliced.render(items, rl.results, added).encode(), stderr, rl.results.exit_code())
    except splicing.Unfit:
        return None
    except splicing.WriteError as err:  # a bug in a writer: never emit what does not read back
        rl.results.append(Result(f"internal error, please report it: an object could not be written: {err}"))
        stderr += f"{name}: {rl.results[-1].one_line()}\n"
        return Outcome(spliced.render(list(spliced.originals), rl.results).encode(), stderr, 1)


class Outcome(NamedTuple):
    """What to write and how to exit."""

    stdout: bytes
    stderr: str
    exit_code: int


def run(
    data: bytes, processor: Processor, *, name: str = "function", splice: bool = False, input_help: str = ""
) -> Outcome:
    """Parse, process, serialise.

    ``input_help`` follows the one-line reason of an input that cannot be read (where the function explains it).

    Exit 2 with nothing on stdout when the input is not a ResourceList (there is nothing safe to echo). Exit 1
    with the items exactly as they came when any result is an error, because an orchestrator that trusts a
    partial list loses resources. A bug in the processor becomes an error result, never a traceback.

    With ``splice``, for a processor that *replaces* the items it changes and never edits an input item in
    place, the input is read for splicing (:mod:`krm_fn.sdk.splicing`): items left alone are written back as
    their input bytes, and every item it replaces is read back before anything is written. A ResourceList of
    an uncommon shape at the top level takes the plain round trip.
    """
    try:
        text = yamlio.decode(data)
        yamlio.refuse_directives(text)
        text, spliced = splicing.parse_without_results(text) if splice else (text, None)
        rl = spliced.resource_list if spliced else resourcelist.parse(text)
    except InputError as err:
        return Outcome(b"", f"{name}: {err}{input_help}\n", 2)
    try:
        processor(rl)
    except InputError as err:  # an item read lazily (spliced path) turned out not to be valid YAML
        return Outcome(b"", f"{name}: {err}{input_help}\n", 2)
    except Exception as err:  # a bug must not cost the user their resources
        import traceback  # only here: a run without a bug never needs it

        where = traceback.extract_tb(err.__traceback__)[-1]
        rl.results.append(
            Result(
                f"internal error, please report it: {type(err).__name__}: {err} "
                f"({where.filename.rsplit('/', 1)[-1]}:{where.lineno})"
            )
        )
    stderr = "".join(f"{name}: {r.one_line()}\n" for r in rl.results.errors())
    if spliced is not None:
        outcome = _spliced(spliced, rl, stderr, name)
        return outcome if outcome is not None else run(data, processor, name=name, input_help=input_help)
    if rl.results.has_errors:
        rl.items, rl.added, rl.removed = resourcelist.parse(text).items, {}, set()
    try:
        written = resourcelist.checked_yaml(rl)
    except InputError as err:
        return Outcome(b"", f"{stderr}{name}: {err}\n", 1)
    return Outcome(written.encode(), stderr, rl.results.exit_code())
