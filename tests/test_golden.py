"""Golden cases: ``golden/<case>/`` holds ``input.yaml`` (resources), an optional ``config.yaml``
(functionConfig), and either ``expected.yaml`` + ``results.yaml`` or ``errors.txt`` (one regex per line, each
matching an error result).

Every case runs twice: the second run, on the first run's output, must change nothing. Every workload in an
expected output validates strictly against Kubernetes 1.29 and the newest schema shipped, and passes the
semantic rules in ``support/kube.py``; every Role and RoleBinding validates strictly too. ``UPDATE_GOLDEN=1
pytest tests/test_golden.py`` rewrites the expected files and fails, so a regenerated file is always read by a
person before it is committed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from krm_fn.sdk import yamlio
from krm_fn.sequencing import workloads
from krm_fn.sequencing.config import SequenceConfig, load_config
from tests.support import kube
from tests.support.run import krm, resource_list

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p for p in GOLDEN.iterdir() if p.is_dir())
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"


def test_golden_cases_were_found() -> None:
    assert len(CASES) >= 20, "the golden folder lost its cases"


def _items_yaml(items: list[Any]) -> str:
    return "---\n".join(yamlio.dump(item) for item in items)


def _results_yaml(results: list[Any]) -> str:
    keep = [{k: r[k] for k in ("severity", "message", "field") if k in r} for r in results or []]
    return yamlio.dump(keep) if keep else "[]\n"


def _config(case: Path) -> str | None:
    path = case / "config.yaml"
    return path.read_text() if path.exists() else None


def _write_or_compare(expected: dict[Path, str]) -> None:
    if UPDATE:
        for path, actual in expected.items():
            path.write_text(actual)
        pytest.fail(f"wrote {', '.join(p.name for p in expected)}; read them, then rerun without UPDATE_GOLDEN")
    for path, actual in expected.items():
        assert path.exists(), f"{path} is missing: run with UPDATE_GOLDEN=1 and read the result"
        assert actual == path.read_text(), f"{path} differs"


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_golden(case: Path) -> None:
    given = resource_list((case / "input.yaml").read_text(), _config(case))
    first = krm(given)
    errors_file = case / "errors.txt"
    if errors_file.exists():
        _assert_errors(first, given, errors_file)
        return
    assert first.code == 0, first.stderr
    out = first.resource_list()
    _write_or_compare(
        {
            case / "expected.yaml": _items_yaml(out["items"]),
            case / "results.yaml": _results_yaml(out.get("results")),
        }
    )
    second = krm(first.stdout)
    assert second.code == 0
    again = second.resource_list()
    assert _items_yaml(again["items"]) == _items_yaml(out["items"]), "a second run changed the output"
    infos = [r for r in again.get("results") or [] if r["severity"] == "info"]
    hints = [
        r
        for r in out.get("results") or []
        if r["severity"] == "info" and ("is not sequenced" in r["message"] or r["message"].startswith("nothing to do"))
    ]
    assert infos == hints, "a second run sequenced again (only the hints and the nothing-to-do infos repeat)"
    config = _loaded_config(case)
    for item in out["items"]:
        if workloads.kind_info(item, config) is not None:
            kube.check_workload(item, config)
        elif item.get("kind") in ("Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding"):  # API waits RBAC: strict
            for version in kube.schema_versions(config):
                kube.validate_strict(item, version)


def _loaded_config(case: Path) -> SequenceConfig:
    text = _config(case)
    return load_config(yamlio.load_all(text)[0]) if text else SequenceConfig()


def _assert_errors(ran: Any, given: str, errors_file: Path) -> None:
    assert ran.code == 1, (ran.code, ran.stderr)
    out = ran.resource_list()
    before = yamlio.load_all(given)[0]
    assert _items_yaml(out["items"]) == _items_yaml(before["items"]), "items changed despite an error"
    errors = [r for r in out["results"] if r["severity"] == "error"]
    lines = [f"{(r.get('field') or {}).get('path', '-')}: {r['message']}" for r in errors]
    assert lines, "no error result"
    for pattern in filter(None, errors_file.read_text().splitlines()):
        assert any(re.search(pattern, line) for line in lines), (pattern, lines)
    for result in errors:
        assert result["message"] in ran.stderr, "every error is also on stderr"
        assert "resourceRef" in result, "every error names its resource"
