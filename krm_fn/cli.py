"""The ``seq-fn`` command's entry point.

With no arguments it is the KRM function, the hot path, and imports only what that needs; anything else goes to
:mod:`krm_fn.commands`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import IO

from krm_fn.sdk import runner
from krm_fn.sequencing import transformer

NAME = "seq-fn"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        return krm(sys.stdin.buffer, sys.stdout.buffer, sys.stderr)
    from krm_fn import commands

    return commands.main(args)


def krm(stdin: IO[bytes], stdout: IO[bytes], stderr: IO[str]) -> int:
    """KRM mode: the whole output is written before the exit code is returned."""
    outcome = runner.run(stdin.read(), transformer.process, name=NAME, splice=True)
    stdout.write(outcome.stdout)
    stdout.flush()
    stderr.write(outcome.stderr)
    return outcome.exit_code
