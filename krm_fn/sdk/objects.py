"""Read-only helpers on Kubernetes objects held as plain mappings (dicts or ruamel's CommentedMap).

Paths are dotted strings (``spec.template.spec``) turned into tuples of keys; ``*`` stands for every element of
a list or every value of a mapping, so one path can name the pod templates of a JobSet.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from typing import Any

#: Annotations through which kpt and kustomize tell a function where an object came from.
PATH_ANNOTATIONS = ("internal.config.kubernetes.io/path", "config.kubernetes.io/path")
INDEX_ANNOTATIONS = ("internal.config.kubernetes.io/index", "config.kubernetes.io/index")
LOCAL_CONFIG_ANNOTATION = "config.kubernetes.io/local-config"
#: kpt matches a function's output to its input by these, then copies comments and field order back *by position*
#: (kyaml's comments.CopyComments and order.SyncOrder). A function that keeps comments itself drops them from the
#: objects it rewrites: otherwise a comment on containers[0] reappears on whatever container stands there now.
COMMENT_COPY_IDS = ("internal.config.kubernetes.io/id", "config.k8s.io/id")


def split_path(path: str) -> tuple[str, ...]:
    """``"spec.template.spec"`` -> ``("spec", "template", "spec")``; ``[]``/``[*]`` become ``*``."""
    out: list[str] = []
    for part in path.split("."):
        for piece in part.replace("[*]", ".*").replace("[]", ".*").split("."):
            if piece:
                out.append(piece)
    return tuple(out)


def walk(obj: Any, keys: tuple[str, ...], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Yield ``(display path, value)`` for every value at ``keys``; ``*`` fans out over lists and mappings."""
    if not keys:
        yield prefix, obj
        return
    head, rest = keys[0], keys[1:]
    if head == "*":
        if isinstance(obj, list):
            for i, item in enumerate(obj):
                yield from walk(item, rest, f"{prefix}[{i}]")
        elif isinstance(obj, Mapping):
            for key, value in obj.items():
                yield from walk(value, rest, join_path(prefix, str(key)))
        return
    if isinstance(obj, Mapping) and head in obj:
        yield from walk(obj[head], rest, join_path(prefix, head))


def join_path(prefix: str, key: str) -> str:
    """Join a display path and a key the way ``field.path`` is written."""
    return f"{prefix}.{key}" if prefix else key


