"""End-to-end fixtures: the real ``kpt`` and the installed ``seq-fn`` command, on packages copied to tmp."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent.parent / "golden"


def need(tool: str) -> str:
    """The path of ``tool``; a missing tool fails the test (CI installs them all), it never skips it."""
    found = shutil.which(tool)
    assert found, f"{tool} is not on PATH: install it (see .ci/run)"
    return found


def run(
    args: Sequence[str],
    *,
    cwd: Path | None = None,
    stdin: bytes | None = None,
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command, capturing text output, with a timeout."""
    return subprocess.run(
        list(args),
        cwd=cwd,
        input=stdin.decode() if stdin else None,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A kpt package with a Job, a Deployment and a ConfigMap seq-fn must not touch.

    kpt reformats some things itself (it normalises the spaces before a comment, even through an identity
    function), so the package is first passed through ``kpt fn eval --exec cat``: "untouched" then means
    byte-identical to what kpt writes for a function that changes nothing.
    """
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    shutil.copy(GOLDEN / "job-chain" / "input.yaml", pkg / "job.yaml")
    shutil.copy(GOLDEN / "deployment-start-order" / "input.yaml", pkg / "deploy.yaml")
    (pkg / "settings.yaml").write_text(
        "# untouched: comments, quotes and flow style must survive\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings   # odd spacing\n"
        "data: {enabled: \"on\", ratio: '1e3'}\n"
    )
    identity = run([need("kpt"), "fn", "eval", str(pkg), "--exec", need("cat")])
    assert identity.returncode == 0, identity.stderr
    return pkg


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by relative path."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
