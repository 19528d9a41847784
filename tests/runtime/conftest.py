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


@pytest.fixture(scope="session")
def function_image() -> int:
    """seq-fn's image, built once per run from the Dockerfile (on a cached debootstrap base); its size in bytes."""
    from tests.runtime import image

    return image.build()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how long each stage of building the function image took (CI prints this)."""
    from tests.runtime.image import SIZES, TIMINGS

    if TIMINGS:
        stages = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in TIMINGS.items())
        terminalreporter.write_line(f"function image stages: {stages}")
    if SIZES:
        sizes = ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in SIZES.items())
        terminalreporter.write_line(f"image sizes: {sizes}")
