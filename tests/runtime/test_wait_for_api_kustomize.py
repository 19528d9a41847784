"""API waits under the real kustomize: seq-fn's image as a container transformer (``kubectl kustomize
--enable-alpha-plugins`` with a ``docker`` on PATH that execs podman; ``kubectl kustomize`` skips exec functions,
so the image is the way kustomize runs seq-fn). The Role and RoleBinding come out with the workload, equal to what
the library gives, and building again from that output adds nothing.

The image is built from this checkout under a tag of its own, so no other checkout's ``localhost/seq-fn:dev`` is
replaced.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import krm_fn
from krm_fn.sdk import yamlio
from tests.e2e.conftest import need, run
from tests.runtime import image
from tests.runtime.podman import podman
from tests.support import kube

pytestmark = pytest.mark.runtime
GOLDEN = Path(__file__).parent.parent / "golden"
TAG = "localhost/seq-fn:api-waits-test"


@pytest.fixture(scope="module")
def built() -> Iterator[str]:
    image.build(TAG)
    yield TAG
    podman("rmi", TAG, check=False)  # this module's own tag: nothing else uses it


def kustomize(folder: Path, resources: str, tmp_path: Path, extra: str = "") -> list[dict]:
    """``kubectl kustomize`` of ``resources`` with seq-fn's image as the transformer; the objects it prints."""
    shim = tmp_path / "bin"
    shim.mkdir(exist_ok=True)
    (shim / "docker").write_text('#!/bin/sh\nexec podman "$@"\n')
    (shim / "docker").chmod(0o755)
    folder.mkdir()
    (folder / "resources.yaml").write_text(resources)
    (folder / "kustomization.yaml").write_text(f"{extra}resources: [resources.yaml]\ntransformers: [seq-fn.yaml]\n")
    (folder / "seq-fn.yaml").write_text(
        "apiVersion: seq-fn.dev/v1alpha1\nkind: SequenceContainers\nmetadata:\n  name: sequence\n"
        f"  annotations:\n    config.kubernetes.io/function: |\n      container:\n        image: {TAG}\n"
    )
    env = {**os.environ, "PATH": f"{shim}:{os.environ['PATH']}"}
    done = run([need("kubectl"), "kustomize", "--enable-alpha-plugins", str(folder)], env=env)
    assert done.returncode == 0, done.stderr
    return [yamlio.to_plain(d) for d in yamlio.load_all(done.stdout) if d is not None]


def identity(obj: dict) -> tuple[str, str, str]:
    return obj["kind"], obj["metadata"].get("namespace", ""), obj["metadata"]["name"]


def test_kustomize_writes_the_rbac_the_library_gives_and_a_second_build_adds_nothing(built: str, tmp_path: Path):
    source = (GOLDEN / "wait-for-api-cross-namespace" / "input.yaml").read_text()
    first = kustomize(tmp_path / "once", source, tmp_path)
    want = [yamlio.to_plain(o) for o in krm_fn.sequence_resources(yamlio.load_all(source))[0]]
    assert (
        sorted(map(identity, first))
        == sorted(map(identity, want))
        == sorted(
            [
                ("CronJob", "ops", "backup"),
                ("Role", "ops", "seq-fn-wait-backup"),
                ("RoleBinding", "ops", "seq-fn-wait-backup"),
                ("Role", "data", "seq-fn-wait-backup.ops"),
                ("RoleBinding", "data", "seq-fn-wait-backup.ops"),
            ]
        )
    )
    by_id = {identity(o): o for o in want}
    for obj in first:
        assert obj == by_id[identity(obj)], identity(obj)
        if obj["kind"] in ("Role", "RoleBinding"):
            kube.validate_strict(obj, "1.29")
    second = kustomize(tmp_path / "twice", "---\n".join(yamlio.dump(o) for o in first), tmp_path)
    assert sorted(map(identity, second)) == sorted(map(identity, first)), "nothing added the second time"
    assert second == first
    shutil.rmtree(tmp_path / "bin")


def test_kustomizes_namespace_field_gives_the_workload_the_namespace_its_rbac_needs(built: str, tmp_path: Path):
    """kustomize applies ``namespace:`` before its ``transformers:``, so a workload without one gets its RBAC."""
    source = (GOLDEN / "wait-for-api-rbac-already-there" / "input.yaml").read_text().split("---\n")[0]
    source = source.replace("  namespace: shop\n", "", 1)
    out = kustomize(tmp_path / "ns", source, tmp_path, extra="namespace: shop\n")
    assert sorted(map(identity, out)) == [
        ("Deployment", "shop", "web"),
        ("Role", "shop", "seq-fn-wait-web"),
        ("RoleBinding", "shop", "seq-fn-wait-web"),
    ]
