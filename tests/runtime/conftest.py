"""Runtime tests: real containers under podman (CI installs podman, runc and busybox-static)."""

from __future__ import annotations

import shutil

import pytest

from tests.runtime import podman


@pytest.fixture(scope="session", autouse=True)
def local_images() -> None:
    """Build the local busybox and entrypoint stand-in images (podman caches them between runs)."""
    assert shutil.which("podman"), "podman is not installed: see .ci/run, or run: apt-get install podman runc"
    podman.environment()
    podman.build_images()
