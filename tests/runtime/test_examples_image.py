"""The container-form example, run with the function image built from the Dockerfile."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.examples import NEEDS_IMAGE, ROOT, run_example

pytestmark = pytest.mark.runtime


@pytest.mark.parametrize("name", sorted(NEEDS_IMAGE))
def test_container_form_example(name: str, function_image: int, tmp_path: Path):
    shim = tmp_path / "bin"
    shim.mkdir()
    (shim / "docker").write_text('#!/bin/sh\nexec podman "$@"\n')
    (shim / "docker").chmod(0o755)
    output = run_example(
        ROOT / "kustomization-examples" / name, env={**os.environ, "PATH": f"{shim}:{os.environ['PATH']}"}
    )
    assert "initContainers" in output
