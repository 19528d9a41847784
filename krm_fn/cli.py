"""The ``seq-fn`` command's entry point.

With no arguments it is the KRM function, the hot path, and imports only what that needs; anything else goes to
:mod:`krm_fn.commands`.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Sequence
from typing import IO

from krm_fn.sdk import runner
from krm_fn.sequencing import transformer

NAME = "seq-fn"
#: After the one-line reason an unreadable input gets (exit 2): where that reason is explained.
INPUT_HELP = " (see: seq-fn explain input)"


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
        return krm(sys.stdin.buffer, sys.stdout.buffer, sys.stderr)
    from krm_fn import commands

    return commands.main(args)


def krm(stdin: IO[bytes], stdout: IO[bytes], stderr: IO[str]) -> int:
    """KRM mode: the whole output is written before the exit code is returned.

    A stdin with no YAML document in it (empty, blank lines, comments) is an empty plain stream, as in standalone
    mode: it is written back as it is (nothing, for empty input) with exit 0. kpt and kustomize always send a
    ResourceList; what sends nothing is a pipeline or a Helm post-renderer whose chart renders no object, and a
    filter that fails on no input breaks them (see docs/reliability.md).
    """
    data = stdin.read()
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
