"""A short KRM run imports only what it needs: kustomize and Argo CD start seq-fn on every render, so the start-up
is most of a small run. Not a timing test (the benchmark times it, ``benchmarks/run.py``): it checks, in a fresh
interpreter, which heavy modules a run loaded.

ruamel.yaml is for the plain round trip and standalone mode's odd cases, jsonschema for a functionConfig that has
fields, traceback for a bug's report, argparse for the command's options. dataclasses (with the inspect, ast and dis
it imports, and the code it compiles for each class) cost a start about 20 ms: seq-fn's records on the function's
path are NamedTuples or slotted classes. A run that needs one still gets it, and validates exactly as before
(last test).
"""

from __future__ import annotations

import subprocess
import sys

from tests.support.run import resource_list

HEAVY = ("ruamel", "jsonschema", "traceback", "argparse", "dataclasses", "inspect")
PROBE = f"""
import io, sys
from krm_fn import cli
out, err = io.BytesIO(), io.StringIO()
code = cli.krm(sys.stdin.buffer.read(), out, err)
loaded = [m for m in {HEAVY!r} if any(n == m or n.startswith(m + ".") for n in sys.modules)]
print(code, *loaded)
print(err.getvalue(), file=sys.stderr)
"""
JOB = """\
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  annotations: {seq-fn.dev/order: "migrate,seed"}
spec:
  template:
    spec:
      restartPolicy: Never
      containers:
      - {name: seed, image: seed}
      - {name: migrate, image: migrate}
"""
EMPTY_KPT_CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: function-input}\ndata: {}\n"


def loaded_by_a_run(fn_config: str | None) -> tuple[str, list[str]]:
    """The exit code and the heavy modules a one-item run imported, in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", PROBE], input=resource_list(JOB, fn_config), capture_output=True,
                          text=True, timeout=60, check=True)  # fmt: skip
    code, *loaded = done.stdout.split()
    return code, loaded


def test_a_run_without_config_imports_none_of_the_heavy_modules():
    assert loaded_by_a_run(None) == ("0", [])


def test_kpts_empty_configmap_is_not_sent_to_jsonschema():
    code, loaded = loaded_by_a_run(EMPTY_KPT_CONFIGMAP)
    assert code == "0" and "jsonschema" not in loaded


def test_a_config_with_fields_is_validated_by_jsonschema_as_before():
    config = EMPTY_KPT_CONFIGMAP.replace("data: {}", "data: {strategy: init-containers}")
    code, loaded = loaded_by_a_run(config)
    assert code == "0" and "jsonschema" in loaded
    code, loaded = loaded_by_a_run(config.replace("strategy: init-containers", "strategy: sideways"))
    assert code == "1" and "jsonschema" in loaded
