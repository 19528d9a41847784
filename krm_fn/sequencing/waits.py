"""Waits for dependencies outside the Pod: ``seq-fn.dev/wait-for: "tcp://db:5432,service/api,job/migrate"``.

One plain init container, ``seq-fn-wait``, runs first in the Pod (before your init containers, the sidecars and
the steps) and waits for each dependency in turn, giving up with a message that names the one still missing once
``seq-fn.dev/wait-timeout`` (default :data:`DEFAULT_TIMEOUT`) has passed. Its script
(:mod:`~krm_fn.sequencing.waits_script`) gets the dependencies as arguments, never spliced into its text.

Network and file waits (``tcp://``, ``http(s)://``, ``file:``) need no RBAC and run in busybox (``waitFor.image``).
Waits that read the Kubernetes API (``service/``, ``job/``, ``pod/``, ``daemonset/`` and a custom resource's
field, each with an optional ``NAMESPACE/`` prefix) need kubectl beside the shell, so a workload with any of them
gets ``waitFor.apiImage`` for the same one container, an emptyDir for kubectl's discovery cache (named by
``KUBECACHEDIR``: no kubectl flag, see :mod:`~krm_fn.sequencing.waits_script`), and the least-privilege Role and
RoleBinding that :mod:`~krm_fn.sequencing.waits_rbac` writes next to it. Names are checked as Kubernetes checks
them, so a typo is an error here rather than a wait that can never end.

The container passes Pod Security "restricted" (non-root, no privilege escalation, no capabilities, read-only root),
and does not change the Pod's QoS class: it asks for nothing in a BestEffort Pod, and for equal requests and limits
otherwise (which keep a Guaranteed Pod Guaranteed and a Burstable one Burstable).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, MutableMapping
from typing import Any, NamedTuple

from krm_fn.sequencing import podspec
from krm_fn.sequencing.config import SequenceConfig
from krm_fn.sequencing.report import Report
from krm_fn.sequencing.waits_script import CACHE_DIR, SCRIPT
from krm_fn.sequencing.workloads import PodTemplate

CONTAINER = "seq-fn-wait"
DEFAULT_TIMEOUT = "10m"
_HOST = r"[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?"
_TCP = re.compile(rf"^tcp://({_HOST}):([0-9]{{1,5}})$")
_HTTP = re.compile(rf"^https?://({_HOST})(:([0-9]{{1,5}}))?(/[^\s]*)?$")
_FILE = re.compile(r"^file:(/[^\s]*)$")
#: Kubernetes' name rules (apimachinery's validation): a DNS label, an RFC 1035 label (Service), a subdomain.
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_1035 = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
#: A label selector term ``[PREFIX/]NAME=VALUE``; the value may be empty, as in Kubernetes.
_LABEL_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?"
_SELECTOR_TERM = re.compile(rf"^((?P<prefix>[a-z0-9.-]+)/)?(?P<name>{_LABEL_NAME})=(?P<value>({_LABEL_NAME})?)$")
#: ``[NAMESPACE/]RESOURCE.GROUP/NAME:CHECK``: the check is ``condition=TYPE`` or ``FIELD.PATH=VALUE``.
_CUSTOM = re.compile(r"^(?:(?P<ns>[^/]+)/)?(?P<resource>[a-z0-9-]+)\.(?P<group>[a-z0-9.-]+)/(?P<rest>.+)$")
_CHECK = re.compile(
    r"^(?P<name>[^:]+):(?:condition=(?P<condition>[A-Za-z0-9._-]+)|"
    r"(?P<field>[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+)=(?P<value>[A-Za-z0-9._-]+))$"
)
API_KINDS = ("service", "job", "pod", "daemonset")
_FORMS = (
    "tcp://HOST:PORT, http(s)://HOST[:PORT]/PATH, file:/PATH, or, each with an optional NAMESPACE/ prefix, "
    "service/NAME, job/NAME, pod/LABEL=VALUE[+LABEL=VALUE], daemonset/NAME, "
    "RESOURCE.GROUP/NAME:condition=TYPE or RESOURCE.GROUP/NAME:FIELD.PATH=VALUE"
)
#: Small, requests equal to limits: never raises the Pod's request (an init container counts as a maximum).
_RESOURCES = {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "10m", "memory": "16Mi"}}
#: kubectl is a Go binary: 16Mi is too little for it to list Pods, so API waits get more (still requests = limits).
_API_RESOURCES = {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "50m", "memory": "64Mi"}}
_SECURITY = {
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "readOnlyRootFilesystem": True,
    "runAsNonRoot": True,
    "runAsUser": 65534,
    "runAsGroup": 65534,
    "seccompProfile": {"type": "RuntimeDefault"},
}


class Dependency(NamedTuple):
    """One thing to wait for, ``text`` as the user wrote it.

    ``kind``: ``tcp``, ``http``, ``file``, or one that reads the API: ``service``, ``job``, ``pod``,
    ``daemonset``, ``resource`` (a custom resource). For those, ``namespace`` is the ``NAMESPACE/`` prefix (None:
    the workload's own), ``name`` the object's name (for ``pod``, the label selector ``a=b,c=d``); a custom
    resource also has ``resource`` (``certificates``), ``group``, ``field`` (a kubectl JSONPath) and ``value``.
    """

    kind: str
    text: str
    namespace: str | None = None
    name: str = ""
    resource: str = ""
    group: str = ""
    field: str = ""
    value: str = ""
    cluster_scoped: bool = False

    @property
    def reads_api(self) -> bool:
        """Whether waiting on it reads the Kubernetes API (and so needs kubectl and RBAC)."""
        return self.kind in (*API_KINDS, "resource")

    def args(self, own_namespace: str) -> list[str]:
        """The script's arguments for this dependency (see :mod:`~krm_fn.sequencing.waits_script`)."""
        if not self.reads_api:
            return [self.kind, self.text]
        found = [self.kind, self.text, self.namespace or own_namespace, self.name]
        if self.kind == "resource":
            found += [f"{self.resource}.{self.group}", self.field, self.value]
        return found


def parse(value: str, *, key: str, path: str | None, report: Report) -> tuple[Dependency, ...]:
    """The dependencies of a ``wait-for`` annotation; each malformed or unsupported one is an error naming it."""
    found: list[Dependency] = []
    entries = [raw.strip() for raw in value.split(",")]
    pod_entries = {e for e in entries if e.startswith("pod/") or "/pod/" in e}
    for text in entries:
        if not text:
            report.error(f"{key} has an empty entry: separate dependencies with commas", path, topic="waits")
            continue
        tcp = _TCP.match(text)
        http = _HTTP.match(text)
        if tcp and 1 <= int(tcp.group(3)) <= 65535:
            found.append(Dependency("tcp", text))
        elif http and (http.group(4) is None or 1 <= int(http.group(4)) <= 65535):
            found.append(Dependency("http", text))
        elif _FILE.match(text):
            found.append(Dependency("file", text))
        elif isinstance(parsed := _api(text), Dependency):
            found.append(parsed)
        elif pod_entries and text not in pod_entries and _SELECTOR_TERM.match(text):
            # an entry of its own that reads as a label: pod/app=db,tier=cache (not pod/LABEL=VALUE too long)
            report.error(
                f"{key}: {text!r} looks like one more label of a pod/ dependency, but commas separate "
                "dependencies: join the labels of one pod/ dependency with '+' (pod/app=db+tier=cache)",
                path,
                topic="waits",
            )
        else:
            report.error(f"{key}: {text!r} {parsed}", path, topic="waits")
    return tuple(dict.fromkeys(found))


def _api(text: str) -> Dependency | str:
    """A dependency that reads the API, or why ``text`` is not one (the end of a sentence naming it)."""
    parts = text.split("/")
    if len(parts) >= 3 and parts[1] in API_KINDS:
        namespace, kind, rest = parts[0], parts[1], "/".join(parts[2:])
    elif parts[0] in API_KINDS and len(parts) >= 2:
        namespace, kind, rest = None, parts[0], "/".join(parts[1:])
    else:
        return _custom(text)
    if namespace is not None and not _is_namespace(namespace):
        return _bad_namespace(namespace)
    if kind == "pod":
        terms = rest.split("+")
        bad = [t for t in terms if not _selector_term_ok(t)]
        if bad:
            return (
                f"has {bad[0]!r}, which is not a label LABEL=VALUE (pod/LABEL=VALUE, several joined with '+': "
                "pod/app=db+tier=cache)"
            )
        return Dependency("pod", text, namespace, ",".join(terms))
    rule, check = {
        "service": ("a Service name (a DNS label starting with a letter)", _LABEL_1035.match(rest) and len(rest) <= 63),
        "job": ("a Job name (a DNS subdomain of at most 63 characters)", _SUBDOMAIN.match(rest) and len(rest) <= 63),
        "daemonset": ("a DaemonSet name (a DNS subdomain)", _SUBDOMAIN.match(rest) and len(rest) <= 253),
    }[kind]
    if not check:
        return f"names {rest!r}, which is not {rule}"
    return Dependency(kind, text, namespace, rest)


#: Cluster-scoped kinds a wait is written for (their scope cannot be read offline): these get a ClusterRole.
CLUSTER_SCOPED = frozenset(
    {
        ("clusterissuers", "cert-manager.io"),
        ("clustersecretstores", "external-secrets.io"),
        ("customresourcedefinitions", "apiextensions.k8s.io"),
        ("apiservices", "apiregistration.k8s.io"),
        ("storageclasses", "storage.k8s.io"),
        ("ingressclasses", "networking.k8s.io"),
        ("priorityclasses", "scheduling.k8s.io"),
        ("clusterpolicies", "kyverno.io"),
    }
)


def _custom(text: str) -> Dependency | str:
    """``[NAMESPACE/]RESOURCE.GROUP/NAME:condition=TYPE`` or ``...:FIELD.PATH=VALUE``, or why not."""
    match = _CUSTOM.match(text)
    if not match:
        return f"is not a dependency seq-fn can wait for ({_FORMS})"
    namespace, resource, group = match.group("ns"), match.group("resource"), match.group("group")
    problem = _bad_namespace(namespace) if namespace is not None and not _is_namespace(namespace) else None
    if not _LABEL.match(resource) or not _SUBDOMAIN.match(group) or len(group) > 253:
        problem = f"names the resource {resource}.{group}, which is not RESOURCE.GROUP (certificates.cert-manager.io)"
    cluster = (resource, group) in CLUSTER_SCOPED
    if cluster and namespace is not None:
        problem = f"names {resource}.{group}, which is cluster-scoped: drop the namespace prefix {namespace}/"
    if problem:
        return problem
    check = _CHECK.match(match.group("rest"))
    if not check:
        return (
            "is a custom resource without a check of the shape seq-fn can read: write NAME:condition=TYPE "
            "(status.conditions[type=TYPE].status is True) or NAME:FIELD.PATH=VALUE (status.phase=Ready)"
        )
    name = check.group("name")
    if check.group("condition") and _SUBDOMAIN.match(name) and len(name) <= 253:
        jsonpath = '{.status.conditions[?(@.type=="' + check.group("condition") + '")].status}'
        return Dependency("resource", text, namespace, name, resource, group, jsonpath, "True", cluster)
    if not _SUBDOMAIN.match(name) or len(name) > 253:
        return f"names {name!r}, which is not an object name (a DNS subdomain)"
    jsonpath = "{." + check.group("field") + "}"
    return Dependency("resource", text, namespace, name, resource, group, jsonpath, check.group("value"), cluster)


def _bad_namespace(namespace: str) -> str:
    return f"has the namespace {namespace!r}, which is not a namespace name (a DNS label)"


def _is_namespace(text: str) -> bool:
    return bool(_LABEL.match(text)) and len(text) <= 63


def _selector_term_ok(term: str) -> bool:
    match = _SELECTOR_TERM.match(term)
    if not match:
        return False
    prefix = match.group("prefix")
    if prefix is not None and (not _SUBDOMAIN.match(prefix) or len(prefix) > 253):
        return False
    return len(match.group("name")) <= 63 and len(match.group("value")) <= 63


def reads_api(dependencies: tuple[Dependency, ...]) -> bool:
    """Whether any of ``dependencies`` reads the Kubernetes API."""
    return any(d.reads_api for d in dependencies)


def apply(
    template: PodTemplate,
    dependencies: tuple[Dependency, ...],
    *,
    timeout: str | None,
    seconds: int | None,
    namespace: str | None,
    config: SequenceConfig,
    report: Report,
) -> None:
    """Put the ``seq-fn-wait`` init container first in the pod spec (``timeout`` as written, and in seconds).

    ``namespace`` is the workload's: API waits need it (their RoleBinding names the service account in it).
    """
    if not dependencies or timeout is None or seconds is None:
        return
    taken = {str(c.get("name")) for key in ("initContainers", "containers") for c in template.spec.get(key) or ()}
    if CONTAINER in taken:
        report.error(
            f"the pod spec already has a container named {CONTAINER!r}, which {CONTAINER} needs: rename it",
            f"{template.path}.initContainers",
            topic="waits",
        )
        return
    api = reads_api(dependencies)
    if api:
        _check_api_ready(template, namespace, report)
    mounts = _mounts(template, dependencies, report)
    own_token = api and template.spec.get("automountServiceAccountToken") is False
    if own_token:
        mounts.append(_token_volume(template, report))
    if api:
        mounts.append(_cache_volume(template, report))
    if report.has_errors:
        return
    args = [part for d in dependencies for part in d.args(namespace or "")]
    container: dict[str, Any] = {
        "name": CONTAINER,
        "image": config.wait_api_image if api else config.wait_image,
        "command": ["sh", "-c", SCRIPT, CONTAINER, str(seconds), timeout, *args],
    }
    env: list[dict[str, Any]] = [{"name": "KUBECACHEDIR", "value": CACHE_DIR}] if api else []
    if any(d.kind == "daemonset" for d in dependencies):
        env.append({"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}})
    if env:
        container["env"] = env
    if not _best_effort(template.spec):
        amounts = _API_RESOURCES if api else _RESOURCES
        container["resources"] = {k: dict(v) for k, v in amounts.items()}
    if mounts:
        container["volumeMounts"] = mounts
    container["securityContext"] = copy.deepcopy(_SECURITY)
    podspec.add_init(template, container)
    init = template.spec["initContainers"]
    init.insert(0, init.pop())


def _check_api_ready(template: PodTemplate, namespace: str | None, report: Report) -> None:
    """API waits need the workload's namespace: the RoleBinding names the Pod's service account, which lives in it."""
    if not namespace:
        report.error(
            f"{CONTAINER} reads the Kubernetes API here, so the workload needs metadata.namespace: the RoleBinding "
            "seq-fn adds names the Pod's service account, which lives in one namespace",
            "metadata.namespace",
            topic="waits",
        )


#: Where kubectl's in-cluster configuration reads the service-account token, CA and namespace.
TOKEN_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
TOKEN_VOLUME = "seq-fn-wait-token"


def _token_volume(template: PodTemplate, report: Report) -> dict[str, Any]:
    """``automountServiceAccountToken: false`` keeps the token out of every container; seq-fn-wait alone gets one.

    The projected volume is the one the kubelet mounts when the token is automounted (a bound, expiring token,
    the cluster's CA from ``kube-root-ca.crt``, the namespace), added to the pod spec and mounted read-only into
    seq-fn-wait only: the app containers stay without a token, as the workload asked. Returns the mount.
    """
    sources = [
        {"serviceAccountToken": {"path": "token", "expirationSeconds": 3607}},
        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
        {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1",
                                                                      "fieldPath": "metadata.namespace"}}]}},
    ]  # fmt: skip
    volume = {"name": TOKEN_VOLUME, "projected": {"defaultMode": 0o444, "sources": sources}}
    _add_volume(template, volume, "its service-account token (automountServiceAccountToken is false)", report)
    return {"name": TOKEN_VOLUME, "mountPath": TOKEN_PATH, "readOnly": True}


