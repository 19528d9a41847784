"""The least-privilege RBAC that API waits need: a Role and a RoleBinding per namespace read, next to the workload.

``seq-fn-wait`` polls with ``kubectl get``, so each dependency needs one verb on one resource: ``get`` on the named
object where the API allows ``resourceNames`` (Jobs, DaemonSets, custom resources), and ``list`` where it reads by
label selector, which ``resourceNames`` cannot limit: Pods for ``pod/`` and ``daemonset/``, and EndpointSlices
(``discovery.k8s.io``) for ``service/``, whose slices are named after the Service with a random suffix. Nothing is
watched, so no ``watch``. A dependency in another namespace gets a Role and RoleBinding in *that* namespace, which
grants less than a ClusterRole would; only a cluster-scoped custom resource
(:data:`~krm_fn.sequencing.waits.CLUSTER_SCOPED`) gets a ClusterRole and ClusterRoleBinding, named like a Role in
another namespace, with ``resourceNames``.

The Role and RoleBinding are named ``seq-fn-wait-<workload>`` in the workload's namespace and
``seq-fn-wait-<workload>.<workload namespace>`` elsewhere (a namespace has no dot, so the name cannot be read two
ways). They bind the service account of every pod template (``serviceAccountName``, else ``default``) and carry the
workload's ``config.kubernetes.io/path`` annotations, so that kpt and kustomize write them into the workload's file.
:class:`RbacCheck` makes sure none of them overwrites a Role or RoleBinding of that name already there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from krm_fn.sdk import objects, yamlio
from krm_fn.sequencing import constants as c
from krm_fn.sequencing.report import Finding
from krm_fn.sequencing.waits import CONTAINER, Dependency

PREFIX = "seq-fn-wait-"
RBAC_API = "rbac.authorization.k8s.io/v1"
#: The annotation that names the workload a Role or RoleBinding was written for.
FOR = "seq-fn.dev/rbac-for"
#: Annotations that say which file an object is in: the new objects go into the workload's file.
_MAX_NAME = 253
_RBAC_KINDS = ("Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding")


class Grant(NamedTuple):
    """One rule: ``verb`` on ``resource`` of ``api_group`` in ``namespace`` (only ``names``, when given)."""

    namespace: str
    api_group: str
    resource: str
    verb: str
    names: tuple[str, ...] = ()

    def describe(self) -> str:
        """``get jobs.batch migrate, seed`` or ``list pods``."""
        resource = f"{self.resource}.{self.api_group}" if self.api_group else self.resource
        return f"{self.verb} {resource}" + (f" {', '.join(self.names)}" if self.names else "")


def grants(dependencies: Sequence[Dependency], namespace: str) -> list[Grant]:
    """What reading ``dependencies`` needs, merged per namespace, resource and verb; sorted, names sorted."""
    needed: dict[tuple[str, str, str, str], set[str] | None] = {}

    def need(ns: str, group: str, resource: str, verb: str, name: str | None) -> None:
        key = (ns, group, resource, verb)
        if name is None:
            needed[key] = None  # no resourceNames: every object of the kind
        elif key not in needed or needed[key] is not None:
            found = needed.setdefault(key, set())
            assert found is not None
            found.add(name)

    for dep in dependencies:
        ns = "" if dep.cluster_scoped else dep.namespace or namespace  # "": cluster-scoped
        if dep.kind == "service":
            need(ns, "discovery.k8s.io", "endpointslices", "list", None)
        elif dep.kind == "job":
            need(ns, "batch", "jobs", "get", dep.name)
        elif dep.kind == "pod":
            need(ns, "", "pods", "list", None)
        elif dep.kind == "daemonset":
            need(ns, "apps", "daemonsets", "get", dep.name)
            need(ns, "", "pods", "list", None)
        elif dep.kind == "resource":
            need(ns, dep.group, dep.resource, "get", dep.name)
    return [Grant(*key, tuple(sorted(names or ()))) for key, names in sorted(needed.items())]


def role_name(workload: str, namespace: str, workload_namespace: str) -> str:
    """``seq-fn-wait-web`` in the workload's namespace, ``seq-fn-wait-web.shop`` in another one."""
    name = PREFIX + workload
    return name if namespace == workload_namespace else f"{name}.{workload_namespace}"


