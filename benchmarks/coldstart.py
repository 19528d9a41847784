"""Cold start: seq-fn on a one-item ResourceList against the bare start of the same interpreter or container.

kustomize, kpt and Argo CD start seq-fn once per render, so on small inputs its start is its speed.

- In a clean venv: seq-fn installed by pip from a wheel of this checkout (bytecode compiled, as pip does), nothing
  else in the venv, not even pip; against ``python -I -c pass`` of that venv's interpreter. The test venv is not
  used: its ``.pth`` files (editable install, setuptools) slow the bare start and flatter the ratio.
- In the image built from the Dockerfile: ``podman run --rm -i IMAGE < one.yaml`` against ``podman run --rm
  --entrypoint <the image's python> IMAGE -I -c pass``.
- ``kpt fn eval --image`` on a one-workload package, against the same pipeline whose function is an identity
  image on the same base (a Python one-liner that copies stdin to stdout).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).parent.parent
#: One Job with two containers; its ``order`` annotation asks for sequencing whatever the selection defaults.
JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    seq-fn.dev/order: "migrate,seed"
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: seed
        image: registry.example/seed:1.0
        args: [--all]
      - name: migrate
        image: registry.example/migrate:1.0
        args: [--up]
"""
ONE = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + "".join(
    f"  {line}\n" if n else f"- {line}\n" for n, line in enumerate(JOB.splitlines())
)
#: The same with what ``kpt fn eval --image seq-fn -- strategy=init-containers`` sends: its fields are validated.
WITH_CONFIG = (
    ONE + "functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: function-input}\n"
    "  data: {strategy: init-containers}\n"
)
IDENTITY = "localhost/seq-fn-bench-identity:local"
#: The benchmark's own tag for the function image: a test run building ``localhost/seq-fn:dev`` meanwhile (on a
#: machine shared with other checkouts) must not swap the image under measurement.
IMAGE = "localhost/seq-fn-bench:local"


def clean_venv(folder: Path, wheels: str | None) -> Path:
    """A venv holding seq-fn (from a wheel of this checkout) and its dependencies only; returns its bin folder.

    ``wheels``: a folder of wheels to install from with no index (offline); otherwise pip's own configuration
    (and its cache) provides the dependencies and the build backend.
    """
    offline = ["--no-index", "--find-links", wheels] if wheels else []
    dist = folder / "dist"
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", *offline, "-w", str(dist), str(ROOT)], check=True, timeout=600)
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    wheel = next(dist.glob("seq_fn-*.whl"))
    subprocess.run([*pip, "--python", str(venv / "bin" / "python"), "install", *offline, str(wheel)],
                   check=True, timeout=600)  # fmt: skip
    return venv / "bin"


def podman_env() -> dict[str, str]:
    """The podman settings of the runtime tests (runc, cgroupfs, ulimits these machines grant)."""
    return {**os.environ, "CONTAINERS_CONF": str(ROOT / "tests" / "runtime" / "containers.conf")}


def build_images() -> tuple[str, dict[str, int]]:
    """seq-fn's image (the runtime tests' build, on the debootstrap base) and an identity image on the same base."""
    os.environ.update(podman_env())
    from tests.runtime import image

    image.build(IMAGE)
    containerfile = (
        f"FROM {image.BASE}\nUSER nobody\n"
        'ENTRYPOINT ["python3", "-I", "-c", "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read())"]\n'
    )
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "Containerfile").write_text(containerfile)
        subprocess.run(["podman", "build", "-q", "-t", IDENTITY, tmp], check=True, capture_output=True, timeout=300)
    return IMAGE, dict(image.SIZES)


def image_python(name: str) -> str:
    """The interpreter the image's entry point runs (the venv's python)."""
    entrypoint = subprocess.run(["podman", "image", "inspect", name, "--format", "{{index .Config.Entrypoint 0}}"],
                                capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    return str(Path(entrypoint).parent / "python")


def kpt_package(folder: Path) -> None:
    """A kpt package with the one Job (kpt reads only files, so a Kptfile is not needed)."""
    folder.mkdir()
    (folder / "job.yaml").write_text(JOB)


def kpt_image_run(package: Path, work: Path, image: str) -> list[str]:
    """``kpt fn eval --image`` on a fresh copy of the package, so that every run starts from the same files."""
    kpt = shutil.which("kpt") or "kpt"
    return ["sh", "-c", f"rm -rf {work} && cp -r {package} {work} && "
            f"KPT_FN_RUNTIME=podman {kpt} fn eval {work} --image {image} --image-pull-policy never"]  # fmt: skip
