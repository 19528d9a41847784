"""Run an example folder's command (``.expected/command``) and compare with ``.expected/output.yaml``."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent.parent
EXAMPLES = sorted(p.parent.parent for p in (ROOT / "kustomization-examples").glob("*/.expected/command"))
#: Examples that run seq-fn's image as a container function: the runtime suite runs them after building it.
NEEDS_IMAGE = {"job-pipeline"}


def run_example(folder: Path, *, env: Mapping[str, str] | None = None) -> str:
    """The example's stdout; fails on a non-zero exit, and (with UPDATE_GOLDEN=1) rewrites the expected file."""
    command = (folder / ".expected" / "command").read_text().strip()
    done = subprocess.run(["bash", "-c", f"set -euo pipefail; {command}"], cwd=folder, capture_output=True,
                          text=True, timeout=300, check=False, env=dict(env) if env else None)  # fmt: skip
    assert done.returncode == 0, f"{command}: {done.stderr}"
    expected = folder / ".expected" / "output.yaml"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        expected.write_text(done.stdout)
        pytest.fail(f"wrote {expected}; read it, then rerun without UPDATE_GOLDEN")
    assert done.stdout == expected.read_text(), f"{folder.name}: output differs from {expected}"
    return done.stdout
