"""Typos in annotation keys never sequence anything (``tests/typos/jobs.yaml``, one case per document).

Each document is a Job with three containers and one mistyped key, as users write them: transposed letters,
singular for plural, wrong case, a near-miss prefix. Read as intent, ``seq-fn.dev/odrer: "load,transform,extract"``
would sequence the Job in container order, the reverse of what was meant; so an unknown ``seq-fn.dev/`` key is an
error naming the closest known key (exit 1), and a near-miss prefix a warning naming the key seq-fn knows (exit
0). In both, with or without ``selectAll``, the Job comes out as it went in.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from krm_fn.sdk import yamlio
from krm_fn.sequencing import constants as c
from krm_fn.sequencing import keys
from tests.support.run import command, krm, resource_list

TYPOS = Path(__file__).parent / "typos" / "jobs.yaml"
_HEADER = re.compile(r"^# (?P<what>[^;]+); expect: (?P<expect>[^;]+); kind: (?P<kind>error|warning)$", re.MULTILINE)


def _cases() -> list[tuple[str, str, str, str]]:
    """(document, what the typo is, the key the message must name, error or warning) for every document."""
    found = []
    for part in yamlio.split_documents(TYPOS.read_text()):
        header = _HEADER.search(part)
        if header:
            found.append((part, header["what"], header["expect"], header["kind"]))
    return found


CASES = _cases()


def test_the_corpus_covers_each_kind_of_typo() -> None:
    kinds = {what for _, what, _, _ in CASES}
    for needed in ("transposed letters", "singular for plural", "plural for singular", "wrong case",
                   "near-miss prefix", "no container"):  # fmt: skip
        assert needed in kinds, needed
    assert len(CASES) >= 30


def _annotations(items: list[Any]) -> list[dict[str, Any]]:
    return [dict((item.get("metadata") or {}).get("annotations") or {}) for item in items]


@pytest.mark.parametrize("select_all", [False, True], ids=["intent", "selectAll"])
@pytest.mark.parametrize(
    ("doc", "what", "expect", "kind"), CASES, ids=[f"{i}-{case[1]}" for i, case in enumerate(CASES)]
)
def test_a_typo_never_sequences_and_names_the_known_key(
    doc: str, what: str, expect: str, kind: str, select_all: bool
) -> None:
    config = "apiVersion: seq-fn.dev/v1alpha1\nkind: SequenceContainers\nmetadata: {name: c}\nselectAll: true\n"
    given = resource_list(doc, config if select_all else None)
    ran = krm(given)
    assert ran.code == (1 if kind == "error" else 0), (what, ran.stderr)
    out = ran.resource_list()
    before = yamlio.load_all(given)[0]["items"]
    assert yamlio.dump(out["items"]) == yamlio.dump(before), f"{what}: the Job changed"
    assert c.SEQUENCED not in str(out["items"])
    found = [r for r in out.get("results") or [] if r["severity"] == kind]
    assert found, (what, out.get("results"))
    assert expect in found[0]["message"], (expect, found[0]["message"])
    assert "annotations[" in found[0]["field"]["path"]


def test_the_whole_corpus_under_all_prints_nothing_and_names_every_key() -> None:
    ran = command(["--all", str(TYPOS)])
    assert ran.code == 1
    assert ran.stdout == ""
    for _, _, expect, _ in CASES:
        assert expect in ran.stderr
    assert ran.stderr.count("error: Job typo-") == sum(1 for case in CASES if case[3] == "error")


@pytest.mark.parametrize(
    "key",
    [
        "sidecar.istio.io/inject",
        "kubectl.kubernetes.io/default-container",
        "app.kubernetes.io/name",
        "argocd.argoproj.io/sync-wave",
        "sequence.example.com/order",
        "seqera.io/order",
        "internal.config.kubernetes.io/path",
    ],
)
def test_keys_of_other_tools_are_never_judged(key: str) -> None:
    assert keys.judge(key).kind is keys.Kind.OTHER


def test_every_key_in_the_table_is_known_and_a_per_container_key_needs_its_container() -> None:
    for key in c.ANNOTATION_KEYS:
        assert keys.judge(key).kind is keys.Kind.KNOWN, key
    for prefix in c.CONTAINER_KEY_PREFIXES:
        assert keys.judge(prefix + "app").kind is keys.Kind.KNOWN, prefix
        assert keys.judge(prefix).kind is keys.Kind.NO_CONTAINER, prefix
        assert keys.judge(prefix.rstrip(".")).kind is keys.Kind.NO_CONTAINER, prefix
    assert keys.judge(c.RESTART_ALL_PREFIX + "app").kind is keys.Kind.KNOWN  # issue 24's key is not a typo


def test_an_unknown_key_beside_real_intent_still_leaves_the_workload_alone() -> None:
    doc = (
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  annotations:\n"
        '    seq-fn.dev/enabled: "true"\n    seq-fn.dev/sidecar: proxy\n'
        "spec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n"
        "      - {name: proxy, image: busybox:1.36}\n      - {name: app, image: busybox:1.36}\n"
    )
    ran = krm(resource_list(doc))
    assert ran.code == 1
    assert "did you mean seq-fn.dev/sidecars?" in ran.stderr
    assert c.SEQUENCED not in ran.stdout


def test_the_readme_table_lists_only_known_keys_and_every_key_without_a_container() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    table = re.findall(r"^\| `(seq-fn\.dev/[^`:]+)", readme, re.MULTILINE)
    assert len(table) >= 10
    for key in table:
        assert keys.judge(key.replace("<container>", "app")).kind is keys.Kind.KNOWN, key
    for key in c.ANNOTATION_KEYS:
        assert key in table, key


@pytest.mark.parametrize(
    ("prefix", "value"),
    [
        (c.AFTER_PREFIX, "app"),
        (c.TIMEOUT_PREFIX, "10m"),
        (c.START_TIMEOUT_PREFIX, "5m"),
        (c.STOP_DELAY_PREFIX, "10s"),
        (c.STOP_SIGNAL_PREFIX, "SIGINT"),
        (c.RETRY_PREFIX, "42"),
    ],
)
def test_a_per_container_key_naming_no_container_is_an_error_even_with_one_container(prefix: str, value: str) -> None:
    doc = (
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: j\n  annotations:\n"
        f'    {prefix}apq: "{value}"\n'
        "spec:\n  template:\n    spec:\n      restartPolicy: Never\n      containers:\n"
        "      - {name: app, image: busybox:1.36}\n"
    )
    ran = krm(resource_list(doc))
    assert ran.code == 1, ran.stderr
    assert "'apq'" in ran.stderr and "not a container" in ran.stderr, ran.stderr
    assert c.SEQUENCED not in ran.stdout
