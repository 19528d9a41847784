"""Kubernetes' own YAML reader, offline: ``kubectl label --local -o json`` (the oracle of values in the tests).

kubectl reads a file as the API machinery does (``sigs.k8s.io/yaml``: go-yaml v2, then JSON) and prints every
document as JSON, with no cluster. One call reads a whole multi-document file in about a tenth of a second, so
callers batch many generated documents into one call. kubectl is on every developer's machine and in CI
(``.ci/run`` checks); a missing kubectl is a failure, never a skip.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from typing import Any

#: The label kubectl must add to run at all; it is taken off again.
PROBE = "seq-fn-probe"


class Refused(Exception):
    """kubectl refused the input (``error converting YAML to JSON: ...``)."""


def read(text: str) -> list[Any]:
    """Every object of ``text`` as kubectl reads it (JSON values), in order; :class:`Refused` with its message.

    kubectl reads any object with ``items`` as a list of objects: a ResourceList gives its items (its
    functionConfig and results are not objects to kubectl), a ``v1 List`` its items.
    """
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", encoding="utf-8", delete=False) as handle:
        handle.write(text)
    try:
        done = subprocess.run(
            ["kubectl", "label", "--local", "-f", handle.name, f"{PROBE}=1", "-o", "json"],
            capture_output=True,
            text=True,
            env={**os.environ, "KUBECONFIG": os.devnull},
            check=False,
        )
    finally:
        os.unlink(handle.name)
    if done.returncode != 0:
        raise Refused(done.stderr.strip().replace(handle.name, "FILE"))
    out, decoder, index = [], json.JSONDecoder(), 0
    while True:
        while index < len(done.stdout) and done.stdout[index].isspace():
            index += 1
        if index >= len(done.stdout):
            return [_without_probe(obj) for obj in out]
        obj, index = decoder.raw_decode(done.stdout, index)
        out.append(obj)


def _without_probe(obj: Any) -> Any:
    labels = obj.get("metadata", {}).get("labels", {})
    labels.pop(PROBE, None)
    if not labels and "labels" in obj.get("metadata", {}):
        del obj["metadata"]["labels"]
    return obj


def normal(value: Any) -> Any:
    """A JSON value with every number a float, so that ``1`` and ``1.0`` (one JSON number) compare equal."""
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normal(v) for v in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value
