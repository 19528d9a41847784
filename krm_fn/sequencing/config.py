"""seq-fn's functionConfig as one typed, defaulted value (:class:`SequenceConfig`).

Loading goes through the SDK (:mod:`krm_fn.sdk.fnconfig`), which accepts every form orchestrators send and
validates against ``schema.json``; this module only turns the validated fields into typed values.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from krm_fn.sdk import fnconfig
from krm_fn.sdk.objects import split_path
from krm_fn.sdk.selector import Selector
from krm_fn.sequencing import constants as c

#: Tekton's entrypoint (release v1.12.0), from ghcr.io, where Tekton publishes since its gcr.io images closed in
#: 2025; the suffix is ko's name for the image. Pinned by digest. Override with ``entrypoint.image``.
DEFAULT_ENTRYPOINT_IMAGE = (
    "ghcr.io/tektoncd/pipeline/entrypoint-bff0a22da108bc2f16c818c97641a296:v1.12.0"
    "@sha256:3ec960b07abd85604242e146092e72f11be8787452c2a20d12a37fdee4a666e2"
)


#: busybox 1.36.1 (its shell, nc, wget and timeout do the waiting for ``seq-fn.dev/wait-for``), by the digest of
#: its multi-arch index on Docker Hub, as public manifests pin it. Override with ``waitFor.image``.
DEFAULT_WAIT_IMAGE = (
    "docker.io/library/busybox:1.36.1@sha256:73aaf090f3d85aa34ee199857f03fa3a95c8ede2ffd4cc2cdb5b94e566b11662"
)

#: alpine/kubectl 1.37.1 (busybox sh, nc, wget and timeout, plus kubectl) for waits that read the Kubernetes API,
#: by the digest two unrelated public repositories pin (renovate-managed). Override with ``waitFor.apiImage``.
DEFAULT_WAIT_API_IMAGE = (
    "docker.io/alpine/kubectl:1.37.1@sha256:7b4cc9a9ce0d064cedeb85550266c11f2b32f010ca299525518646261e4d955e"
)


class WorkloadKind(NamedTuple):
    """A pod-bearing kind the user adds: where its pod spec sits and whether its containers run to completion."""

    api_version: str
    kind: str
    pod_spec_path: tuple[str, ...]
    runs_to_completion: bool | None = None


class EntrypointConfig(NamedTuple):
    """The entrypoint strategy's image and the commands of images whose steps have none."""

    image: str = DEFAULT_ENTRYPOINT_IMAGE
    commands: Mapping[str, tuple[str, ...]] = MappingProxyType({})


class SequenceConfig(NamedTuple):
    """Every setting, defaulted: ``SequenceConfig()`` is what no functionConfig means."""

    selectors: tuple[Selector, ...] = ()
    exclude: tuple[Selector, ...] = ()
    select_all: bool = False
    strategy: c.Strategy = c.Strategy.AUTO
    kubernetes_version: tuple[int, int] = (1, 35)  # c.DEFAULT_KUBERNETES_VERSION (a test keeps them equal)
    sidecars: tuple[str, ...] = ()
    on_incompatible_fields: c.OnIncompatible = c.OnIncompatible.ERROR
    on_error: c.OnError = c.OnError.STOP
    entrypoint: EntrypointConfig = EntrypointConfig()
    workload_kinds: tuple[WorkloadKind, ...] = ()
    alpha_features: frozenset[str] = frozenset()
    wait_image: str = DEFAULT_WAIT_IMAGE
    wait_api_image: str = DEFAULT_WAIT_API_IMAGE
    wait_timeout: str = "10m"
    #: Undo instead of sequencing: every sequenced workload back as it was (``seq-fn undo``).
    undo: bool = False

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any]) -> SequenceConfig:
        """Build from fields that passed the schema (as :func:`load_config` returns them)."""
        entrypoint = fields.get("entrypoint") or {}
        return cls(
            selectors=tuple(Selector.from_dict(s) for s in fields.get("selectors") or ()),
            exclude=tuple(Selector.from_dict(s) for s in fields.get("exclude") or ()),
            select_all=bool(fields.get("selectAll", False)),
            strategy=c.Strategy(fields.get("strategy", c.Strategy.AUTO)),
            kubernetes_version=parse_version(fields.get("kubernetesVersion", c.DEFAULT_KUBERNETES_VERSION)),
            sidecars=tuple(fields.get("sidecars") or ()),
            on_incompatible_fields=c.OnIncompatible(fields.get("onIncompatibleFields", "error")),
            on_error=c.OnError(fields.get("onError", "stop")),
            entrypoint=EntrypointConfig(
                image=entrypoint.get("image", DEFAULT_ENTRYPOINT_IMAGE),
                commands={k: tuple(v) for k, v in (entrypoint.get("commands") or {}).items()},
            ),
            workload_kinds=tuple(
                WorkloadKind(
                    api_version=w["apiVersion"],
                    kind=w["kind"],
                    pod_spec_path=split_path(w["podSpecPath"]),
                    runs_to_completion=w.get("runsToCompletion"),
                )
                for w in fields.get("workloadKinds") or ()
            ),
            alpha_features=frozenset(fields.get("alphaFeatures") or ()),
            wait_image=(fields.get("waitFor") or {}).get("image", DEFAULT_WAIT_IMAGE),
            wait_api_image=(fields.get("waitFor") or {}).get("apiImage", DEFAULT_WAIT_API_IMAGE),
            wait_timeout=(fields.get("waitFor") or {}).get("timeout", "10m"),
            undo=bool(fields.get("undo", False)),
        )

    @property
    def kubernetes_version_text(self) -> str:
        """``1.29``: the version as users write it."""
        return ".".join(map(str, self.kubernetes_version))