def get(obj: Any, *keys: str) -> Any:
    """The value at ``keys`` or ``None`` when any step is missing or not a mapping."""
    for key in keys:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def annotations_of(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """The object's ``metadata.annotations``, or an empty mapping."""
    found = get(obj, "metadata", "annotations")
    return found if isinstance(found, Mapping) else {}


def labels_of(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """The object's ``metadata.labels``, or an empty mapping."""
    found = get(obj, "metadata", "labels")
    return found if isinstance(found, Mapping) else {}


def group_of(api_version: str) -> str:
    """``apps/v1`` -> ``apps``; ``v1`` -> ``""`` (the core group)."""
    return api_version.rsplit("/", 1)[0] if "/" in api_version else ""


def resource_ref(obj: Mapping[str, Any]) -> dict[str, str]:
    """The ``resourceRef`` of a result about ``obj``."""
    ref = {"apiVersion": str(obj.get("apiVersion", "")), "kind": str(obj.get("kind", ""))}
    metadata = obj.get("metadata")
    if isinstance(metadata, Mapping):
        name = metadata.get("name") or metadata.get("generateName")
        if name:
            ref["name"] = str(name)
        if metadata.get("namespace"):
            ref["namespace"] = str(metadata["namespace"])
    return ref


def file_ref(obj: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``file`` of a result about ``obj``, from the path/index annotations kpt and kustomize set."""
    notes = annotations_of(obj)
    path = next((notes[a] for a in PATH_ANNOTATIONS if a in notes), None)
    if path is None:
        return None
    out: dict[str, Any] = {"path": str(path)}
    index = next((notes[a] for a in INDEX_ANNOTATIONS if a in notes), None)
    if index is not None and str(index).isdigit():
        out["index"] = int(str(index))
    return out


def describe(obj: Mapping[str, Any]) -> str:
    """``Job data/etl``: how messages name an object."""
    ref = resource_ref(obj)
    name = "/".join(p for p in (ref.get("namespace"), ref.get("name")) if p) or "<unnamed>"
    return f"{ref['kind']} {name}"


def is_list(obj: Mapping[str, Any]) -> bool:
    """A ``v1 List``, as ``kubectl get -o yaml`` writes several objects: ``items`` holds the objects."""
    return obj.get("apiVersion") == "v1" and obj.get("kind") == "List" and isinstance(obj.get("items"), list)


def is_local_config(obj: Mapping[str, Any]) -> bool:
    """Objects marked ``config.kubernetes.io/local-config: "true"`` are never deployed: leave them alone."""
    return str(annotations_of(obj).get(LOCAL_CONFIG_ANNOTATION, "")).lower() == "true"


def file_annotations(obj: Mapping[str, Any]) -> dict[str, Any]:
    """An object holding only the path and index annotations of ``obj``: all :func:`place_in_files` reads of it."""
    notes = annotations_of(obj)
    keep = (*PATH_ANNOTATIONS, *INDEX_ANNOTATIONS)
    return {"metadata": {"annotations": {k: notes[k] for k in keep if k in notes}}}


def place_in_files(items: Sequence[Any], new: Sequence[MutableMapping[str, Any]]) -> bool:
    """Give each new object that names a file (its path annotation) the next free index in that file.

    kpt refuses two objects with one path and index, and writes a file's objects in index order: the new objects
    go at the end of their file, in the order they come, and no input object is touched. Returns whether any new
    object names a file.
    """
    last: dict[str, int] = {}
    for item in items:
        notes = annotations_of(item) if isinstance(item, Mapping) else {}
        for path_key, index_key in zip(PATH_ANNOTATIONS, INDEX_ANNOTATIONS, strict=True):
            path, index = notes.get(path_key), notes.get(index_key)
            if isinstance(path, str) and str(index).isdigit():
                last[path] = max(last.get(path, -1), int(str(index)))
    named = False
    for obj in new:
        notes = obj["metadata"]["annotations"]
        path = next((notes[key] for key in PATH_ANNOTATIONS if notes.get(key)), None)
        if path is None:
            continue
        named = True
        last[path] = last.get(path, -1) + 1
        for path_key, index_key in zip(PATH_ANNOTATIONS, INDEX_ANNOTATIONS, strict=True):
            if path_key in notes:
                notes[index_key] = str(last[path])
    return named


def drop_comment_copy_ids(obj: MutableMapping[str, Any]) -> None:
    """Remove kpt's comment-copy ids from an object this function rewrote (see :data:`COMMENT_COPY_IDS`).

    kpt then writes the object as the function produced it, with the comments and key order it kept; paths,
    indexes and every other annotation stay. kustomize matches objects by kind, name and namespace, not by these.
    """
    notes = get(obj, "metadata", "annotations")
    if isinstance(notes, MutableMapping):
        for key in COMMENT_COPY_IDS:
            notes.pop(key, None)


def set_key(mapping: MutableMapping[str, Any], key: str, value: Any, *, before: str | None = None) -> None:
    """Set ``mapping[key]``; a new key goes just before ``before`` when that key exists, else at the end.

    Placing a new key beside the one it belongs with (``initContainers`` before ``containers``) keeps the diff
    the one a person would write. Works on dicts and on ruamel's CommentedMap (which keeps comments).
    """
    if key in mapping or before is None or before not in mapping:
        mapping[key] = value
        return
    position = list(mapping).index(before)
    insert = getattr(mapping, "insert", None)
    if insert is not None:
        insert(position, key, value)
        return
    tail = [(k, mapping.pop(k)) for k in list(mapping)[position:]]
    mapping[key] = value
    mapping.update(tail)


def ensure_mapping(parent: MutableMapping[str, Any], key: str, *, before: str | None = None) -> Any:
    """``parent[key]``, created as an empty mapping (placed before ``before``) when it is missing or null."""
    if not isinstance(parent.get(key), Mapping):
        set_key(parent, key, {}, before=before)
    return parent[key]