def too_long(workload: Mapping[str, Any]) -> str | None:
    """The Role name that would exceed Kubernetes' limit on names, if any."""
    metadata = workload.get("metadata") or {}
    name = role_name(str(metadata.get("name")), "", str(metadata.get("namespace")))
    return name if len(name) > _MAX_NAME else None


def service_accounts(specs: Sequence[Mapping[str, Any]]) -> list[str]:
    """The service account of each pod spec, each once.

    That is ``serviceAccountName``, else the deprecated ``serviceAccount``, else ``default``.
    """
    found = [str(s.get("serviceAccountName") or s.get("serviceAccount") or "default") for s in specs]
    return list(dict.fromkeys(found))


def objects_for(workload: Mapping[str, Any], found: Sequence[Grant], accounts: Sequence[str]) -> list[dict[str, Any]]:
    """A Role and a RoleBinding per namespace of ``found``, the workload's own namespace first."""
    metadata = workload.get("metadata") or {}
    name, own = str(metadata.get("name")), str(metadata.get("namespace"))
    notes = objects.annotations_of(workload)
    annotations = {FOR: f"{workload.get('kind')}/{name}"}
    annotations.update({key: str(notes[key]) for key in objects.PATH_ANNOTATIONS if key in notes})
    out: list[dict[str, Any]] = []
    for namespace in _namespaces(found, own):
        named = role_name(name, namespace, own)
        role = _role_kind(namespace)
        meta: dict[str, Any] = {"name": named, "namespace": namespace} if namespace else {"name": named}
        meta["labels"] = {"app.kubernetes.io/managed-by": "seq-fn"}
        rules = [_rule(g) for g in found if g.namespace == namespace]
        out.append({"apiVersion": RBAC_API, "kind": role, "metadata": _meta(meta, annotations), "rules": rules})
        out.append(
            {
                "apiVersion": RBAC_API,
                "kind": role + "Binding",
                "metadata": _meta(meta, annotations),
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role, "name": named},
                "subjects": [{"kind": "ServiceAccount", "name": a, "namespace": own} for a in accounts],
            }
        )
    return out


def _meta(base: Mapping[str, Any], annotations: Mapping[str, str]) -> dict[str, Any]:
    return {**base, "labels": dict(base["labels"]), "annotations": dict(annotations)}


def _rule(grant: Grant) -> dict[str, Any]:
    rule: dict[str, Any] = {"apiGroups": [grant.api_group], "resources": [grant.resource], "verbs": [grant.verb]}
    if grant.names:
        rule["resourceNames"] = list(grant.names)
    return rule


def added_for(obj: Any) -> str | None:
    """``Kind/name`` of the workload seq-fn added this Role or RoleBinding for (undo removes it with it); else None."""
    if not isinstance(obj, Mapping) or key(obj) is None:
        return None
    if objects.labels_of(obj).get("app.kubernetes.io/managed-by") != "seq-fn":
        return None
    found = objects.annotations_of(obj).get(FOR)
    return str(found) if found is not None else None


