"""The code stays ruff-clean and passes mypy --strict (configured in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False, timeout=600
    )


def test_ruff_finds_nothing():
    done = _run("ruff", "check", "krm_fn", "tests", "benchmarks", "scripts")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_is_applied():
    done = _run("ruff", "format", "--check", "krm_fn", "tests", "benchmarks", "scripts")
    assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict_passes():
    done = _run("mypy")
    assert done.returncode == 0, done.stdout + done.stderr
