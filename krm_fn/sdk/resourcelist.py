"""The ResourceList: what a KRM function reads on stdin and writes on stdout."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from krm_fn.sdk import yamlio
from krm_fn.sdk.errors import InputError
from krm_fn.sdk.objects import is_list
from krm_fn.sdk.results import Results

API_VERSIONS = ("config.kubernetes.io/v1", "config.kubernetes.io/v1alpha1")
KIND = "ResourceList"
#: The API group of kustomization.yaml, whose objects have no metadata.name.
KUSTOMIZE_GROUP = "kustomize.config.k8s.io"


@dataclass
class ResourceList:
    """Items, the optional functionConfig, and the results a processor adds."""

    items: list[Any]
    function_config: Mapping[str, Any] | None = None
    results: Results = field(default_factory=Results)
    api_version: str = API_VERSIONS[0]


def is_resource_list(doc: Any) -> bool:
    """Whether a loaded document is a ResourceList (by kind: kustomize and kpt both send ``kind: ResourceList``)."""
    return isinstance(doc, Mapping) and doc.get("kind") == KIND


def parse(text: str) -> ResourceList:
    """Load a ResourceList; anything that is not exactly one well-formed ResourceList is an :class:`InputError`."""
    if not text.strip():
        raise InputError("input is empty: expected a ResourceList (kind: ResourceList) on stdin")
    docs = [d for d in yamlio.load_all(text) if d is not None]
    if len(docs) != 1:
        raise InputError(
            f"input has {len(docs)} YAML documents: expected one ResourceList "
            "(use the standalone mode, seq-fn FILE, for plain multi-document YAML)"
        )
    doc = docs[0]
    if not isinstance(doc, Mapping):
        raise InputError(f"input is a YAML {type(doc).__name__}, not a mapping: expected a ResourceList")
    if doc.get("kind") != KIND:
        raise InputError(f"input has kind {doc.get('kind')!r}: expected kind ResourceList")
    if doc.get("apiVersion") not in API_VERSIONS:
        raise InputError(
            f"ResourceList has apiVersion {doc.get('apiVersion')!r}: expected one of {', '.join(API_VERSIONS)}"
        )
    items = doc.get("items")
    if items is None:
        items = []
    if not isinstance(items, list):
        raise InputError(f"ResourceList.items is a {type(items).__name__}: expected a list")
    for index, item in enumerate(items):
        check_object(item, where=f"ResourceList.items[{index}]")
    config = doc.get("functionConfig")
    if config is not None and not isinstance(config, Mapping):
        raise InputError(f"ResourceList.functionConfig is a {type(config).__name__}: expected a mapping")
    return ResourceList(items=items, function_config=config, api_version=str(doc["apiVersion"]))


def check_object(item: Any, *, where: str) -> None:
    """Refuse anything that is not a Kubernetes object.

    That is a mapping with string ``apiVersion`` and ``kind``, and ``metadata.name`` (or ``generateName``, as
    ``kubectl create`` accepts for Jobs and Pods). A ``v1 List`` (what ``kubectl get -o yaml`` writes) has no
    name of its own: its items must be objects instead. A Kustomization needs no name: kpt sends a package's
    kustomization.yaml as an item all the same (it exempts kustomizations from its own check, kpt#2388).
    """
    if not isinstance(item, Mapping):
        raise InputError(f"{where} is a {type(item).__name__}: expected a Kubernetes object (a mapping)")
    for key in ("apiVersion", "kind"):
        if not isinstance(item.get(key), str) or not item.get(key):
            raise InputError(f"{where} has no {key}: every item must be a Kubernetes object")
    if is_list(item):
        for index, inner in enumerate(item["items"]):
            check_object(inner, where=f"{where}.items[{index}]")
        return
    if str(item["apiVersion"]).startswith(KUSTOMIZE_GROUP + "/"):
        return
    metadata = item.get("metadata")
    if not isinstance(metadata, Mapping):
        raise InputError(f"{where} ({item['kind']}) has no metadata: every item must be a Kubernetes object")
    if not (metadata.get("name") or metadata.get("generateName")):
        raise InputError(f"{where} ({item['kind']}) has no metadata.name: every item must be a Kubernetes object")


def to_yaml(rl: ResourceList) -> str:
    """Serialise with ``items`` always present: kpt deletes every file of a package given ``items: []``."""
    doc: dict[str, Any] = {"apiVersion": rl.api_version, "kind": KIND, "items": rl.items}
    if rl.function_config is not None:
        doc["functionConfig"] = rl.function_config
    if rl.results:
        doc["results"] = [r.to_dict() for r in rl.results]
    return yamlio.dump(doc)