def _add_volume(template: PodTemplate, volume: dict[str, Any], need: str, report: Report) -> None:
    """Add a volume seq-fn-wait needs; a volume of the pod spec with its name already is an error, never replaced."""
    volumes = template.spec.get("volumes")
    if any(isinstance(v, Mapping) and v.get("name") == volume["name"] for v in volumes or ()):
        report.error(
            f"the pod spec already has a volume named {volume['name']!r}, which {CONTAINER} needs for {need}: "
            "rename it",
            f"{template.path}.volumes",
            topic="waits",
        )
        return
    if volumes is None:
        template.spec["volumes"] = volumes = []
    if isinstance(volumes, list) and not report.has_errors:
        volumes.append(volume)


CACHE_VOLUME = "seq-fn-wait-cache"
#: Bound on kubectl's discovery cache (a few MB even for clusters with hundreds of custom resources).
CACHE_SIZE = "64Mi"


def _cache_volume(template: PodTemplate, report: Report) -> dict[str, Any]:
    """An emptyDir for kubectl's discovery cache, so that each poll is one request and the root stays read-only.

    kubectl finds it through ``KUBECACHEDIR`` (set on the container), not ``--cache-dir``: any client flag can make
    kubectl leave its in-cluster configuration (see :mod:`~krm_fn.sequencing.waits_script`). Returns the mount.
    """
    _add_volume(
        template, {"name": CACHE_VOLUME, "emptyDir": {"sizeLimit": CACHE_SIZE}}, "kubectl's discovery cache", report
    )
    return {"name": CACHE_VOLUME, "mountPath": CACHE_DIR}


