"""No objects in, nothing out, exit 0: in every mode, as Unix filters do, so that pipelines of nothing work.

``helm template`` of a chart with no objects, an overlay that renders nothing, an empty folder: ``seq-fn ... |
kubectl apply -f -`` must not fail because there was nothing to do. A ResourceList with ``items: []`` still comes
back with ``items: []`` (kpt deletes the package's files when a function omits ``items``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from krm_fn.sdk import yamlio
from tests.support.run import command

EMPTY_RESOURCE_LIST = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n"


@pytest.mark.parametrize(
    "stdin",
    [b"", b"\n\n", b"  \n \n", b"# a chart that renders nothing\n---\n", b"---\n...\n", b"\xef\xbb\xbf"],
    ids=["empty", "blank-lines", "whitespace", "comments", "markers", "bom-only"],
)
@pytest.mark.parametrize("args", [[], ["-"], ["--all", "-"], ["plan", "-"]], ids=["krm", "stdin", "all", "plan"])
def test_a_stream_without_objects_exits_0(args: list[str], stdin: bytes) -> None:
    ran = command(args, stdin=stdin)
    assert ran.code == 0, ran.stderr
    assert ran.stderr == ""
    if args[:1] == ["plan"]:
        assert ran.stdout == "no pod-bearing workloads\n"
    else:  # what came in goes out, as it came: nothing, blank lines or the comments
        assert ran.stdout in ("", stdin.decode("utf-8-sig"), stdin.decode()), ran.stdout


def test_an_empty_file_and_an_empty_folder_exit_0_with_nothing_printed(tmp_path: Path) -> None:
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    folder = tmp_path / "nothing"
    folder.mkdir()
    for args in ([str(empty)], [str(folder)], ["--all", str(empty), str(folder)]):
        ran = command(args)
        assert (ran.code, ran.stdout, ran.stderr) == (0, "", ""), args


def test_a_resource_list_with_no_items_keeps_its_items_key() -> None:
    ran = command([], stdin=EMPTY_RESOURCE_LIST)
    assert ran.code == 0
    assert yamlio.load_all(ran.stdout)[0]["items"] == []
    assert "items: []" in ran.stdout
