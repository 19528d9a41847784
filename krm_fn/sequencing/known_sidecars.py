"""Well-known long-running sidecars: the one list seq-fn keeps of containers that never exit on their own.

A mesh proxy, a database proxy or a log/metrics agent runs for as long as the Pod does. Made a step (a run-to-
completion init container, or a wrapped step), it hangs the Pod in Init forever when first, or lets the steps run
without it when last; made the main container of a Deployment, it takes the app's place for ``kubectl logs`` and
the start order (kube-rbac-proxy "main", app "sidecar"). Planning uses this list to avoid both: such a container
starts first, as a native sidecar, in every workload. The README's "Known sidecars" section lists it too
(a test keeps the two in step).

A container is recognised by its name or by its image's repository (registry host and tag left out), so an image
mirrored to another registry is still recognised.

Some of them say they are ready on an endpoint their project fixes: :func:`ready_endpoint` gives it, so that a
native sidecar without probes still gates the next container on readiness rather than on process start. Each
endpoint below cites where its project defines it; one that depends on flags (Cloud SQL Auth Proxy's health check
is off by default and listens on localhost) is given only when the container's args or env turn it on and make
it reachable for the kubelet. Others (Envoy's admin port, the OpenTelemetry Collector's health_check extension,
Fluent Bit's HTTP server) are set in configuration files seq-fn cannot read: no endpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple


class KnownSidecar(NamedTuple):
    """One well-known sidecar: the names it usually has and the ends of its image repositories."""

    label: str
    names: tuple[str, ...]
    images: tuple[str, ...]


KNOWN: tuple[KnownSidecar, ...] = (
    KnownSidecar("Istio proxy", ("istio-proxy",), ("istio/proxyv2", "istio-release/proxyv2", "istio/proxy")),
    KnownSidecar("Linkerd proxy", ("linkerd-proxy",), ("linkerd/proxy",)),
    KnownSidecar("Envoy", ("envoy", "envoy-proxy", "envoy-sidecar"), ("envoyproxy/envoy",)),
    KnownSidecar(
        "Consul dataplane", ("consul-dataplane", "consul-connect-envoy-sidecar"), ("hashicorp/consul-dataplane",)
    ),
    KnownSidecar("Kuma data plane", ("kuma-sidecar",), ("kumahq/kuma-dp",)),
    KnownSidecar(
        "Cloud SQL Auth Proxy",
        ("cloud-sql-proxy", "cloudsql-proxy"),
        ("cloud-sql-connectors/cloud-sql-proxy", "cloudsql-docker/gce-proxy"),
    ),
    KnownSidecar("Vault Agent", ("vault-agent",), ()),
    KnownSidecar("Fluent Bit", ("fluent-bit", "fluentbit"), ("fluent/fluent-bit",)),
    KnownSidecar("Fluentd", ("fluentd",), ("fluent/fluentd",)),
    KnownSidecar(
        "OpenTelemetry Collector",
        ("otel-collector", "opentelemetry-collector", "otc-container"),
        ("otel/opentelemetry-collector", "otel/opentelemetry-collector-contrib", "otel/opentelemetry-collector-k8s"),
    ),
    KnownSidecar("Datadog Agent", ("datadog-agent",), ("datadog/agent", "datadoghq/agent")),
    KnownSidecar("kube-rbac-proxy", ("kube-rbac-proxy",), ("brancz/kube-rbac-proxy", "kube-rbac-proxy")),
    KnownSidecar("OAuth2 Proxy", ("oauth2-proxy",), ("oauth2-proxy/oauth2-proxy", "pusher/oauth2_proxy")),
)


class Ready(NamedTuple):
    """An HTTP endpoint that answers 2xx once the sidecar is ready, on a port of the Pod's IP."""

    path: str
    port: int
    source: str


#: linkerd2's proxy template (charts/partials/templates/_proxy.tpl) probes readiness with ``httpGet /ready`` on
#: ``.Values.proxy.ports.admin``, 4191 by default (charts/linkerd-control-plane/values.yaml ``proxy.ports.admin``);
#: the proxy reads its admin address from ``LINKERD2_PROXY_ADMIN_LISTEN_ADDR``, which the template sets to
#: ``0.0.0.0:<admin port>``.
LINKERD_SOURCE = "https://github.com/linkerd/linkerd2/blob/main/charts/partials/templates/_proxy.tpl"
#: Istio's injection template (manifests/charts/istio-control/istio-discovery/files/injection-template.yaml) gives
#: istio-proxy ``readinessProbe: httpGet /healthz/ready, port 15021`` (the pilot-agent status port).
ISTIO_SOURCE = (
    "https://github.com/istio/istio/blob/master/manifests/charts/istio-control/istio-discovery/files/"
    "injection-template.yaml"
)
#: The Cloud SQL Auth Proxy (v2) serves ``/startup`` (200 once started), ``/liveness`` and ``/readiness`` only with
#: ``--health-check``, on ``--http-address`` (default localhost, which the kubelet cannot reach) and ``--http-port``
#: (default 9090); each flag is also read from ``CSQL_PROXY_<FLAG>`` in the environment.
CLOUD_SQL_SOURCE = (
    "https://github.com/GoogleCloudPlatform/cloud-sql-proxy/blob/main/examples/k8s-health-check/README.md"
)
_LOCAL_ADDRESSES = ("localhost", "127.0.0.1", "::1", "[::1]")


