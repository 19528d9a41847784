"""seq-fn over a realistic application directory (tests/corpus, see its README.md): nothing unasked changes.

A Kubernetes engineer runs seq-fn over a whole application: meshed Deployments, a redis-ha StatefulSet whose
Services target named ports, Jobs with a Cloud SQL proxy, a DaemonSet, a ``kubectl get -o yaml`` export, a
kustomization.yaml and a Kptfile. Everything runs through the real ``seq-fn`` command on PATH and the real
``kpt``; changed workloads are validated with kubernetes-validate, strictly, at the config's version.

Documents are compared as the bytes between ``---`` lines, with a splitter of this file's own.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.e2e.conftest import need, run, snapshot
from tests.support import kube, kubectl_reader

pytestmark = pytest.mark.e2e

CORPUS = Path(__file__).parent.parent / "corpus"
ENABLED = 'seq-fn.dev/enabled: "true"'
# The well-known long-running containers of the corpus, by name: none may become a step or a main container.
KNOWN_SIDECARS = {"istio-proxy", "linkerd-proxy", "kube-rbac-proxy", "cloud-sql-proxy", "fluent-bit", "envoy"}
# Every workload of the corpus with more than one container (the List's Deployment included).
MULTI_CONTAINER = {
    "Deployment shop/storefront",
    "Deployment shop/cart",
    "Deployment shop/checkout",
    "Deployment monitoring/postgres-exporter",
    "StatefulSet shop/redis-ha-server",
    "DaemonSet logging/fluent-bit",
    "Job shop/orders-db-migrate",
    "CronJob shop/orders-backup",
}
_DOC_START = re.compile(r"^---(?=[ \t\r\n]|$)", re.MULTILINE)


def split(text: str) -> list[str]:
    """The exact text of each document of a stream: cut where a ``---`` line starts in column 0."""
    starts = [m.start() for m in _DOC_START.finditer(text)]
    if not starts or starts[0] != 0:
        starts.insert(0, 0)
    return [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True) if b > a]


def yaml_files(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.suffix in (".yaml", ".yml"))


def files_of(root: Path) -> list[str]:
    """Every *.yaml file of the folder, named one by one: ``seq-fn DIR`` itself leaves out what .krmignore lists
    (the List export, as kpt does), and these tests want the export read too."""
    return [str(p) for p in yaml_files(root)]


def stream_of(root: Path) -> list[tuple[str, str]]:
    """What ``seq-fn DIR`` prints for a directory it changes nothing in: each *.yaml file's documents, in file
    order, a ``---`` line put before a file's first document when the file does not start with one."""
    out = []
    for path in yaml_files(root):
        for index, doc in enumerate(split(path.read_bytes().decode())):
            bare = index == 0 and out and not _DOC_START.match(doc)
            out.append((f"{path.name}[{index}]", "---\n" + doc if bare else doc))
    return out


def seq_fn(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """The installed ``seq-fn`` command; output is decoded from bytes, so CRLF stays CRLF."""
    done = subprocess.run([need("seq-fn"), *args], input=stdin.encode(), capture_output=True, timeout=300, check=False)
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(), done.stderr.decode())


def objects_of(doc: str) -> list[Mapping[str, Any]]:
    """The Kubernetes objects of one document, a List's items one by one (after the List itself)."""
    loaded = [d for d in yaml.safe_load_all(doc) if isinstance(d, Mapping) and "kind" in d]
    return [inner for obj in loaded for inner in [obj, *(obj.get("items") or [] if obj["kind"] == "List" else [])]]