def key(obj: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """``(kind, namespace, name)`` of a (Cluster)Role or (Cluster)RoleBinding, the identity of a conflict; else None."""
    if obj.get("kind") not in _RBAC_KINDS or not str(obj.get("apiVersion", "")).startswith("rbac."):
        return None
    metadata = obj.get("metadata") or {}
    return str(obj["kind"]), str(metadata.get("namespace") or ""), str(metadata.get("name") or "")


def same_grant(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """Whether two Roles (their rules) or two RoleBindings (their roleRef and subjects) grant the same."""
    fields = ("rules",) if a.get("kind") in ("Role", "ClusterRole") else ("roleRef", "subjects")
    return all(yamlio.to_plain(a.get(f)) == yamlio.to_plain(b.get(f)) for f in fields)


def describe(found: Sequence[Grant], workload: Mapping[str, Any]) -> list[str]:
    """One line per namespace: ``Role and RoleBinding seq-fn-wait-web in shop: get jobs.batch migrate; list pods``."""
    metadata = workload.get("metadata") or {}
    name, own = str(metadata.get("name")), str(metadata.get("namespace"))
    lines = []
    for namespace in _namespaces(found, own):
        rules = "; ".join(g.describe() for g in found if g.namespace == namespace)
        role = _role_kind(namespace)
        where = f" in {namespace}" if namespace else ""
        lines.append(f"{role} and {role}Binding {role_name(name, namespace, own)}{where}: {rules}")
    return lines


def list_note(found: Sequence[Grant]) -> str | None:
    """Why a ``list`` grant has no ``resourceNames`` (for ``seq-fn plan``), when ``found`` has one."""
    listed = sorted({g.resource for g in found if g.verb == "list"})
    if not listed:
        return None
    return (
        f"(list {' and '.join(listed)} has no resourceNames: a label selector reads "
        f"{'those' if len(listed) > 1 else 'the ' + listed[0]} of the whole namespace)"
    )


def _namespaces(found: Sequence[Grant], own: str) -> list[str]:
    """The namespaces ``found`` grants in, the workload's own first (``""``: cluster-scoped)."""
    return sorted({g.namespace for g in found}, key=lambda ns: (ns != own, ns))


def _role_kind(namespace: str) -> str:
    """``Role`` in a namespace, ``ClusterRole`` for what is cluster-scoped (``""``)."""
    return "Role" if namespace else "ClusterRole"


class RbacCheck:
    """A Role or RoleBinding seq-fn adds must not overwrite one of that name already there.

    "There" is the input, or the objects added for another workload: one that grants the same is left as it is
    (and not added twice), one that grants otherwise is an error naming both.
    """

    def __init__(self) -> None:
        self.inputs: dict[tuple[str, str, str], Mapping[str, Any]] = {}
        self.added: list[tuple[Mapping[str, Any], dict[str, Any]]] = []

    def add(self, obj: Mapping[str, Any], added: Sequence[dict[str, Any]]) -> None:
        """Take note of an input object, and of the objects added after it."""
        found = key(obj)
        if found is not None:
            self.inputs.setdefault(found, obj)
        self.added += [(obj, new) for new in added]

    def present(self) -> set[int]:
        """The added objects (by ``id``) that the input, or an earlier addition, already has as they are."""
        seen = dict(self.inputs)
        out = set()
        for _, new in self.added:
            found = key(new)
            assert found is not None
            if found in seen:
                out.add(id(new))
            else:
                seen[found] = new
        return out

    def findings(self) -> list[tuple[Mapping[str, Any], Finding]]:
        """An error on the workload for each added object whose name is taken by one that grants otherwise."""
        seen = dict(self.inputs)
        out = []
        for workload, new in self.added:
            found = key(new)
            assert found is not None
            there = seen.setdefault(found, new)
            if there is not new and not same_grant(there, new):
                kind, namespace, name = found
                where = objects.file_ref(there)
                in_file = f" (in {where['path']})" if where and where.get("path") else ""
                out.append(
                    (
                        workload,
                        Finding(
                            "error",
                            f"{CONTAINER} needs a {kind} {name!r} in namespace {namespace!r}, but one of that "
                            f"name is already there{in_file} and grants otherwise: seq-fn does not overwrite it; "
                            "remove or rename it, or rename the workload",
                            f"metadata.annotations[{c.WAIT_FOR}]",
                            "waits",
                        ),
                    )
                )
        return out
