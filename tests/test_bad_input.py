"""Hostile or broken input never crashes, loses or half-writes anything (the corpus in ``bad_input/``).

Every case runs through the real command. It must exit with the contract's code and give a reason on stderr that
names what is wrong, never a traceback. Exit 2: exactly one line on stderr, nothing on stdout. Exit 1 in KRM
mode: the items come out exactly as they went in. Exit 1 in standalone mode: nothing on stdout.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from krm_fn.sdk import yamlio
from tests.support.run import Ran, command

CORPUS = Path(__file__).parent / "bad_input"
CASES: list[dict[str, Any]] = yaml.safe_load((CORPUS / "cases.yaml").read_text())


def test_the_corpus_is_complete():
    assert len(CASES) >= 40
    assert {c["name"] for c in CASES} == {p.stem for p in (CORPUS / "cases").glob("*.input")}


def check(ran: Ran, *, exit_code: int, stderr: str, mode: str, given: bytes) -> None:
    assert ran.code == exit_code, (ran.code, ran.stderr)
    assert "Traceback" not in ran.stderr and "Traceback" not in ran.stdout
    assert re.search(stderr, ran.stderr), (stderr, ran.stderr)
    if exit_code == 2:
        assert ran.stdout == "", "nothing on stdout when the input cannot be read"
        assert ran.stderr.count("\n") == 1, "a one-line reason"
        assert ran.stderr.endswith(" (see: seq-fn explain input)\n"), "the reason points to its explanation"
    elif exit_code == 1 and mode == "standalone":
        assert ran.stdout == ""
    elif exit_code == 1:
        assert all(line.startswith(("seq-fn: error: ", "seq-fn: warning: ")) for line in ran.stderr.splitlines())
        out = yamlio.load_all(ran.stdout)[0]
        before = yamlio.load_all(yamlio.decode(given))[0]
        assert out["items"], "never an empty list"
        assert yamlio.dump(out["items"]) == yamlio.dump(before["items"]), "items unchanged"
    else:
        assert yamlio.load_all(ran.stdout)[0]["items"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_input(case: dict[str, Any]):
    given = (CORPUS / "cases" / f"{case['name']}.input").read_bytes()
    args = ["-"] if case["mode"] == "standalone" else []
    check(command(args, stdin=given), exit_code=case["exit"], stderr=case["stderr"], mode=case["mode"], given=given)


def test_a_50_mb_document_is_refused_quickly_with_the_limit_named():
    item = "- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: cm-%d}\n  data: {k: '" + "x" * 1000 + "'}\n"
    body = "".join(item % i for i in range(50 * 1024))
    given = ("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + body).encode()
    assert len(given) > 50_000_000
    check(command([], stdin=given), exit_code=2, stderr="over the limit of 32 MiB .*SEQ_FN_MAX_INPUT_BYTES",
          mode="krm", given=given)  # fmt: skip
