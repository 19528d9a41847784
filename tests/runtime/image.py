"""Build seq-fn's function image the way a user would, on a Python base made locally with debootstrap.

No registry image can be pulled here, so the base (Debian bookworm, minbase, python3 and venv) is made with
debootstrap from the Debian mirror apt is configured with, and kept in podman's storage: later runs on the same
machine reuse it. The Dockerfile's builder stage installs from wheels built on the host (the build has no
network), which is the Dockerfile's documented offline mode.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.runtime.podman import image_exists, podman

ROOT = Path(__file__).parent.parent.parent
BASE = "localhost/python-base:bookworm"
IMAGE = "localhost/seq-fn:dev"
#: Every image a build here makes carries this label, the builder stage and the layers podman caches included, so
#: that the test removes all it made but the image it tagged (podman's storage is shared with whatever else runs).
LABEL = "dev.seq-fn.test-build=function-image"
TIMINGS: dict[str, float] = {}
SIZES: dict[str, int] = {}


def debian_mirror() -> str:
    """The first Debian archive apt uses (not the security archive), read from its sources."""
    sources = [*Path("/etc/apt").glob("sources.list.d/*.sources"), Path("/etc/apt/sources.list")]
    for path in sources:
        if path.exists():
            for uri in re.findall(r"(?:URIs:|^deb)\s+(\S+)", path.read_text(), flags=re.MULTILINE):
                if "security" not in uri:
                    return uri
    raise AssertionError("no Debian mirror in apt's sources")


def ensure_base() -> None:
    """The debootstrap base, made once per machine (about a minute) and cached as a podman image."""
    if image_exists(BASE):
        TIMINGS["base (cached)"] = 0.0
        return
    assert shutil.which("debootstrap"), "debootstrap is not installed (scripts/install-test-deps.sh)"
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir="/var/tmp") as tmp:
        rootfs = Path(tmp) / "rootfs"
        subprocess.run(["debootstrap", "--variant=minbase", "--include=python3,python3-venv", "bookworm",
                        str(rootfs), debian_mirror()], check=True, capture_output=True, timeout=900)  # fmt: skip
        for waste in ("usr/share/doc", "usr/share/man", "usr/share/locale", "var/cache/apt", "var/lib/apt/lists"):
            shutil.rmtree(rootfs / waste, ignore_errors=True)
        tar = subprocess.run(["tar", "-C", str(rootfs), "-c", "."], capture_output=True, check=True).stdout
        podman("import", "--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
               "-", BASE, stdin=tar)  # fmt: skip
    TIMINGS["base (debootstrap)"] = time.monotonic() - started


def build(tag: str = IMAGE) -> int:
    """Build the image from the repository's Dockerfile as ``tag``; returns its size in bytes."""
    ensure_base()
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        context = Path(tmp)
        for name in ("Dockerfile", ".dockerignore", "pyproject.toml", "README.md", "LICENSE"):
            shutil.copy(ROOT / name, context / name)
        shutil.copytree(ROOT / "krm_fn", context / "krm_fn", ignore=shutil.ignore_patterns("__pycache__"))
        wheels = context / "wheels"
        subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "-q", str(ROOT), "-w", str(wheels)], check=True, timeout=600
        )
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "setuptools>=68", "wheel", "-d", str(wheels)],
                       check=True, timeout=600)  # fmt: skip
        TIMINGS["wheels"] = time.monotonic() - started
        started = time.monotonic()
        podman("build", "-q", "--label", LABEL, "--build-arg", f"BASE={BASE}", "--build-arg", "PIP_NO_INDEX=1",
               "-t", tag, str(context), timeout=900)  # fmt: skip
    TIMINGS["podman build"] = time.monotonic() - started
    remove_leftovers()
    for name in (BASE, tag):
        SIZES[name] = int(podman("image", "inspect", name, "--format", "{{.Size}}").strip())
    return SIZES[tag]


def leftovers() -> list[str]:
    """Images the builds here made that no tag names: builder stages, cached layers, the image a rebuild untagged."""
    made = podman("images", "--all", "--no-trunc", "--filter", f"label={LABEL}", "--format", "{{.ID}} {{.Repository}}")
    return list(dict.fromkeys(line.split()[0] for line in made.splitlines() if line.endswith(" <none>")))


def remove_leftovers() -> None:
    """Remove :func:`leftovers` (each run left two images of 130 MB or more, dangling, in podman's storage)."""
    for image in leftovers():
        podman("rmi", image, check=False)
