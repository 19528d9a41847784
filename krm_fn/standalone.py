"""Standalone mode: plain multi-document YAML in, plain multi-document YAML out (``seq-fn -f pod.yaml``).

Documents seq-fn does not change are written back byte for byte, comments and ``---`` lines included; a
changed document keeps its comments, quoting and list indentation. On any error nothing goes to stdout, so
``seq-fn -f job.yaml | kubectl apply -f -`` never applies a half-sequenced or unsequenced set.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from krm_fn.sdk import krmignore, resourcelist, splicing, textedit, yamlio
from krm_fn.sdk.errors import InputError
from krm_fn.sdk.results import Result, Results

YAML_SUFFIXES = (".yaml", ".yml")

#: The ``source`` of a document read from standard input.
STDIN = "<stdin>"


class Document:
    """One document of the input: its exact text, and the object it holds when it is a Kubernetes object.

    ``line`` is the number of lines before the document in its file, so that a result about its object can name
    the line of the file (the object's own lines count from its document).
    """

    __slots__ = ("line", "obj", "source", "text")

    def __init__(self, text: str, obj: Any = None, source: str = "", line: int = 0) -> None:
        self.text = text
        self.obj = obj
        self.source = source
        self.line = line


def read_sources(sources: Iterable[str], read_stdin: Callable[[], bytes]) -> list[Document]:
    """Every document of every file.

    ``-`` is stdin; a directory, its ``*.yaml``/``*.yml`` files, sorted, without hidden ones and what its
    ``.krmignore`` names, as kpt reads a package (:mod:`~krm_fn.sdk.krmignore`).
    """
    return list(iter_documents(sources, read_stdin))


def iter_documents(sources: Iterable[str], read_stdin: Callable[[], bytes]) -> Iterator[Document]:
    """The documents of :func:`read_sources` one at a time, so that a caller can let each go when done."""
    for source in sources:
        for name, data in _files(source, read_stdin):
            try:
                text = yamlio.decode(data)
            except InputError as err:
                raise InputError(f"{name}: {err}") from None
            yield from _documents(text, source=name)


#: A line that may say a document is a Namespace (a List's item too); only such documents are read ahead.
_NAMESPACE_LINE = re.compile(r"""^[ \t-]*kind:[ \t]*["']?Namespace["']?[ \t]*(?:#.*)?$""", re.MULTILINE)


def namespaces_ahead(sources: Iterable[str], read_stdin: Callable[[], bytes]) -> Iterator[Any]:
    """The objects of every document that may be a Namespace, read before the stream is sequenced.

    A mesh's injection can be decided by a Namespace's labels, and a directory's files come in name order
    (``namespace.yaml`` after ``cart.yaml``): its Namespaces must be known before the first workload. Only a
    document with a ``kind: Namespace`` line is parsed; anything unreadable is left for the main pass to report.
    """
    for source in sources:
        for name, data in _files(source, read_stdin):
            try:
                text = yamlio.decode(data)
            except InputError:
                continue
            if not _NAMESPACE_LINE.search(text):
                continue
            for part in yamlio.split_documents(text):
                if _NAMESPACE_LINE.search(part):
                    try:
                        yield from (doc.obj for doc in _document(part, name, 0) if doc.obj is not None)
                    except (InputError, splicing.WriteError):
                        continue


def _files(source: str, read_stdin: Callable[[], bytes]) -> Iterable[tuple[str, bytes]]:
    if source == "-":
        yield STDIN, read_stdin()
        return
    path = Path(source)
    if path.is_dir():
        for file in krmignore.package_files(path, YAML_SUFFIXES):
            yield str(file), _read(file)
        return
    yield source, _read(path)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read {path}: {err.strerror}") from None


def _documents(text: str, *, source: str) -> Iterator[Document]:
    """The documents of one file; an error names the file and the line in it (not in the document)."""
    try:
        yamlio.refuse_directives(text)
    except InputError as err:
        raise err.at(1, source) from None
    line = 0
    for part in yamlio.split_documents(text):
        before, line = line, line + part.count("\n")
        try:
            yield from _document(part, source, before)
        except InputError as err:
            raise err.at(before + 1, source) from None


def _document(part: str, source: str, before: int) -> Iterator[Document]:
    lazy = splicing.lazy_document(part)
    if lazy is not None and lazy.get("kind") != resourcelist.KIND:
        yield Document(part, lazy, source, before)  # read in full only if seq-fn sequences it
        return
    loaded = [d for d in yamlio.load_all(part) if d is not None]
    if len(loaded) == 1 and resourcelist.is_resource_list(loaded[0]):
        yield from _items(part, source)
    else:
        obj = loaded[0] if len(loaded) == 1 and _is_object(loaded[0]) else None
        if obj is not None:
            resourcelist.check_keys(obj, where="document")
        yield Document(part, obj, source, before)


def _items(part: str, source: str) -> Iterator[Document]:
    """The items of a ResourceList, each its own document: its own text (dedented), or dumped when it has none."""
    _, spliced = splicing.parse_without_results(part)
    if spliced is None:
        for item in resourcelist.parse(part).items:
            text = textedit.dump(item)
            try:
                textedit.check(text, 0, item)
            except textedit.Unfit as err:
                raise splicing.WriteError(str(err)) from None
            yield Document(text, item, source)
        return
    for original in spliced.originals:
        own = original.own_text()
        lazy = splicing.lazy_document(own)
        yield Document(own, lazy if lazy is not None else original.load(), source)


def _is_object(doc: Any) -> bool:
    return isinstance(doc, Mapping) and isinstance(doc.get("apiVersion"), str) and isinstance(doc.get("kind"), str)


def output_text(doc: Document, new: Any, *, before: str) -> tuple[str, Result | None]:
    """One document of the output stream, after the text ``before`` it: its own text, or ``new`` written.

    Returns the text (with the ``---`` or ``...`` it needs to follow ``before``) and, when ``new`` had to be
    written without the document's comments, the warning that says so. Raises
    :class:`~krm_fn.sdk.splicing.WriteError` when ``new`` cannot be written so that it reads back.
    """
    text, dropped = (doc.text, None) if new is None else _changed_text(doc, new)
    if new is not None:
        text = _line_ends_of(doc.text, text)
    # the last document of a file without a final line break, followed by another, needs one
    before_end = "\n" if before and not before.endswith("\n") else ""
    if before and text.startswith("%") and not _ends_document(before):
        text = "...\n" + text  # a directive may only follow the end of a document
    elif before and not text.startswith("%") and not yamlio.document_header(text):
        text = "---\n" + text
    return before_end + text, dropped


def added_text(obj: Any, *, after: Document, before: str) -> str:
    """A new object (one the processor adds after ``after``'s) as the next document, after the text ``before``.

    Written by the plain emitter and read back before use (:class:`~krm_fn.sdk.splicing.WriteError` otherwise),
    with the line ends of ``after``.
    """
    text = textedit.dump(obj)
    try:
        textedit.check(text, 0, obj)
    except textedit.Unfit as err:
        raise splicing.WriteError(str(err)) from None
    before_end = "\n" if before and not before.endswith("\n") else ""
    return before_end + _line_ends_of(after.text, "---\n" + text)


def _ends_document(text: str) -> bool:
    last = text.rstrip("\n").rsplit("\n", 1)[-1]
    return last.rstrip() == "..."


def _changed_text(doc: Document, new: Any) -> tuple[str, Result | None]:
    """A changed document: an edit of its own text where it was read lazily, else written anew after its header."""
    if isinstance(doc.obj, splicing.LazyObject):
        written = doc.obj.written(new)
        dropped = splicing.comments_dropped(new, written.comments_dropped) if written.comments_dropped else None
        return doc.text[: doc.obj.start] + written.text + doc.text[doc.obj.end :], dropped
    text = textedit.dump(new, seq_indent=yamlio.detect_seq_indent(doc.text))
    try:
        textedit.check(text, 0, new)
    except textedit.Unfit as err:
        raise splicing.WriteError(str(err)) from None
    reason = "it was read by ruamel.yaml (anchors, aliases or tags expanded)"
    dropped = splicing.comments_dropped(new, reason) if "#" in doc.text else None
    return _header(doc.text) + text, dropped


def _header(doc_text: str) -> str:
    """The directives and the ``---`` line that open ``doc_text``, or ``""``."""
    match = _HEADER.match(doc_text)
    return match.group(0) if match else ""


_HEADER = re.compile(r"(?:(?:%[^\n]*|#[^\n]*|[ \t\r]*)\n)*---[^\n]*\n")


def _line_ends_of(original: str, text: str) -> str:
    """``text`` with CRLF line ends when ``original`` has them, so that an edited file keeps one kind of line end.

    A writer may write LF lines around the CR of each comment it carries. Every CR of a YAML document is a line
    break (a quoted one is written as an escape, and a line break in a scalar reads as LF either way), so this is
    safe.
    """
    if "\r\n" not in original:
        return text
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def located(results: Iterable[Result], source: str, first_line: int = 0) -> list[Result]:
    """Results about an object read from ``source``, naming that file and the line in it.

    ``first_line`` is the number of lines before the object's document (:attr:`Document.line`). An object that
    names its own file (an item of a ResourceList, with kpt's path annotation) keeps it.
    """
    out = []
    for result in results:
        line = result.line + first_line if result.line else None
        where = result.file or ({"path": source} if source else None)
        out.append(result._replace(file=where, line=line))
    return out


def stderr_lines(results: Results, *, verbose: bool) -> str:
    """Errors and warnings always (standalone mode has no results channel); infos with ``--verbose``."""
    return "".join(f"seq-fn: {r.one_line()}\n" for r in results if verbose or r.severity != "info")
