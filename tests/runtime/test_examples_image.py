"""The container-form example, run with the function image built from the Dockerfile."""

from __future__ import annotations

import os

import pytest

from tests.support.examples import NEEDS_IMAGE, ROOT, run_example

pytestmark = pytest.mark.runtime


@pytest.mark.parametrize("name", sorted(NEEDS_IMAGE))
def test_container_form_example(name: str, function_image: int):
    """The README's command, with the example's own podman/docker stand-in and containers.conf (no suite settings)."""
    env = {k: v for k, v in os.environ.items() if k != "CONTAINERS_CONF"}
    output = run_example(ROOT / "kustomization-examples" / name, env=env)
    assert "initContainers" in output