def describe(dependencies: tuple[Dependency, ...], timeout: str | None) -> str:
    """``waits for tcp://db:5432, file:/run/x first (init container seq-fn-wait, up to 10m)``."""
    if not dependencies:
        return ""
    return f"waits for {', '.join(d.text for d in dependencies)} first (init container {CONTAINER}, up to {timeout})"


def _mounts(template: PodTemplate, dependencies: tuple[Dependency, ...], report: Report) -> list[dict[str, Any]]:
    """For each ``file:`` wait, the workload's volume that holds the path, mounted read-only at the same place."""
    offered: list[Mapping[str, Any]] = [
        m
        for key in ("initContainers", "containers")
        for c in template.spec.get(key) or ()
        for m in (c.get("volumeMounts") or () if isinstance(c, Mapping) else ())
        if isinstance(m, Mapping) and isinstance(m.get("mountPath"), str)
    ]
    out: list[dict[str, Any]] = []
    for dep in dependencies:
        if dep.kind != "file":
            continue
        path = dep.text.removeprefix("file:")
        holders = [m for m in offered if path == m["mountPath"] or path.startswith(m["mountPath"].rstrip("/") + "/")]
        if not holders:
            report.error(
                f"{dep.text!r}: no container of this pod spec mounts a volume that holds {path}: mount the volume "
                "the file or socket appears on in one of the containers",
                f"{template.path}.containers",
                topic="waits",
            )
            continue
        best = max(holders, key=lambda m: len(m["mountPath"]))
        mount = {"name": best["name"], "mountPath": best["mountPath"], "readOnly": True}
        if best.get("subPath"):
            mount["subPath"] = best["subPath"]
        if mount not in out:
            out.append(mount)
    return out


def _best_effort(spec: Mapping[str, Any]) -> bool:
    """A Pod is BestEffort when no container asks for or limits CPU or memory."""
    for key in ("initContainers", "containers"):
        for container in spec.get(key) or ():
            resources = container.get("resources") if isinstance(container, MutableMapping) else None
            for kind in ("requests", "limits"):
                amounts = (resources or {}).get(kind) or {}
                if "cpu" in amounts or "memory" in amounts:
                    return False
    return True
