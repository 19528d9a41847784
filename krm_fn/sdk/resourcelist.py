"""The ResourceList: what a KRM function reads on stdin and writes on stdout."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from krm_fn.sdk import textedit, yamlio
from krm_fn.sdk.errors import InputError
from krm_fn.sdk.objects import is_list
from krm_fn.sdk.results import Result, Results

API_VERSIONS = ("config.kubernetes.io/v1", "config.kubernetes.io/v1alpha1")
KIND = "ResourceList"
#: The API group of kustomization.yaml, whose objects have no metadata.name.
KUSTOMIZE_GROUP = "kustomize.config.k8s.io"


class ResourceList:
    """Items, the optional functionConfig, and the results a processor adds.

    ``added`` holds the new items a processor adds, by the index of the input item they follow: a processor
    replaces items in ``items`` (same length, same order) and adds new ones here, so that the writers know which
    items are new and keep the bytes of every other one. ``removed`` holds the indexes of input items the processor
    takes out of the output (a processor that undoes its own work removes the objects it once added).
    """

    __slots__ = ("added", "api_version", "function_config", "items", "removed", "results")

    def __init__(
        self,
        items: list[Any],
        function_config: Mapping[str, Any] | None = None,
        results: Results | None = None,
        api_version: str = API_VERSIONS[0],
        added: dict[int, list[Any]] | None = None,
    ) -> None:
        self.items = items
        self.function_config = function_config
        self.results = Results() if results is None else results
        self.api_version = api_version
        self.added = {} if added is None else added
        self.removed: set[int] = set()

    def all_items(self) -> list[Any]:
        """``items`` with the ``added`` ones in their places and the ``removed`` ones left out."""
        if not self.added and not self.removed:
            return self.items
        return [
            obj
            for index, item in enumerate(self.items)
            for obj in ((item,) if index not in self.removed else ()) + tuple(self.added.get(index, ()))
        ]


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
        check_keys(item, where=f"ResourceList.items[{index}]")
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
    if item["apiVersion"] == "v1" and item["kind"] == "List":  # a head read alone may not hold its items yet
        for index, inner in enumerate(item["items"] if is_list(item) else ()):
            check_object(inner, where=f"{where}.items[{index}]")
        return
    if str(item["apiVersion"]).startswith(KUSTOMIZE_GROUP + "/"):
        return
    metadata = item.get("metadata")
    if not isinstance(metadata, Mapping):
        raise InputError(f"{where} ({item['kind']}) has no metadata: every item must be a Kubernetes object")
    if not (metadata.get("name") or metadata.get("generateName")):
        raise InputError(f"{where} ({item['kind']}) has no metadata.name: every item must be a Kubernetes object")


def check_keys(item: Mapping[str, Any], *, where: str) -> None:
    """Refuse a key that is not a string (``1: x``, ``? [a]``): Kubernetes objects are JSON, whose keys are strings.

    A YAML 1.2 reader would read such a key back, a YAML 1.1 one (PyYAML) not always; refusing it, naming the
    field, is clearer than writing what one of them cannot read.
    """
    stack: list[tuple[Any, str]] = [(item, "")]
    seen: set[int] = set()
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, Mapping):
            for key, value in node.items():
                if not isinstance(key, str):
                    name = f"{item.get('kind', '?')} {(item.get('metadata') or {}).get('name') or '<unnamed>'}"
                    shown = repr(key) if isinstance(key, str | int | float | bool) or key is None else "(a collection)"
                    raise InputError(
                        f"{where} ({name}): the key {shown} at {path or 'the top level'} is not a string: "
                        "Kubernetes objects have string keys (quote it)"
                    )
                stack.append((value, f"{path}.{key}" if path else key))
        elif isinstance(node, list):
            stack.extend((value, f"{path}[{i}]") for i, value in enumerate(node))


def document(rl: ResourceList) -> dict[str, Any]:
    """The ResourceList as one mapping, with ``items`` always present: kpt deletes every file given ``items: []``."""
    doc: dict[str, Any] = {"apiVersion": rl.api_version, "kind": KIND, "items": rl.all_items()}
    if rl.function_config is not None:
        doc["functionConfig"] = rl.function_config
    if rl.results:
        doc["results"] = [r.to_dict() for r in rl.results]
    return doc


def to_yaml(rl: ResourceList) -> str:
    """Serialise with ruamel.yaml's round trip (comments kept where it can; see :func:`checked_yaml`)."""
    return yamlio.dump(document(rl))


def checked_yaml(rl: ResourceList) -> str:
    """:func:`to_yaml`, read back; when that does not give the ResourceList back, the plain emitter's text.

    ruamel.yaml can misplace a comment after a block scalar into the string. The plain emitter keeps the data
    but not the comments: a warning result says so. :class:`InputError` if even that does not read back.
    """
    text = to_yaml(rl)
    try:
        textedit.check(text, 0, document(rl))
        return text
    except textedit.Unfit as err:
        reason = str(err)
    rl.results.append(Result(f"the comments of the input were dropped: its round trip {reason}", "warning"))
    text = textedit.dump(document(rl))
    try:
        textedit.check(text, 0, document(rl))
    except textedit.Unfit as err:
        raise InputError(f"internal error, please report it: the output does not read back: {err}") from None
    return text
