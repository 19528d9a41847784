"""The ``seq-fn`` command's entry point.

With no arguments it reads stdin and decides by what it holds: a ResourceList (a document whose ``kind`` is
``ResourceList``) makes it the KRM function, the hot path, which imports only what it needs; a plain stream of
objects (what Helm hands a ``--post-renderer``) is read as in standalone mode (:mod:`krm_fn.commands`), with the
config file that ``SEQ_FN_CONFIG`` names. Anything with arguments goes to :mod:`krm_fn.commands`.
"""

from __future__ import annotations

import gc
import re
import sys
from collections.abc import Sequence
from typing import IO

from krm_fn.sdk import runner
from krm_fn.sequencing import transformer

NAME = "seq-fn"
#: After the one-line reason an unreadable input gets (exit 2): where that reason is explained.
INPUT_HELP = " (see: seq-fn explain input)"
#: The environment variable that names a config file for standalone mode when no ``--config`` is given: for
#: wrappers that cannot pass arguments to the post-renderer they run (Helm's ``--post-renderer seq-fn`` alone).
CONFIG_VARIABLE = "SEQ_FN_CONFIG"

#: A ``kind`` key of a top-level mapping (block style at column 0, or in a flow or JSON mapping), and its value.
#: Matching the raw bytes keeps the hot path free of a second parse. A nested ``kind`` in block style sits
#: indented, and one inside a JSON string sits behind escaped quotes.
_KIND = rb"""(?:^|[{,][ \t]*)["']?kind["']?[ \t]*:[ \t]*"""
_ANY_KIND = re.compile(_KIND, re.MULTILINE)
#: What stands before ``ResourceList`` on its line when it is the value of such a ``kind`` key.
_KIND_BEFORE = re.compile(_KIND + rb"""["']?$""")
_RESOURCE_LIST = b"ResourceList"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code.

    The cyclic garbage collector is off for the life of the command. The composed input is a few million small
    objects that live until the output is written; each full pass of the collector walks all of them, and those
    passes cost more than the parse itself (about four times, on 10,000 resources). What seq-fn allocates is
    freed by reference counting; the process is short-lived. The library API leaves the collector alone.
    """
    gc.disable()
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        data = sys.stdin.buffer.read()
        if is_krm_input(data):
            return krm(data, sys.stdout.buffer, sys.stderr)
        from krm_fn import commands

        return commands.plain_stdin(data)
    from krm_fn import commands

    return commands.main(args)


def is_krm_input(data: bytes) -> bool:
    """Whether stdin, read with no arguments, is for the KRM function rather than a plain stream of objects.

    Standalone when the input holds Kubernetes objects (a top-level ``kind``) and none is a ResourceList: one
    object or many, what Helm (or ``kubectl get -o yaml``) writes. KRM otherwise: a ResourceList, and input that
    holds no object at all (blank, a scalar, not YAML), so that the KRM function's own reason for refusing it
    stays. A ResourceList can never be mistaken for a plain object: its ``kind`` is what makes it one.
    """
    return _says_resource_list(data) or _ANY_KIND.search(data) is None


def _says_resource_list(data: bytes) -> bool:
    """Whether a top-level ``kind`` is ``ResourceList``.

    Each occurrence of the word, found at memchr speed, has its line checked: kustomize sorts ``kind`` after
    ``items``, so it may stand at the very end of a large input, where a regex over every position costs 30 ms per MB.
    """
    at = data.find(_RESOURCE_LIST)
    while at != -1:
        line = data[data.rfind(b"\n", 0, at) + 1 : at]
        if _KIND_BEFORE.search(line):
            return True
        at = data.find(_RESOURCE_LIST, at + len(_RESOURCE_LIST))
    return False


def krm(data: bytes, stdout: IO[bytes], stderr: IO[str]) -> int:
    """KRM mode: the whole output is written before the exit code is returned.

    A stdin with no YAML document in it (empty, blank lines, comments) is an empty plain stream, as in standalone
    mode: it is written back as it is (nothing, for empty input) with exit 0. kpt and kustomize always send a
    ResourceList; what sends nothing is a pipeline or a Helm post-renderer whose chart renders no object, and a
    filter that fails on no input breaks them (see reliability.md).
    """
    if no_documents(data):
        stdout.write(data)
        stdout.flush()
        return 0
    outcome = runner.run(data, transformer.process, name=NAME, splice=True, input_help=INPUT_HELP)
    stdout.write(outcome.stdout)
    stdout.flush()
    stderr.write(outcome.stderr)
    return outcome.exit_code


def no_documents(data: bytes) -> bool:
    """Whether ``data`` holds no YAML document: only blank lines, comments and document markers (``---``, ``...``)."""
    for line in data.removeprefix(b"\xef\xbb\xbf").splitlines():
        text = line.strip()
        if text and not text.startswith(b"#") and text.rstrip(b" \t") not in (b"---", b"..."):
            return False
    return True
