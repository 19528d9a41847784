"""Fidelity cases: ``fidelity/<case>/input.yaml`` is plain YAML as a person writes it, ``expected.yaml`` the exact
bytes ``seq-fn -f input.yaml`` must print (read by hand: the diff against the input is the one a person would
write). The same documents wrapped in a ResourceList must come out of KRM mode as the same bytes, indented as
items, and a second run over the output must change nothing.

``UPDATE_GOLDEN=1 pytest tests/test_fidelity.py`` rewrites the expected files and fails, so that a person reads
them before they are committed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from krm_fn.sdk import yamlio
from tests.support.run import command, krm

CASES = sorted(p for p in (Path(__file__).parent / "fidelity").iterdir() if p.is_dir())
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
# Every workload of a fidelity case is to be sequenced (``--all`` in standalone mode).
HEADER = (
    "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"
    "functionConfig: {apiVersion: seq-fn.dev/v1alpha1, kind: SequenceContainers, metadata: {name: c},"
    " selectAll: true}\n"
    "items:\n"
)


def test_fidelity_cases_were_found() -> None:
    assert len(CASES) >= 4


def as_items(stream: str) -> str:
    """Plain multi-document YAML as the text of a ResourceList, each document an item indented under ``items``."""
    out = []
    for doc in yamlio.split_documents(stream):
        lines = doc.split("\n")
        lines = [line for line in lines if line not in ("---", "...")]
        first = next((i for i, line in enumerate(lines) if line and not line.startswith("#")), None)
        if first is None:
            continue  # a comment-only document: nothing to wrap
        body = [("- " if i == first else "  ") + line if line and i >= first else line for i, line in enumerate(lines)]
        out.append("\n".join(body).rstrip("\n") + "\n")
    return HEADER + "".join(out)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_standalone_output_is_the_expected_bytes(case: Path) -> None:
    ran = command(["--all", "-f", str(case / "input.yaml")])
    assert ran.code == 0, ran.stderr
    expected = case / "expected.yaml"
    if UPDATE:
        expected.write_text(ran.stdout)
        pytest.fail(f"wrote {expected}; read it, then rerun without UPDATE_GOLDEN")
    assert ran.stdout == expected.read_text()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_krm_mode_writes_the_same_bytes_as_items(case: Path) -> None:
    ran = krm(as_items((case / "input.yaml").read_text()))
    assert ran.code == 0, ran.stderr
    items, _, results = ran.stdout.partition("results:\n")
    assert items == as_items((case / "expected.yaml").read_text())
    assert results, "every case changes something, so there are results"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_second_run_changes_nothing(case: Path) -> None:
    expected = case / "expected.yaml"
    ran = command(["--all", "-f", str(expected)])
    assert ran.code == 0, ran.stderr
    assert ran.stdout == expected.read_text()
