"""Standalone mode: plain multi-document YAML in, plain multi-document YAML out (``seq-fn -f pod.yaml``).

Documents seq-fn does not change are written back byte for byte, comments and ``---`` lines included; a
changed document keeps its comments, quoting and list indentation. On any error nothing goes to stdout, so
``seq-fn -f job.yaml | kubectl apply -f -`` never applies a half-sequenced or unsequenced set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from krm_fn.sdk import resourcelist, splicing, yamlio
from krm_fn.sdk.errors import InputError
from krm_fn.sdk.results import Results

YAML_SUFFIXES = (".yaml", ".yml")

#: The ``source`` of a document read from standard input.
STDIN = "<stdin>"


@dataclass
class Document:
    """One document of the input: its exact text, and the object it holds when it is a Kubernetes object."""

    text: str
    obj: Any = None
    source: str = ""


def read_sources(sources: Iterable[str], read_stdin: Callable[[], bytes]) -> list[Document]:
    """Every document of every file (a directory: its ``*.yaml``/``*.yml`` files, sorted; ``-``: stdin)."""
    return list(iter_documents(sources, read_stdin))


def iter_documents(sources: Iterable[str], read_stdin: Callable[[], bytes]) -> Iterator[Document]:
    """The documents of :func:`read_sources` one at a time, so that a caller can let each go when done."""
    for source in sources:
        for name, data in _files(source, read_stdin):
            yield from _documents(yamlio.decode(data), source=name)


def _files(source: str, read_stdin: Callable[[], bytes]) -> Iterable[tuple[str, bytes]]:
    if source == "-":
        yield STDIN, read_stdin()
        return
    path = Path(source)
    if path.is_dir():
        found = sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and p.suffix in YAML_SUFFIXES and not any(part.startswith(".") for part in p.parts[-1:])
        )
        for file in found:
            yield str(file), _read(file)
        return
    yield source, _read(path)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror}") from None


def _documents(text: str, *, source: str) -> Iterator[Document]:
    for part in yamlio.split_documents(text):
        lazy = splicing.lazy_document(part)
        if lazy is not None and lazy.get("kind") != resourcelist.KIND:
            yield Document(part, lazy, source)  # read in full only if seq-fn sequences it
            continue
        try:
            loaded = [d for d in yamlio.load_all(part) if d is not None]
        except InputError as err:
            raise InputError(f"{source}: {err}") from None
        if len(loaded) == 1 and resourcelist.is_resource_list(loaded[0]):
            rl = resourcelist.parse(part)
            yield from (Document(yamlio.dump(item), item, source) for item in rl.items)
            continue
        obj = loaded[0] if len(loaded) == 1 and _is_object(loaded[0]) else None
        yield Document(part, obj, source)


def _is_object(doc: Any) -> bool:
    return isinstance(doc, Mapping) and isinstance(doc.get("apiVersion"), str) and isinstance(doc.get("kind"), str)


def output_text(doc: Document, new: Any, redo: Callable[[Any], Any], *, first: bool) -> str:
    """One document of the output stream: its own text, or ``new`` written as an edit of it; ``---`` before it."""
    text = doc.text if new is None else _line_ends_of(doc.text, _changed_text(doc, new, redo))
    if not text.endswith("\n"):
        text += "\n"
    if not first and not yamlio.document_header(text):
        text = "---\n" + text
    return text


def _changed_text(doc: Document, new: Any, redo: Callable[[Any], Any]) -> str:
    """A changed document: an edit of its own text where it was read lazily, else dumped after its ``---``."""
    if isinstance(doc.obj, splicing.LazyObject):
        try:
            return doc.text[: doc.obj.start] + doc.obj.written(new) + doc.text[doc.obj.end :]
        except splicing.Unfit:
            new = redo(yamlio.load_all(doc.text)[0])
    return yamlio.document_header(doc.text) + yamlio.dump(new, seq_indent=yamlio.detect_seq_indent(doc.text))


def _line_ends_of(original: str, text: str) -> str:
    """``text`` with CRLF line ends when ``original`` has them, so that an edited file keeps one kind of line end.

    A document with CRs is rewritten by ruamel.yaml, which writes LF but keeps the CR of each comment it carries.
    Every CR of a YAML document is a line break (a quoted one is written as an escape), so this is safe.
    """
    if "\r\n" not in original:
        return text
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def stderr_lines(results: Results, *, verbose: bool) -> str:
    """Errors and warnings always (standalone mode has no results channel); infos with ``--verbose``."""
    return "".join(f"seq-fn: {r.one_line()}\n" for r in results if verbose or r.severity != "info")
