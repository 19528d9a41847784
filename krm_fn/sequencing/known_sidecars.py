"""Well-known long-running sidecars: the one list seq-fn keeps of containers that never exit on their own.

A mesh proxy, a database proxy or a log/metrics agent runs for as long as the Pod does. Made a step (a run-to-
completion init container, or a wrapped step), it hangs the Pod in Init forever when first, or lets the steps run
without it when last; made the main container of a Deployment, it takes the app's place for ``kubectl logs`` and
the start order (kube-rbac-proxy "main", app "sidecar"). Planning uses this list to avoid both: such a container
starts first, as a native sidecar, in every workload. The README's "Known sidecars" section lists it too
(a test keeps the two in step).

A container is recognised by its name or by its image's repository (registry host and tag left out), so an image
mirrored to another registry is still recognised.
"""

from __future__ import annotations

from collections.abc import Mapping
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
