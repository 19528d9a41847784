"""Every functionConfig in the repository validates against what ``seq-fn schema`` prints, as an editor would check it.

An editor (or ``check-jsonschema``) given the schema validates the whole object users write: ``apiVersion``,
``kind`` and ``metadata`` too, and the ConfigMap form's ``data``. A schema of the fields alone flagged every real
config. The configs are found in every tracked YAML file (kustomization-examples, tests, Kptfiles' inline
``configMap``) and in the YAML blocks of the Markdown docs; the golden cases that are config errors on purpose must
be refused by both the schema and seq-fn, and every config the schema accepts must load in seq-fn.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from krm_fn.sdk import yamlio
from krm_fn.sdk.errors import ConfigError
from krm_fn.sequencing import constants as c
from krm_fn.sequencing.config import load_config
from tests.support.run import command

ROOT = Path(__file__).parent.parent
#: Golden cases whose config is wrong on purpose; a ConfigMap's string values are checked after conversion only.
WRONG = {"error-config-unknown-field", "error-config-version-unquoted", "error-config-wrong-type",
         "error-wrong-config-kind"}  # fmt: skip
WRONG_AFTER_CONVERSION = {"error-config-bad-value"}


def _tracked() -> list[Path]:
    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    return [ROOT / n for n in names if n.endswith((".yaml", ".yml", ".md")) or n.endswith("Kptfile")]


def _documents(path: Path) -> Iterator[Any]:
    text = path.read_text(encoding="utf-8", errors="replace")
    blocks = re.findall(r"```ya?ml\n(.*?)```", text, re.DOTALL) if path.suffix == ".md" else [text]
    for block in blocks:
        for part in yamlio.split_documents(block):
            try:
                yield from (yamlio.to_plain(d) for d in yamlio.load_all(part))
            except Exception:  # a snippet with placeholders, a hostile test input: not a config
                continue


def _configs() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in _tracked():
        if "bad_input" in path.parts:  # hostile inputs on purpose
            continue
        where = str(path.relative_to(ROOT))
        golden_config = path.name == "config.yaml" and "golden" in path.parts
        for doc in _documents(path):
            if not isinstance(doc, dict):
                continue
            if doc.get("kind") == c.CONFIG_KIND or golden_config:
                found.append((where, doc))
            for step in (doc.get("pipeline") or {}).get("mutators") or [] if doc.get("kind") == "Kptfile" else []:
                if "configMap" in step:
                    inline = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "inline"}}
                    found.append((f"{where} (configMap)", {**inline, "data": step["configMap"]}))
    return found


CONFIGS = _configs()


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    ran = command(["schema"])
    assert ran.code == 0
    return jsonschema.Draft202012Validator(json.loads(ran.stdout))


def test_configs_were_found_in_examples_tests_and_docs() -> None:
    places = {where.split("/")[0] for where, _ in CONFIGS}
    assert {"kustomization-examples", "tests", "README.md"} <= places, places
    assert len(CONFIGS) >= 30


@pytest.mark.parametrize(("where", "config"), CONFIGS, ids=[f"{i}-{w}" for i, (w, _) in enumerate(CONFIGS)])
def test_every_config_in_the_repository_validates_against_seq_fn_schema(
    where: str, config: dict[str, Any], validator: jsonschema.Draft202012Validator
) -> None:
    case = Path(where).parent.name
    errors = [e.message for e in validator.iter_errors(config)]
    if case in WRONG:
        assert errors, f"{where}: the schema accepts a config seq-fn refuses"
        with pytest.raises(ConfigError):
            load_config(config)
        return
    assert not errors, (where, errors)
    if case in WRONG_AFTER_CONVERSION:
        with pytest.raises(ConfigError):
            load_config(config)
    else:
        load_config(config)  # what the schema accepts, seq-fn accepts


def test_the_schema_refuses_a_typed_config_with_data_and_a_configmap_with_fields(
    validator: jsonschema.Draft202012Validator,
) -> None:
    typed = {"apiVersion": c.API_VERSION, "kind": c.CONFIG_KIND, "metadata": {"name": "s"}}
    assert not list(validator.iter_errors(typed))
    assert list(validator.iter_errors({**typed, "data": {"strategy": "auto"}}))
    assert list(validator.iter_errors({**typed, "apiVersion": "v1"}))
    configmap = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "m"}, "data": {"waitFor.timeout": "5m"}}
    assert not list(validator.iter_errors(configmap))
    assert list(validator.iter_errors({**configmap, "strategy": "auto"}))
    assert list(validator.iter_errors({**configmap, "data": {"stratgy": "auto"}}))
    assert list(validator.iter_errors({"metadata": {"name": "no-kind"}}))