def parse_version(text: str) -> tuple[int, int]:
    """``"1.29"``, ``"v1.29.3"`` -> ``(1, 29)``; the schema has checked the shape."""
    major, minor = text.lstrip("v").split(".")[:2]
    return int(major), int(minor)


#: What ``schema.json`` describes besides the fields: the envelope of both forms and the ConfigMap form's ``data``.
_ENVELOPE = ("apiVersion", "kind", "metadata", "data")


@functools.cache
def schema() -> dict[str, Any]:
    """The JSON Schema of the whole functionConfig users write, in both forms (``seq-fn schema`` prints it).

    The keys a ConfigMap's ``data`` may hold are the fields' names (and ``parent.child`` for nested ones), filled
    in here from the fields, so that a new field cannot be left out of them.
    """
    with open(os.path.join(os.path.dirname(__file__), "schema.json"), encoding="utf-8") as handle:
        loaded: dict[str, Any] = json.load(handle)
    names = []
    for name, prop in loaded["properties"].items():
        if name not in _ENVELOPE:
            names.append(name)
            names += [f"{name}.{child}" for child in prop.get("properties") or ()]
    loaded["$defs"]["configMapData"]["propertyNames"] = {"enum": names}
    return loaded


@functools.cache
def fields_schema() -> dict[str, Any]:
    """The schema of the fields alone (what the SDK validates, after taking them out of either form)."""
    whole = schema()
    fields = {k: v for k, v in whole.items() if k not in ("required", "allOf")}
    fields["properties"] = {k: v for k, v in whole["properties"].items() if k not in _ENVELOPE}
    return fields


def config_kind() -> fnconfig.ConfigKind:
    """How the SDK recognises seq-fn's typed functionConfig."""
    return fnconfig.ConfigKind(api_version=c.API_VERSION, kind=c.CONFIG_KIND, schema=fields_schema())


def load_config(
    fn_config: Mapping[str, Any] | None,
    overrides: Mapping[str, Any] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> SequenceConfig:
    """Load any accepted form of functionConfig; raises :class:`~krm_fn.sdk.errors.ConfigError` naming the field.

    ``overrides``, another functionConfig (Argo CD's per-application parameters as a ConfigMap), replaces the
    top-level fields it sets. ``defaults``, one more (Argo CD's ``KUBE_VERSION``), sets the fields that neither
    sets, in place of seq-fn's own defaults.
    """
    fields = fnconfig.load(fn_config, config_kind())
    if overrides:
        fields.update(fnconfig.load(overrides, config_kind()))
    if defaults:
        fields = {**fnconfig.load(defaults, config_kind()), **fields}
    return SequenceConfig.from_fields(fields)


def config_from_mapping(data: Mapping[str, Any] | SequenceConfig | None) -> SequenceConfig:
    """For library callers: a ``SequenceConfig``, a full functionConfig object, or just its fields."""
    if data is None:
        return SequenceConfig()
    if isinstance(data, SequenceConfig):
        return data
    if "kind" in data:
        return load_config(data)
    fnconfig.validate(data, fields_schema())
    return SequenceConfig.from_fields(data)
