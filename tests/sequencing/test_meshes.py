"""Meshes that inject their proxy at admission: what seq-fn writes, what kubectl reads, where the proxy then runs.

The golden cases ``mesh-*`` pin the outputs and messages; these tests check what a user would see around them:
kubectl's reading of the written switch, the placement a mesh's webhook then gives the proxy, the standalone
stream's order, and ``plan``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from krm_fn.sdk import yamlio
from krm_fn.sequencing import meshes
from tests.support import kube, kubectl_reader
from tests.support.run import command

GOLDEN = Path(__file__).parent.parent / "golden"


def _by_name(objects: list[Any]) -> dict[str, Any]:
    return {o["metadata"]["name"]: o for o in objects if isinstance(o, Mapping)}


def test_kubectl_reads_the_written_switch_as_the_string_the_mesh_expects_and_the_unasked_job_is_untouched(
    tmp_path: Path,
) -> None:
    source = GOLDEN / "mesh-istio-job-label" / "input.yaml"
    ran = command([str(source)])
    assert ran.code == 0, ran.stderr
    after, before = _by_name(kubectl_reader.read(ran.stdout)), _by_name(kubectl_reader.read(source.read_text()))
    annotations = after["migrate"]["spec"]["template"]["metadata"]["annotations"]
    assert annotations[meshes.ISTIO.switch] == "true"  # a string: the API server refuses a boolean annotation
    assert after["report"] == before["report"]


def _inject_like_the_mesh(pod_spec: Mapping[str, Any], annotations: Mapping[str, Any], mesh: meshes.Mesh) -> Any:
    """A STAND-IN for the mesh's admission webhook, which cannot run here (no cluster, no istiod or linkerd).

    It follows only the placement read in the meshes' source (see :mod:`krm_fn.sequencing.meshes`): with the switch
    at anything but "false", the mesh's init container and then its proxy (``restartPolicy: Always``) go first in
    ``initContainers``; otherwise the proxy is appended to ``containers``. Nothing else of the injection is modelled.
    """
    spec = copy.deepcopy(dict(pod_spec))
    proxy = {"name": mesh.proxy, "image": "example.invalid/proxy:1"}
    setup = {"name": "istio-init" if mesh is meshes.ISTIO else "linkerd-init", "image": "example.invalid/init:1"}
    if str(annotations.get(mesh.switch, "false")) != "false":
        spec["initContainers"] = [setup, {**proxy, "restartPolicy": "Always"}, *spec.get("initContainers", [])]
    else:
        spec["containers"] = [*spec["containers"], proxy]
        spec["initContainers"] = [*spec.get("initContainers", []), setup]
    return spec


@pytest.mark.parametrize(
    ("case", "mesh"), [("mesh-istio-job-label", meshes.ISTIO), ("mesh-linkerd-job", meshes.LINKERD)]
)
def test_after_the_mesh_injects_the_sequenced_pod_its_proxy_starts_before_every_step(
    case: str, mesh: meshes.Mesh
) -> None:
    ran = command([str(GOLDEN / case / "input.yaml")])
    assert ran.code == 0, ran.stderr
    job = _by_name(yamlio.load_all(ran.stdout))["migrate"]
    template = job["spec"]["template"]
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "migrate-x", "annotations": dict(template["metadata"]["annotations"])},
        "spec": _inject_like_the_mesh(template["spec"], template["metadata"]["annotations"], mesh),
    }
    kube.validate_strict(pod, "1.29")
    names = [c["name"] for c in pod["spec"]["initContainers"]]
    assert pod["spec"]["initContainers"][names.index(mesh.proxy)]["restartPolicy"] == "Always"
    assert names.index(mesh.proxy) < names.index("schema"), names  # the step reaches the network through it


def test_a_namespace_later_in_a_directory_or_a_stream_still_decides_injection(tmp_path: Path) -> None:
    """Files come in name order and a stream is sequenced as it is read: the Namespaces are looked for first."""
    namespace, job = (GOLDEN / "mesh-linkerd-namespace" / "input.yaml").read_text().split("---\n")[:2]
    (tmp_path / "a-job.yaml").write_text(job)
    (tmp_path / "namespace.yaml").write_text(namespace)
    in_directory = command([str(tmp_path)])
    from_stdin = command(["-"], stdin=f"{job}---\n{namespace}")
    for ran in (in_directory, from_stdin):
        assert ran.code == 0, ran.stderr
        assert f"{meshes.LINKERD.switch}: 'true'" in ran.stdout
        assert ran.stdout.count(f"{meshes.LINKERD.switch}: ") == 1  # written once (the undo record names it too)


def test_plan_shows_the_mesh_each_workload_expects_and_where_its_proxy_runs() -> None:
    source = str(GOLDEN / "mesh-istio-namespace" / "input.yaml")
    text = command(["plan", source])
    assert text.code == 0, text.stderr
    blocks = {b.split("  (")[0]: b for b in text.stdout.split("\n\n")}
    block = blocks["CronJob shop/nightly"]
    assert "mesh: Istio injects its proxy (namespace shop label istio-injection=enabled) as a native sidecar" in block
    assert "then istio-proxy, ahead of every other init container" in block
    as_json = command(["plan", "-o", "json", source])
    views = {v["resourceRef"]["name"]: v for v in json.loads(as_json.stdout)}
    assert views["import"]["meshes"] == [
        {
            "podSpec": "spec.template.spec",
            "expects": "Istio injects no proxy (namespace legacy label istio-injection=disabled), nothing to change",
        }
    ]
    assert views["web"]["meshes"] == []  # not sequenced: nothing expected, nothing written


JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations:
    seq-fn.dev/enabled: "true"
spec:
  template:
    metadata:
      {where}:
        {key}: "{value}"
    spec:
      restartPolicy: Never
      containers:
      - {{name: schema, image: busybox:1.36, command: [sh, -c, "echo schema"]}}
      - {{name: seed, image: busybox:1.36, command: [sh, -c, "echo seed"]}}
"""


@pytest.mark.parametrize(
    ("where", "key", "value", "written"),
    [
        ("labels", "sidecar.istio.io/inject", "true", meshes.ISTIO.switch),
        ("annotations", "sidecar.istio.io/inject", "true", meshes.ISTIO.switch),
        ("labels", "istio.io/rev", "stable", meshes.ISTIO.switch),
        ("annotations", "linkerd.io/inject", "ingress", meshes.LINKERD.switch),
        ("labels", "linkerd.io/inject", "enabled", None),  # Linkerd reads annotations only
        ("annotations", "istio.io/rev", "stable", None),  # Istio's webhooks select on the label
        ("labels", "sidecar.istio.io/inject", "false", None),
    ],
)
def test_the_switch_is_written_where_the_mesh_reads_the_signal_and_only_there(
    where: str, key: str, value: str, written: str | None
) -> None:
    ran = command(["-"], stdin=JOB.format(where=where, key=key, value=value))
    assert ran.code == 0, ran.stderr
    found = [m.switch for m in meshes.MESHES if m.switch in ran.stdout]
    assert found == ([written] if written else [])
