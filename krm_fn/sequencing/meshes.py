"""Meshes that inject their proxy when the Pod is admitted: the one table of their signals, switches and sources.

Istio's and Linkerd's webhooks add their proxy to a Pod at creation, so seq-fn never sees it in the manifest. A
classic proxy is a regular container: the steps seq-fn turns into init containers start before it (with the
mesh's CNI plugin the traffic redirection is in place from the Pod's start and their network calls fail; without
it they run before the mesh's own init container sets it up, outside the mesh), and a Job never completes because
the proxy never exits (kubernetes/kubernetes#25908). As a native sidecar the proxy starts first and both problems
go away. Each mesh has a per-workload switch for that; seq-fn writes it on the pod template of a workload it
sequences, when ``kubernetesVersion`` has native sidecars, and never on a workload it does not sequence.

Where each mesh puts its native proxy, read in its source:

- Istio, ``pkg/kube/inject/inject.go`` ``reorderPod``: with the proxy among the init containers, the order is
  ``istio-init`` (or ``istio-validation`` with the CNI plugin), then ``istio-proxy``, then the Pod's own init
  containers, "so init containers are part of the mesh". Classic: ``istio-validation`` first, the Pod's init
  containers, ``istio-init`` last, and ``istio-proxy`` a regular container. The switch
  ``sidecar.istio.io/nativeSidecar`` (Istio 1.24, istio/istio#53452) is read by the injection template: any
  value but ``"false"`` makes the proxy native, and it takes precedence over the mesh-wide setting.
- Linkerd, ``charts/patch/templates/patch.json``: with ``proxy.nativeSidecar`` the patch inserts
  ``linkerd-init`` (or ``linkerd-network-validator`` with the CNI plugin) at index 0 and ``linkerd-proxy`` right
  after it, before the Pod's init containers. Classic: ``linkerd-init`` is appended after them and the proxy is a
  regular container. The switch ``config.beta.linkerd.io/proxy-enable-native-sidecar`` (edge-25.10.2, stable
  2.19) replaced ``config.alpha.linkerd.io/proxy-enable-native-sidecar`` (2.15), which still works; both are
  read on the Pod or its namespace.

Injection is decided by a label or annotation on the pod template or by its namespace. The namespace is known
only when the input holds that Namespace object (the workload must name its namespace); otherwise users add the
switch themselves. Istio's ambient mode (``istio.io/dataplane-mode: ambient``) puts no proxy in the Pod, and a
workload the mesh does not inject needs nothing: both are said and nothing changes.

A note on Istio's signals: its default webhooks are called for the label ``sidecar.istio.io/inject: "true"``;
the annotation of that name is read only once a namespace label has the webhook called. seq-fn counts both as
asking for injection, because writing the switch on a Pod that is not injected changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping, Sequence
from typing import Any, NamedTuple

from krm_fn.sdk import objects
from krm_fn.sequencing import features
from krm_fn.sequencing.config import SequenceConfig
from krm_fn.sequencing.constants import Intent, Strategy
from krm_fn.sequencing.planning import Plan
from krm_fn.sequencing.report import Report
from krm_fn.sequencing.workloads import PodTemplate

#: Where a mesh reads a signal (``labels``, ``annotations``, None: either), its key, and its value (None: any).
Signal = tuple[str | None, str, str | None]


class Mesh(NamedTuple):
    """One mesh whose webhook injects a proxy: its signals, its per-workload switch, and where its proxy runs."""

    name: str
    proxy: str
    #: (where, key, value) on the pod template that ask for injection: ``where`` is ``labels``, ``annotations``
    #: or None (either); a value of None matches any value.
    inject: tuple[Signal, ...]
    #: Those on the pod template that refuse injection, whatever the namespace says.
    refuse: tuple[Signal, ...]
    #: Those on the Namespace that ask for injection, and that refuse it.
    namespace_inject: tuple[Signal, ...]
    namespace_refuse: tuple[Signal, ...]
    switch: str
    deprecated_switches: tuple[str, ...]
    #: Whether the switch is read on the Namespace too (Linkerd's config annotations are).
    switch_on_namespace: bool
    #: Where the native proxy runs, and where the classic one does, relative to the Pod's init containers.
    native_place: str
    classic_place: str
    sources: tuple[str, ...]


ISTIO = Mesh(
    name="Istio",
    proxy="istio-proxy",
    inject=((None, "sidecar.istio.io/inject", "true"), ("labels", "istio.io/rev", None)),
    refuse=((None, "sidecar.istio.io/inject", "false"),),
    namespace_inject=(("labels", "istio-injection", "enabled"), ("labels", "istio.io/rev", None)),
    namespace_refuse=(("labels", "istio-injection", "disabled"),),
    switch="sidecar.istio.io/nativeSidecar",
    deprecated_switches=(),
    switch_on_namespace=False,
    native_place="istio-init (istio-validation with Istio's CNI plugin), then istio-proxy, ahead of every other "
    "init container",
    classic_place="istio-proxy as a regular container, started after every init container",
    sources=(
        "https://github.com/istio/istio/blob/master/manifests/charts/istio-control/istio-discovery/files/"
        "injection-template.yaml",
        "https://github.com/istio/istio/blob/master/pkg/kube/inject/inject.go",
        "https://istio.io/latest/docs/reference/config/annotations/#SidecarNativeSidecar",
        "https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/",
        "https://istio.io/latest/docs/ambient/usage/add-workloads/",
    ),
)

LINKERD = Mesh(
    name="Linkerd",
    proxy="linkerd-proxy",
    inject=(("annotations", "linkerd.io/inject", "enabled"), ("annotations", "linkerd.io/inject", "ingress")),
    refuse=(("annotations", "linkerd.io/inject", "disabled"),),
    namespace_inject=(("annotations", "linkerd.io/inject", "enabled"), ("annotations", "linkerd.io/inject", "ingress")),
    namespace_refuse=(),
    switch="config.beta.linkerd.io/proxy-enable-native-sidecar",
    deprecated_switches=("config.alpha.linkerd.io/proxy-enable-native-sidecar",),
    switch_on_namespace=True,
    native_place="linkerd-init (linkerd-network-validator with Linkerd's CNI plugin), then linkerd-proxy, ahead "
    "of every other init container",
    classic_place="linkerd-proxy as a regular container, started after every init container",
    sources=(
        "https://github.com/linkerd/linkerd2/blob/main/charts/patch/templates/patch.json",
        "https://github.com/linkerd/linkerd2/blob/main/charts/partials/templates/_proxy.tpl",
        "https://linkerd.io/2-edge/reference/proxy-configuration/",
        "https://linkerd.io/2-edge/features/proxy-injection/",
        "https://linkerd.io/2-edge/features/native-sidecar/",
    ),
)

MESHES: tuple[Mesh, ...] = (ISTIO, LINKERD)

#: Istio's ambient mode: on a Namespace or a pod template, no proxy goes into the Pod; ``none`` opts a Pod out.
AMBIENT: Signal = ("labels", "istio.io/dataplane-mode", "ambient")
NOT_AMBIENT: Signal = ("labels", "istio.io/dataplane-mode", "none")


class Namespaces:
    """The Namespaces of the input, by name, for injection decided by a namespace label.

    Built from every item before any is sequenced (:meth:`of`; standalone mode reads its sources ahead for them).
    """

    def __init__(self) -> None:
        self.found: dict[str, Mapping[str, Any]] = {}

    @classmethod
    def of(cls, items: Iterable[Any]) -> Namespaces:
        """The Namespaces among ``items`` (those inside a ``kind: List`` too)."""
        found = cls()
        for item in items:
            found.add(item)
        return found

    def add(self, obj: Any) -> None:
        """Keep ``obj`` when it is a Namespace (only its labels and annotations are kept)."""
        if not isinstance(obj, Mapping):
            return
        if objects.is_list(obj):
            for inner in obj.get("items") or ():
                self.add(inner)
        elif obj.get("apiVersion") == "v1" and obj.get("kind") == "Namespace":
            name = objects.get(obj, "metadata", "name")
            if isinstance(name, str):
                self.found[name] = {
                    "labels": dict(objects.labels_of(obj)),
                    "annotations": dict(objects.annotations_of(obj)),
                }

    def get(self, name: Any) -> Mapping[str, Any] | None:
        """The labels and annotations of the Namespace ``name``, or None when the input does not hold it."""
        return self.found.get(name) if isinstance(name, str) else None


class Expectation(NamedTuple):
    """What one pod template can expect of a mesh, and what seq-fn did about it."""

    mesh: Mesh | None  # None: Istio's ambient mode
    why: str
    injected: bool
    native: bool | None = None  # None: not injected, or no native sidecars in kubernetesVersion
    written: bool = False

    def describe(self) -> str:
        """One line for the info result and ``plan``: the mesh, why, and where its proxy runs."""
        if self.mesh is None:
            return f"Istio ambient mode ({self.why}): no proxy in the Pod, nothing to change"
        if not self.injected:
            return f"{self.mesh.name} injects no proxy ({self.why}), nothing to change"
        if self.native:
            how = f'seq-fn wrote {self.mesh.switch}: "true"' if self.written else "the pod template asks for it"
            return (
                f"{self.mesh.name} injects its proxy ({self.why}) as a native sidecar ({how}): "
                f"{self.mesh.native_place}, so the sequenced containers reach the network through it"
            )
        return f"{self.mesh.name} injects its proxy ({self.why}): {self.mesh.classic_place}"


def _values(meta: Mapping[str, Any]) -> list[tuple[str, str, Mapping[str, Any]]]:
    """(``labels``/``annotations``, key, the mapping) for reading both in one loop."""
    out = []
    for where in ("labels", "annotations"):
        found = meta.get(where)
        if isinstance(found, Mapping):
            out += [(where, str(key), found) for key in found]
    return out


def _match(meta: Mapping[str, Any], signals: Sequence[Signal], kind: str) -> str | None:
    """``pod template label sidecar.istio.io/inject=true`` for the first signal ``meta`` carries, or None."""
    for where, key, found in _values(meta):
        for read_in, signal, value in signals:
            if read_in in (None, where) and key == signal and (value is None or str(found[key]).lower() == value):
                shown = f"{key}={found[key]}"
                return f"{kind} {where[:-1]} {shown}"
    return None


def expect(template: PodTemplate, namespace_name: Any, namespaces: Namespaces) -> list[Expectation]:
    """What each mesh does with the Pods of ``template``, as far as the pod template and the input tell."""
    meta = template.holder.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    namespace = namespaces.get(namespace_name)
    out: list[Expectation] = []
    for mesh in MESHES:
        refused = _match(meta, mesh.refuse, "pod template")
        if refused is None and namespace is not None:
            refused = _match(namespace, mesh.namespace_refuse, f"namespace {namespace_name}")
        asked = _match(meta, mesh.inject, "pod template")
        if asked is None and namespace is not None:
            asked = _match(namespace, mesh.namespace_inject, f"namespace {namespace_name}")
        if refused:
            out.append(Expectation(mesh, refused, injected=False))
        elif asked:
            out.append(Expectation(mesh, asked, injected=True))
    if not any(e.injected for e in out if e.mesh is ISTIO):
        ambient = _match(meta, [AMBIENT], "pod template")
        if ambient is None and namespace is not None and _match(meta, [NOT_AMBIENT], "") is None:
            ambient = _match(namespace, [AMBIENT], f"namespace {namespace_name}")
        if ambient:
            out.append(Expectation(None, ambient, injected=False))
    return out


def apply(
    work: Mapping[str, Any],
    template: PodTemplate,
    plan: Plan,
    namespaces: Namespaces,
    *,
    config: SequenceConfig,
    report: Report,
) -> list[Expectation]:
    """Make each mesh's injected proxy a native sidecar of this sequenced pod template, or say why not.

    An explicit ``"false"`` of the switch (on the template, or on the Namespace where the mesh reads it there) is
    the user's choice: kept, with a warning that says what happens to the steps.
    """
    namespace_name = objects.get(work, "metadata", "namespace")
    _warn_misplaced(work, template, report)
    done = []
    for expectation in expect(template, namespace_name, namespaces):
        mesh = expectation.mesh
        if mesh is None or not expectation.injected:
            done.append(expectation)
            continue
        if _has_proxy(template, mesh):  # injected already (istioctl kube-inject, linkerd inject --manual)
            continue
        said = _switch(template, mesh, namespaces.get(namespace_name) if mesh.switch_on_namespace else None)
        if said is not None and said[1] == "false":
            way_out = 'set it to "true"' if said[2] else f'set {mesh.switch}: "true" on this pod template'
            message = f"{said[0]} keeps {mesh.name}'s proxy a regular container: {_consequences(plan)} ({way_out} "
            report.warn(message + "to make it a native sidecar)", said[2])
            done.append(expectation._replace(native=False))
        elif said is not None:
            done.append(expectation._replace(native=True))
        elif config.kubernetes_version < features.NATIVE_SIDECARS.since:
            since = ".".join(map(str, features.NATIVE_SIDECARS.since))
            report.warn(
                f"{mesh.name} injects its proxy ({expectation.why}), and kubernetesVersion "
                f"{config.kubernetes_version_text} has no native sidecars (from {since}), so it is a regular "
                f"container: {_consequences(plan)} (raise kubernetesVersion to {since} if every cluster runs it, or "
                "keep this workload out of the mesh)",
                template.metadata_path,
            )
            done.append(expectation._replace(native=False))
        else:
            annotations = objects.ensure_mapping(objects.ensure_mapping(template.holder, "metadata"), "annotations")
            annotations[mesh.switch] = "true"
            done.append(expectation._replace(native=True, written=True))
    return done


def _warn_misplaced(work: Mapping[str, Any], template: PodTemplate, report: Report) -> None:
    """A signal on the workload's own metadata asks for nothing: the webhooks see only the Pod (its template)."""
    if template.holder is work:  # a Pod: its metadata is the template's
        return
    meta = work.get("metadata")
    template_meta = template.holder.get("metadata")
    for mesh in MESHES:
        found = _match(meta if isinstance(meta, Mapping) else {}, mesh.inject, "the workload's")
        if found and not _match(template_meta if isinstance(template_meta, Mapping) else {}, mesh.inject, ""):
            report.warn(
                f"{found} asks {mesh.name} for nothing: its webhook reads the "
                f"Pod, so put it on the pod template ({template.metadata_path}) if you want the proxy",
                "metadata",
            )