def pod_spec(obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    kind = obj.get("kind")
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
        return obj["spec"]["template"]["spec"]
    if kind == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return None


def name_of(obj: Mapping[str, Any]) -> str:
    return f"{obj['kind']} {obj['metadata'].get('namespace', '')}/{obj['metadata']['name']}"


def workloads(docs: list[str]) -> Iterator[tuple[str, Mapping[str, Any], Mapping[str, Any]]]:
    """(name, object, pod spec) of every workload in the documents, inside Lists too."""
    for doc in docs:
        for obj in objects_of(doc):
            spec = pod_spec(obj)
            if spec is not None:
                yield name_of(obj), obj, spec


def names(containers: list[Mapping[str, Any]] | None) -> list[str]:
    return [c["name"] for c in containers or []]


def copy_corpus(tmp_path: Path, name: str = "app") -> Path:
    target = tmp_path / name
    shutil.copytree(CORPUS, target)
    return target


def kpt_against_identity(
    tmp_path: Path, prepare: Callable[[Path], None] | None = None, *seq_fn_args: str
) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
    """Two copies of the corpus, each prepared alike: ``identity`` run through kpt with ``cat`` as the function,
    ``package`` with seq-fn; the two folders and seq-fn's run (kpt rewrites what it reads, so only the identity
    run says what an untouched file becomes)."""
    identity, package = copy_corpus(tmp_path, "identity"), copy_corpus(tmp_path, "package")
    for root in (identity, package):
        if prepare is not None:
            prepare(root)
    assert run([need("kpt"), "fn", "eval", str(identity), "--exec", need("cat")]).returncode == 0
    return identity, package, run([need("kpt"), "fn", "eval", str(package), "--exec", need("seq-fn"), *seq_fn_args])


def insert_after(path: Path, anchor: str, text: str) -> None:
    """Edit a manifest as a person does: put ``text`` after the one place ``anchor`` stands (line ends kept)."""
    data = path.read_bytes().decode()
    newline = "\r\n" if "\r\n" in data else "\n"
    anchor, text = anchor.replace("\n", newline), text.replace("\n", newline)
    assert data.count(anchor) == 1, f"{path.name}: {anchor!r} must stand exactly once"
    path.write_bytes(data.replace(anchor, anchor + text).encode())


# The edits that ask for a workload, each at a place that stands once in its file.
ASK = {
    "storefront": ("storefront.yaml", "kind: Deployment\nmetadata:\n  name: storefront\n",
                   f"  annotations:\n    {ENABLED}\n"),
    "checkout": ("checkout-export.yaml", '    annotations:\n      deployment.kubernetes.io/revision: "7"\n',
                 f"      {ENABLED}\n"),
    "migrate": ("jobs.yaml", "  name: orders-db-migrate\n", f"  annotations:\n    {ENABLED}\n"),
    "migrate-sidecars": ("jobs.yaml", "  name: orders-db-migrate\n",
                         '  annotations:\n    seq-fn.dev/sidecars: cloud-sql-proxy\n'),
    "redis-ha": ("redis-ha.yaml", "  name: redis-ha-server\n", f"  annotations:\n    {ENABLED}\n"),
}  # fmt: skip


def ask(root: Path, *which: str) -> None:
    for key in which:
        insert_after(root / ASK[key][0], ASK[key][1], ASK[key][2])


def changed_documents(before: list[tuple[str, str]], out: str) -> dict[str, str]:
    """The documents of ``out`` that differ from ``before``, by file and index; the counts must agree."""
    after = split(out)
    assert len(after) == len(before), f"{len(before)} documents in, {len(after)} out"
    return {where: new for (where, old), new in zip(before, after, strict=True) if new != old}


def config_file(tmp_path: Path, body: str) -> str:
    path = tmp_path / "sequence.yaml"
    path.write_text(f"apiVersion: seq-fn.dev/v1alpha1\nkind: SequenceContainers\nmetadata: {{name: s}}\n{body}")
    return str(path)


def comment_lines(data: bytes) -> list[str]:
    """Every line that holds a comment (or a ``#`` in a script), without its indentation, sorted."""
    return sorted(line.strip() for line in data.decode().splitlines() if "#" in line)


def check_strict(obj: Mapping[str, Any], version: str) -> None:
    kube.validate_strict(obj, version)
    assert not kube.semantic_errors(obj), kube.semantic_errors(obj)


def lines(stderr: str, severity: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(f"seq-fn: {severity}: ")]


# 1. standalone mode, no config


def test_corpus_is_realistic_and_small():
    kinds = {obj["kind"] for path in yaml_files(CORPUS) for obj in objects_of(path.read_text())}
    assert {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "List", "Service", "Ingress", "ConfigMap",
            "Kustomization"} <= kinds  # fmt: skip
    assert (CORPUS / "Kptfile").is_file()
    assert b"\r\n" in (CORPUS / "cart.yaml").read_bytes(), "one file has CRLF line ends"
    assert {n for n, _, spec in workloads([p.read_text() for p in yaml_files(CORPUS)])
            if len(spec["containers"]) > 1} == MULTI_CONTAINER  # fmt: skip
    assert sum(p.stat().st_size for p in CORPUS.iterdir()) < 42_000


def test_standalone_with_no_config_prints_every_document_byte_for_byte_and_a_hint_per_multi_container_workload():
    before = stream_of(CORPUS)
    done = seq_fn(*files_of(CORPUS))
    assert done.returncode == 0, done.stderr
    after = split(done.stdout)
    assert len(after) == len(before), f"{len(before)} documents in, {len(after)} out"
    for (where, old), new in zip(before, after, strict=True):
        assert new == old, f"{where} changed"
    assert not lines(done.stderr, "warning") and not lines(done.stderr, "error"), done.stderr
    hints = lines(done.stderr, "info")
    assert {n for n in MULTI_CONTAINER if any(f"info: {n} (" in h for h in hints)} == MULTI_CONTAINER, hints
    assert len(hints) == len(MULTI_CONTAINER) and all('seq-fn.dev/enabled: "true"' in h for h in hints), hints


def test_standalone_reads_the_yaml_files_of_the_directory_kustomization_included_and_not_the_kptfile():
    done = seq_fn(str(CORPUS))
    assert done.returncode == 0, done.stderr
    assert (CORPUS / "kustomization.yaml").read_text() in done.stdout, "read, and written back untouched"
    assert "kind: Kptfile" not in done.stdout, "a Kptfile is no .yaml file: not read"
    assert "kpt refuses a kind: List" not in done.stdout, ".krmignore is not read"
    assert "kind: List" not in done.stdout, "seq-fn DIR leaves out what .krmignore lists, as kpt does"
    assert (CORPUS / "README.md").read_text().splitlines()[0] not in done.stdout


# 2. kpt fn eval


def test_kpt_eval_exec_seq_fn_leaves_every_file_as_kpt_identity_round_trip_leaves_it(tmp_path: Path):
    identity, package, done = kpt_against_identity(tmp_path)
    assert done.returncode == 0, done.stderr
    assert "is not sequenced: declares no intent" in done.stderr, "seq-fn ran and said why it changed nothing"
    after, expected = snapshot(package), snapshot(identity)
    assert after.keys() == expected.keys()
    for name in expected:
        assert after[name] == expected[name], f"{name} differs from kpt's identity round trip"
    assert after["checkout-export.yaml"] == (CORPUS / "checkout-export.yaml").read_bytes(), "ignored by kpt"


def test_kpt_eval_exec_seq_fn_changes_only_the_asked_workloads_file(tmp_path: Path):
    identity, package, done = kpt_against_identity(tmp_path, lambda root: ask(root, "storefront"))
    assert done.returncode == 0, done.stderr
    after, expected = snapshot(package), snapshot(identity)
    assert {name for name in expected if after[name] != expected[name]} == {"storefront.yaml"}
    deployment = yaml.safe_load_all((package / "storefront.yaml").read_text()).__next__()
    assert names(deployment["spec"]["template"]["spec"]["containers"]) == ["storefront"]


def test_kpt_eval_sequences_the_asked_deployment_inside_a_named_list_and_leaves_its_service(tmp_path: Path):
    """kpt takes a List once it has a name: the kubectl export, named, with its Deployment asked."""

    def name_the_list(root: Path) -> None:
        (root / ".krmignore").unlink()
        insert_after(root / "checkout-export.yaml", "kind: List\nmetadata:\n", "  name: checkout-export\n")
        ask(root, "checkout")

    identity, package, done = kpt_against_identity(tmp_path, name_the_list)
    assert done.returncode == 0, done.stderr
    after, expected = snapshot(package), snapshot(identity)
    assert {name for name in expected if after[name] != expected[name]} == {"checkout-export.yaml"}
    _, deployment, service = objects_of((package / "checkout-export.yaml").read_text())
    spec = pod_spec(deployment)
    assert spec is not None
    assert [(c["name"], c.get("restartPolicy")) for c in spec["initContainers"]] == [("envoy", "Always")]
    assert names(spec["containers"]) == ["checkout"]
    assert service == objects_of((identity / "checkout-export.yaml").read_text())[2]
    check_strict(deployment, "1.29")


def test_kpt_eval_with_select_all_sequences_every_multi_container_file_and_keeps_each_comment_once(tmp_path: Path):
    """kpt copies comments back by position; every comment line must still stand once, on its own container."""
    body = 'selectAll: true\nkubernetesVersion: "1.32"\nexclude: [{kind: Job, name: orders-db-migrate}]\n'
    identity, package, done = kpt_against_identity(tmp_path, None, "--fn-config", config_file(tmp_path, body))
    assert done.returncode == 0, done.stderr
    after, expected = snapshot(package), snapshot(identity)
    changed = {name for name in expected if after[name] != expected[name]}
    assert changed == {"storefront.yaml", "cart.yaml", "postgres-exporter.yaml", "redis-ha.yaml",
                       "fluent-bit.yaml", "backup-cronjob.yaml"}, "checkout-export.yaml is kept from kpt"  # fmt: skip
    for name in changed:
        assert comment_lines(after[name]) == comment_lines(expected[name]), f"{name}: a comment got lost or doubled"
    texts = [(package / name).read_text() for name in sorted(changed)]
    for name, _, spec in workloads(texts):
        assert not KNOWN_SIDECARS & set(names(spec["containers"])), f"{name}: a known sidecar is a main container"
    storefront = pod_spec(objects_of((package / "storefront.yaml").read_text())[0])
    assert storefront is not None
    app = storefront["containers"][0]
    assert app["name"] == "storefront" and app["env"][0]["name"] == "CART_URL"
    assert "8080 # through the mesh" in after["storefront.yaml"].decode(), "the comment stayed on the app's env"


# 3. asked workloads


def test_asked_workloads_are_sequenced_and_no_other_document_changes(tmp_path: Path):
    root = copy_corpus(tmp_path)
    ask(root, "storefront", "checkout", "migrate-sidecars")
    before = stream_of(root)
    done = seq_fn(*files_of(root))
    assert done.returncode == 0, done.stderr
    changed = changed_documents(before, done.stdout)
    assert set(changed) == {"storefront.yaml[0]", "checkout-export.yaml[0]", "jobs.yaml[0]"}

    storefront = objects_of(changed["storefront.yaml[0]"])[0]
    spec = pod_spec(storefront)
    assert spec is not None
    assert names(spec["initContainers"]) == ["istio-init", "istio-proxy"], "the proxy starts first, after iptables"
    assert "restartPolicy" not in spec["initContainers"][0]
    assert spec["initContainers"][1]["restartPolicy"] == "Always", "istio-proxy is a native sidecar"
    assert names(spec["containers"]) == ["storefront"], "the app is the main container"
    annotations = storefront["spec"]["template"]["metadata"]["annotations"]
    assert annotations["kubectl.kubernetes.io/default-container"] == "storefront"

    job = objects_of(changed["jobs.yaml[0]"])[0]
    spec = pod_spec(job)
    assert spec is not None
    assert [(c["name"], c.get("restartPolicy")) for c in spec["initContainers"]] == [("cloud-sql-proxy", "Always")]
    assert names(spec["containers"]) == ["migrate"]

    the_list, deployment, service = objects_of(changed["checkout-export.yaml[0]"])
    assert the_list["kind"] == "List"
    spec = pod_spec(deployment)
    assert spec is not None
    assert [(c["name"], c.get("restartPolicy")) for c in spec["initContainers"]] == [("envoy", "Always")]
    assert names(spec["containers"]) == ["checkout"]
    original = (root / "checkout-export.yaml").read_text()
    service_text = original[original.index("- apiVersion: v1\n  kind: Service") :]
    assert changed["checkout-export.yaml[0]"].endswith(service_text), "the List's Service item is as it was"
    assert service == objects_of(original)[2]

    for obj in (storefront, job, deployment):
        check_strict(obj, "1.29")


def test_a_job_asked_with_an_undeclared_cloud_sql_proxy_gets_it_as_a_native_sidecar_started_first(tmp_path: Path):
    """The README's first example: the proxy is well known, so it serves every step and stops after the last."""
    root = copy_corpus(tmp_path)
    ask(root, "migrate")
    before = stream_of(root)
    done = seq_fn("-v", *files_of(root))
    assert done.returncode == 0, done.stderr
    changed = changed_documents(before, done.stdout)
    (only,) = changed.values()
    job = objects_of(only)[0]
    spec = pod_spec(job)
    assert spec is not None
    assert (spec["initContainers"][0]["name"], spec["initContainers"][0]["restartPolicy"]) == (
        "cloud-sql-proxy", "Always"
    )  # fmt: skip
    assert "cloud-sql-proxy" not in names(spec["containers"])
    (info,) = [line for line in lines(done.stderr, "info") if "orders-db-migrate" in line]
    assert "cloud-sql-proxy: well-known long-running, so started first" in info
    check_strict(job, "1.29")


def test_redis_ha_asked_at_1_29_is_refused_naming_the_service_and_both_ways_out(tmp_path: Path):
    root = copy_corpus(tmp_path)
    ask(root, "redis-ha")
    done = seq_fn("--config", config_file(tmp_path, 'kubernetesVersion: "1.29"\n'), *files_of(root))
    assert done.returncode == 1
    assert done.stdout == ""
    errors = lines(done.stderr, "error")
    assert len(errors) == 2, done.stderr
    for port, error in zip(("redis", "sentinel"), errors, strict=True):
        assert "StatefulSet shop/redis-ha-server" in error and f"port {port!r}" in error
        assert "Services redis-ha, redis-ha-announce-0 target" in error, "the headless and the per-replica one"
        assert "Use the port number as the Service's targetPort" in error, "way out 1"
        assert "raise kubernetesVersion to 1.32 or newer" in error, "way out 2"


def test_redis_ha_asked_at_1_32_is_sequenced_and_only_its_document_changes(tmp_path: Path):
    root = copy_corpus(tmp_path)
    ask(root, "redis-ha")
    before = stream_of(root)
    done = seq_fn("--config", config_file(tmp_path, 'kubernetesVersion: "1.32"\n'), *files_of(root))
    assert done.returncode == 0, done.stderr
    changed = changed_documents(before, done.stdout)
    assert set(changed) == {"redis-ha.yaml[1]"}
    statefulset = objects_of(changed["redis-ha.yaml[1]"])[0]
    spec = pod_spec(statefulset)
    assert spec is not None
    init = spec["initContainers"]
    assert [(c["name"], c.get("restartPolicy")) for c in init] == [
        ("config-init", None), ("redis", "Always"), ("sentinel", "Always")
    ]  # fmt: skip
    assert names(spec["containers"]) == ["split-brain-fix"]
    assert [p["name"] for c in init[1:] for p in c["ports"]] == ["redis", "sentinel"], "the Services' port names"
    for gate in init[1:]:
        probe = gate["startupProbe"]
        assert probe["periodSeconds"] * probe["failureThreshold"] >= 300, "a replication check gets 5 minutes"
    check_strict(statefulset, "1.32")


# 4. --all


def test_all_at_1_29_refuses_only_named_ports_that_services_target_below_1_32(tmp_path: Path):
    done = seq_fn("--all", "--config", config_file(tmp_path, 'kubernetesVersion: "1.29"\n'), *files_of(CORPUS))
    assert done.returncode == 1
    assert done.stdout == ""
    errors = lines(done.stderr, "error")
    refused = {line.split(": ")[2] for line in errors}
    assert refused == {"StatefulSet shop/redis-ha-server", "Deployment monitoring/postgres-exporter"}, errors
    for error in errors:
        assert "is now a native sidecar and its port" in error and "kubernetesVersion is 1.29" in error
        assert re.search(r"\(file \S+/(redis-ha|postgres-exporter)\.yaml, line \d+\)$", error), error


def test_all_at_the_default_version_refuses_nothing():
    """Every supported cluster reaches a native sidecar's named port, and the Job's Cloud SQL proxy is a known
    sidecar (issue 22): at the default version ``--all`` sequences the whole corpus."""
    done = seq_fn("--all", *files_of(CORPUS))
    assert done.returncode == 0, done.stderr
    assert "named" not in done.stderr, "no error or warning about named ports on a supported cluster"


@pytest.mark.parametrize(
    ("version", "excluded"),
    [
        ("1.29", {"StatefulSet shop/redis-ha-server", "Deployment monitoring/postgres-exporter"}),
        ("1.32", set()),
    ],
)  # fmt: skip
def test_all_never_makes_a_known_sidecar_a_main_container_or_a_step_in_any_workload(
    tmp_path: Path, version: str, excluded: set[str]
):
    """Every other workload is sequenced; the refused ones (see above) are excluded by the config."""
    exclude = "".join(f"- {{kind: {n.split()[0]}, name: {n.split('/')[1]}}}\n" for n in sorted(excluded))
    config = config_file(tmp_path, f'kubernetesVersion: "{version}"\n' + (f"exclude:\n{exclude}" if exclude else ""))
    before = stream_of(CORPUS)
    done = seq_fn("--all", "--config", config, *files_of(CORPUS))
    assert done.returncode == 0, done.stderr
    changed = changed_documents(before, done.stdout)
    sequenced = set()
    for name, obj, spec in workloads(split(done.stdout)):
        if name not in excluded:
            assert not KNOWN_SIDECARS & set(names(spec["containers"])), f"{name}: a known sidecar is a main container"
        for init in spec.get("initContainers") or []:
            if init["name"] in KNOWN_SIDECARS:
                assert init.get("restartPolicy") == "Always", f"{name}: {init['name']} is a step"
        if "seq-fn.dev/sequenced" in (obj["metadata"].get("annotations") or {}):
            sequenced.add(name)
            check_strict(obj, version)
    assert sequenced == MULTI_CONTAINER - excluded
    assert len(changed) == len(sequenced), "one changed document per sequenced workload, no other"
    again = seq_fn("--all", "--config", config, "-", stdin=done.stdout)
    assert again.returncode == 0 and again.stdout == done.stdout, "a second run changes nothing"
    cart = changed["cart.yaml[0]"].removeprefix("---\n")  # the separator between files is seq-fn's own
    assert "\n" not in cart.replace("\r\n", ""), "the CRLF file keeps CRLF line ends"


# 5. what Kubernetes reads (issue 20)

#: Container fields a strategy may rewrite on purpose (the entrypoint wraps commands; a native sidecar gets a gate).
REWRITTEN = {"command", "args", "startupProbe", "readinessProbe", "livenessProbe", "lifecycle", "restartPolicy"}


def test_all_changes_nothing_kubectl_reads_but_what_sequencing_means(tmp_path: Path):
    """Under ``--all``, every document reads under kubectl as its input did (octal ``defaultMode: 0755`` and
    ``0400`` included), except what sequencing means: containers moved between the two lists, the fields a
    strategy adds, and the annotations seq-fn writes. kubectl's reader is the oracle."""
    config = config_file(tmp_path, 'kubernetesVersion: "1.32"\n')
    given = "".join(text for _, text in stream_of(CORPUS))
    done = seq_fn("--all", "--config", config, *files_of(CORPUS))
    assert done.returncode == 0, done.stderr
    before, after = kubectl_reader.read("---\n" + given), kubectl_reader.read("---\n" + done.stdout)
    assert len(before) == len(after)
    modes = [v["secret"]["defaultMode"] for o in after for v in _pod(o).get("volumes", []) if "secret" in v]
    assert 256 in modes, "the corpus holds a Secret volume with defaultMode: 0400"
    for old, new in zip(before, after, strict=True):
        if old == new:
            continue
        assert "seq-fn.dev/sequenced" in new["metadata"]["annotations"], new["metadata"]["name"]
        old_spec, new_spec = _pod(old), _pod(new)
        for key, value in old_spec.items():
            if key not in ("containers", "initContainers", "volumes"):
                assert new_spec[key] == value, (new["metadata"]["name"], key)
        assert all(v in new_spec["volumes"] for v in old_spec.get("volumes", []))
        moved = {c["name"]: c for c in [*new_spec.get("initContainers", []), *new_spec["containers"]]}
        for container in [*old_spec.get("initContainers", []), *old_spec["containers"]]:
            for key, value in container.items():
                if key not in REWRITTEN:
                    assert moved[container["name"]][key] == value, (container["name"], key)
        without_template = {k: v for k, v in new["spec"].items() if k not in ("template", "jobTemplate")}
        assert without_template == {k: v for k, v in old["spec"].items() if k not in ("template", "jobTemplate")}


def _pod(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = obj.get("spec", {})
    spec = spec.get("jobTemplate", {}).get("spec", spec)
    return spec.get("template", {}).get("spec", {})
