"""Argo CD Config Management Plugin (v2) parameters, read from the environment the plugin's sidecar sets.

``seq-fn --argocd-parameters ...`` lays an Application's parameters over the functionConfig, so that the
plugin's generate command stays one line. Argo CD sends the parameters set in the Application (never the defaults
that ``plugin.yaml`` announces) as JSON in ``ARGOCD_APP_PARAMETERS``
(``[{"name": "strategy", "string": "entrypoint"}, {"name": "sidecars", "array": ["proxy"]}]``), and also as
``PARAM_<NAME>`` variables (``PARAM_SIDECARS_0``, ``PARAM_SIDECARS_1`` for an array). The Application's own
``plugin.env`` entries arrive prefixed ``ARGOCD_ENV_``; seq-fn reads none of them itself (the generate command
uses ``ARGOCD_ENV_SEQ_FN_CONFIG`` for the config file's name).

The result is what a ConfigMap functionConfig holds (string values, lists comma-separated), so the same schema
checks and converts it.

Argo CD also tells a plugin the destination cluster's version in ``KUBE_VERSION``: :func:`cluster_version` makes
it the ``kubernetesVersion`` an application gets when neither its parameters nor its config file set one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from krm_fn.sdk.errors import ConfigError

#: The functionConfig fields an Application may set, as plugin.yaml's ``parameters.static`` announces them.
PARAMETERS = ("strategy", "selectAll", "kubernetesVersion", "sidecars")
#: Parameters of the render before seq-fn (a Helm chart's values), read by the plugin's generate command, not here.
RENDER_PARAMETERS = ("valueFiles", "values")
JSON_VARIABLE = "ARGOCD_APP_PARAMETERS"
#: The destination cluster's version, as Argo CD gives it to plugins (``1.31.2``, ``1.30.4+k3s1``; may be empty).
KUBE_VERSION = "KUBE_VERSION"


def parameters(env: Mapping[str, str]) -> dict[str, str]:
    """The Application's parameters as ConfigMap data: ``{"strategy": "entrypoint", "sidecars": "a,b"}``.

    ``ARGOCD_APP_PARAMETERS`` wins when it is set (Argo CD sets both it and the ``PARAM_*`` variables); an empty
    value means "not set", as the Argo CD UI sends a cleared field.
    """
    raw = env.get(JSON_VARIABLE, "").strip()
    found = _from_json(raw) if raw and raw != "null" else _from_variables(env)
    return {name: value for name, value in found.items() if value != ""}


def _from_json(raw: str) -> dict[str, str]:
    try:
        loaded: Any = json.loads(raw)
    except json.JSONDecodeError as err:
        raise ConfigError(f"{JSON_VARIABLE} is not JSON: {err.msg} at character {err.pos}") from None
    if not isinstance(loaded, list):
        raise ConfigError(f"{JSON_VARIABLE} must be a JSON list of parameters, not {type(loaded).__name__}")
    out: dict[str, str] = {}
    for entry in loaded:
        name = entry.get("name") if isinstance(entry, dict) else None
        if not isinstance(name, str):
            raise ConfigError(f"{JSON_VARIABLE}: every parameter must be an object with a name, got {entry!r}")
        _known(name)
        if name in RENDER_PARAMETERS:
            continue
        if "map" in entry:
            raise ConfigError(f"{name} must be a string or an array, not a map")
        value = entry.get("array", entry.get("string", ""))
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) for v in values):
            raise ConfigError(f"{name} must hold strings, got {value!r}")
        out[name] = ",".join(values)
    return out


def _from_variables(env: Mapping[str, str]) -> dict[str, str]:
    out = {}
    for name in PARAMETERS:
        key = variable(name)
        if key in env:
            out[name] = env[key]
            continue
        items: list[str] = []
        while f"{key}_{len(items)}" in env:
            items.append(env[f"{key}_{len(items)}"])
        if items:
            out[name] = ",".join(items)
    return out


def as_configmap(data: Mapping[str, str]) -> dict[str, Any]:
    """The parameters as the ConfigMap functionConfig that holds the same settings."""
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "argocd-parameters"}, "data": dict(data)}


def variable(name: str) -> str:
    """Argo CD's variable for a parameter: ``PARAM_`` and the name upper-cased, other characters as ``_``."""
    return "PARAM_" + re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def _known(name: str) -> None:
    if name not in PARAMETERS and name not in RENDER_PARAMETERS:
        known = ", ".join((*PARAMETERS, *RENDER_PARAMETERS))
        raise ConfigError(f"{name!r} is not a parameter seq-fn reads; known: {known}")


def cluster_version(env: Mapping[str, str]) -> dict[str, Any] | None:
    """``KUBE_VERSION`` as a ConfigMap functionConfig setting ``kubernetesVersion`` (MAJOR.MINOR), or None unset.

    Argo CD writes the cluster's version as semver, with a distribution's suffix (``+k3s1``, ``-eks-...``);
    only its major and minor matter. A value that has neither is refused naming the variable.
    """
    raw = env.get(KUBE_VERSION, "").strip()
    if not raw:
        return None
    found = re.match(r"v?(\d+)\.(\d+)(?:$|[.+-])", raw)
    if found is None:
        raise ConfigError(f"{KUBE_VERSION} {raw!r} is not a Kubernetes version such as 1.31.2")
    return as_configmap({"kubernetesVersion": f"{found.group(1)}.{found.group(2)}"})
