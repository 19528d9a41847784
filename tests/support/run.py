"""Run seq-fn the ways users do: in-process (bytes in, bytes out) and as the installed command."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from krm_fn.sdk import runner, yamlio
from krm_fn.sequencing import transformer


@dataclass(frozen=True)
class Ran:
    """What a run printed and how it exited."""

    stdout: str
    stderr: str
    code: int

    def resource_list(self) -> Mapping[str, Any]:
        """The ResourceList on stdout (round-trip loaded)."""
        docs = yamlio.load_all(self.stdout)
        assert len(docs) == 1, self.stdout
        out: Mapping[str, Any] = docs[0]
        return out


def resource_list(items_yaml: str, fn_config: str | None = None) -> str:
    """A ResourceList text around plain multi-document YAML and an optional functionConfig document."""
    # Load each document on its own, as kpt does per file: ruamel would hang a comment that opens a document
    # on the end of the previous one.
    items = [d for part in yamlio.split_documents(items_yaml) for d in yamlio.load_all(part) if d is not None]
    doc: dict[str, Any] = {"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": items}
    if fn_config is not None:
        doc["functionConfig"] = yamlio.load_all(fn_config)[0]
    return yamlio.dump(doc)


def krm(stdin: str | bytes) -> Ran:
    """KRM mode in-process, through the same runner the command uses."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    outcome = runner.run(data, transformer.process, name="seq-fn", splice=True)
    return Ran(outcome.stdout.decode(), outcome.stderr, outcome.exit_code)


def command(args: Sequence[str], *, stdin: str | bytes = b"", cwd: Path | None = None) -> Ran:
    """The real ``seq-fn`` command (as ``python -m krm_fn``, the same entry point as the console script)."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    done = subprocess.run(
        [sys.executable, "-m", "krm_fn", *args], input=data, capture_output=True, cwd=cwd, timeout=120, check=False
    )
    return Ran(done.stdout.decode(), done.stderr.decode(), done.returncode)