def _has_proxy(template: PodTemplate, mesh: Mesh) -> bool:
    return any(
        isinstance(c, Mapping) and c.get("name") == mesh.proxy
        for key in ("initContainers", "containers")
        for c in template.spec.get(key) or ()
    )


def _switch(
    template: PodTemplate, mesh: Mesh, namespace: Mapping[str, Any] | None
) -> tuple[str, str, str | None] | None:
    """(what says it, its value, its path) of the first switch set on the template, or on the Namespace."""
    meta = template.holder.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, MutableMapping) else None
    for key in (mesh.switch, *mesh.deprecated_switches):
        if isinstance(annotations, Mapping) and key in annotations:
            value = str(annotations[key]).lower()
            shown = f'the pod template\'s {key}: "{annotations[key]}"'
            return shown, value, f"{template.metadata_path}.annotations[{key}]"
    for key in (mesh.switch, *mesh.deprecated_switches):
        found = (namespace or {}).get("annotations") or {}
        if key in found:
            return f'the Namespace\'s {key}: "{found[key]}"', str(found[key]).lower(), None
    return None


def _consequences(plan: Plan) -> str:
    """What a classic proxy does to this plan's steps, in the words a user needs."""
    parts = []
    moved = plan.strategy in (Strategy.INIT_CONTAINERS, Strategy.NATIVE_SIDECARS) or bool(plan.sidecars)
    if moved:
        parts.append(
            "the containers seq-fn makes init containers start before it; with the mesh's CNI plugin the traffic "
            "redirection is already in place and their network calls fail, without it they run outside the mesh "
            "(no mTLS)"
        )
    if plan.intent is Intent.STEPS:
        parts.append("the Job never completes, because a regular proxy never exits")
    return "; ".join(parts)
