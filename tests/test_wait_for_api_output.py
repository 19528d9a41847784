"""API waits in both output modes: the Role and RoleBinding come right after their workload, every other
document keeps its bytes, a conflicting Role fails the run with nothing printed, and a second run on the output
gives the output back byte for byte."""

from __future__ import annotations

from pathlib import Path

from krm_fn.sdk import yamlio
from tests.support.run import command, krm, resource_list

GOLDEN = Path(__file__).parent / "golden"
OTHER = "# a file's own comment\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}   # odd\ndata: {a: 'on'}\n"


def stream() -> str:
    return (GOLDEN / "wait-for-api-cross-namespace" / "input.yaml").read_text() + "---\n" + OTHER


def kinds(text: str) -> list[tuple[str, str, str]]:
    found = [d for part in yamlio.split_documents(text) for d in yamlio.load_all(part)]
    return [(d["kind"], d["metadata"].get("namespace", ""), d["metadata"]["name"]) for d in found if d]


EXPECTED = [
    ("CronJob", "ops", "backup"),
    ("Role", "ops", "seq-fn-wait-backup"),
    ("RoleBinding", "ops", "seq-fn-wait-backup"),
    ("Role", "data", "seq-fn-wait-backup.ops"),
    ("RoleBinding", "data", "seq-fn-wait-backup.ops"),
    ("ConfigMap", "", "settings"),
]


def test_standalone_writes_the_rbac_after_the_workload_and_a_second_run_is_byte_identical(tmp_path: Path):
    source = tmp_path / "in.yaml"
    source.write_text(stream())
    first = command(["-f", str(source)])
    assert first.code == 0, first.stderr
    assert kinds(first.stdout) == EXPECTED
    assert first.stdout.endswith("---\n" + OTHER), "the untouched document keeps its bytes"
    again = tmp_path / "out.yaml"
    again.write_text(first.stdout)
    second = command(["-f", str(again)])
    assert second.code == 0, second.stderr
    assert second.stdout == first.stdout


def test_krm_mode_inserts_the_rbac_after_the_workload_and_a_second_run_is_byte_identical():
    first = krm(resource_list(stream()))
    assert first.code == 0, first.stderr
    items = first.resource_list()["items"]
    assert [(i["kind"], i["metadata"].get("namespace", ""), i["metadata"]["name"]) for i in items] == EXPECTED
    second = krm(first.stdout.split("results:")[0])
    assert second.code == 0, second.stderr
    assert second.stdout.split("results:")[0] == first.stdout.split("results:")[0]


def test_a_conflicting_role_fails_the_run_and_prints_nothing(tmp_path: Path):
    source = tmp_path / "in.yaml"
    source.write_text((GOLDEN / "error-wait-for-api-conflicting-rbac" / "input.yaml").read_text())
    ran = command(["-f", str(source)])
    assert ran.code == 1
    assert ran.stdout == ""
    assert "needs a Role 'seq-fn-wait-web' in namespace 'shop', but one of that name is already there" in ran.stderr


def test_rbac_already_there_is_not_written_twice_in_standalone_mode(tmp_path: Path):
    source = tmp_path / "in.yaml"
    text = (GOLDEN / "wait-for-api-rbac-already-there" / "input.yaml").read_text()
    source.write_text(text)
    ran = command(["-f", str(source)])
    assert ran.code == 0, ran.stderr
    assert [k for k, _, _ in kinds(ran.stdout)] == ["Deployment", "Role", "RoleBinding"]
    assert ran.stdout.endswith(text.split("---\n", 1)[1]), "the Role and RoleBinding there keep their bytes"


def test_new_objects_get_the_next_free_index_of_the_workloads_file_in_both_modes():
    """kpt refuses two objects with one path and index: the Role and RoleBinding get the indexes after the file's."""
    docs = [d for p in yamlio.split_documents(stream()) for d in yamlio.load_all(p)]
    for index, doc in enumerate(docs):
        doc["metadata"]["annotations"] = {**(doc["metadata"].get("annotations") or {}),
                                          "config.kubernetes.io/path": "app.yaml",
                                          "config.kubernetes.io/index": str(index)}  # fmt: skip
    given = yamlio.dump({"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": docs})
    krm_items = krm(given).resource_list()["items"]
    standalone = command(["-"], stdin=given)
    assert standalone.code == 0, standalone.stderr
    for items in (krm_items, [d for p in yamlio.split_documents(standalone.stdout) for d in yamlio.load_all(p)]):
        indexes = [(i["kind"], i["metadata"]["annotations"]["config.kubernetes.io/index"]) for i in items]
        assert indexes == [("CronJob", "0"), ("Role", "2"), ("RoleBinding", "3"), ("Role", "4"),
                           ("RoleBinding", "5"), ("ConfigMap", "1")]  # fmt: skip