def _env(container: Mapping[str, Any], name: str) -> str | None:
    """The literal value of environment variable ``name`` (not one read from a ConfigMap or Secret)."""
    for item in container.get("env") or ():
        if isinstance(item, Mapping) and item.get("name") == name and isinstance(item.get("value"), str):
            return str(item["value"])
    return None


def _flag(container: Mapping[str, Any], flag: str, env: str, *, boolean: bool = False) -> str | None:
    """A flag's value from command and args, else from the environment variable ``env``.

    ``--flag=v`` or ``--flag v`` (a bare boolean ``--flag`` is "true"); the last occurrence wins, as with Go's
    flag parsers.
    """
    words = [str(w) for key in ("command", "args") for w in container.get(key) or () if isinstance(w, (str, int))]
    found: str | None = None
    for index, word in enumerate(words):
        if word.startswith(f"--{flag}="):
            found = word.split("=", 1)[1]
        elif word == f"--{flag}":
            following = words[index + 1] if index + 1 < len(words) else None
            found = "true" if boolean else following
    return found if found is not None else _env(container, env)


def _linkerd(container: Mapping[str, Any]) -> Ready | str:
    address = _env(container, "LINKERD2_PROXY_ADMIN_LISTEN_ADDR") or "0.0.0.0:4191"
    host, _, port = address.rpartition(":")
    if host in _LOCAL_ADDRESSES or not port.isdigit():
        return f"its admin server listens on {address}, which the kubelet cannot probe"
    return Ready("/ready", int(port), LINKERD_SOURCE)


def _istio(container: Mapping[str, Any]) -> Ready | str:
    del container  # the injection template fixes the status port
    return Ready("/healthz/ready", 15021, ISTIO_SOURCE)


def _cloud_sql(container: Mapping[str, Any]) -> Ready | str:
    if repository(str(container.get("image", ""))).endswith("cloudsql-docker/gce-proxy"):
        return "the v1 proxy (gce-proxy) has no /startup endpoint"
    enabled = (_flag(container, "health-check", "CSQL_PROXY_HEALTH_CHECK", boolean=True) or "").lower() == "true"
    if not enabled:
        return "the Cloud SQL Auth Proxy serves /startup only with --health-check and --http-address=0.0.0.0"
    address = _flag(container, "http-address", "CSQL_PROXY_HTTP_ADDRESS") or "localhost"
    if address in _LOCAL_ADDRESSES:
        return f"its health check listens on {address}, where the kubelet cannot probe it: add --http-address=0.0.0.0"
    port = _flag(container, "http-port", "CSQL_PROXY_HTTP_PORT") or "9090"
    if not port.isdigit() or not 0 < int(port) < 65536:
        return f"its --http-port {port!r} is not a port number"
    return Ready("/startup", int(port), CLOUD_SQL_SOURCE)


_READY: Mapping[str, Callable[[Mapping[str, Any]], Ready | str]] = {
    "Linkerd proxy": _linkerd,
    "Istio proxy": _istio,
    "Cloud SQL Auth Proxy": _cloud_sql,
}


def ready_endpoint(container: Mapping[str, Any]) -> Ready | str | None:
    """Where this known sidecar says it is ready; a reason when its project's endpoint is off or out of reach here.

    None when the container is no known sidecar, or one whose project fixes no endpoint.
    """
    known = recognise(container)
    derive = _READY.get(known.label) if known is not None else None
    return derive(container) if derive is not None else None


def gated_labels() -> Sequence[str]:
    """The known sidecars whose readiness endpoint seq-fn can derive (for the README and tests)."""
    return tuple(_READY)


def repository(image: str) -> str:
    """``ghcr.io/a/b:1.2@sha256:..`` -> ``a/b``: the image's repository path without registry, tag or digest."""
    path = image.split("@", 1)[0]
    head, _, tail = path.rpartition("/")
    path = f"{head}/{tail.split(':', 1)[0]}" if head else tail.split(":", 1)[0]
    first, _, rest = path.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        path = rest  # a registry host
    return path


def recognise(container: Mapping[str, Any]) -> KnownSidecar | None:
    """The known sidecar this container is, by name or image repository; None when it is none of them.

    An image matches when its repository is a known one or ends with ``/`` and a known one (a mirror's path);
    the first of :data:`KNOWN` that matches by name or image wins.
    """
    parts = repository(str(container.get("image", ""))).split("/")
    hits = [_BY_NAME.get(str(container.get("name", "")))]
    hits += [_BY_IMAGE.get("/".join(parts[start:])) for start in range(len(parts))]
    found = [known for known in hits if known is not None]
    return min(found, key=KNOWN.index) if found else None


def _first_of(pairs: list[tuple[str, KnownSidecar]]) -> dict[str, KnownSidecar]:
    """Each key with the first known sidecar that has it (a lookup: every container of every workload asks)."""
    out: dict[str, KnownSidecar] = {}
    for key, known in pairs:
        out.setdefault(key, known)
    return out


_BY_NAME = _first_of([(name, known) for known in KNOWN for name in known.names])
_BY_IMAGE = _first_of([(image, known) for known in KNOWN for image in known.images])
