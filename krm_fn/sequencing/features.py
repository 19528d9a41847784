"""The Kubernetes versions behind every field seq-fn writes: one table, with its sources.

Validation (``kubernetesVersion`` checks in :mod:`.lifecycle`, :mod:`.podspec`, :mod:`.services`,
:mod:`.planning`) and ``seq-fn plan``'s preflight (:mod:`.preflight`) read the same rows, so what seq-fn refuses
and what it says a cluster needs cannot drift apart. Each row says when the API server accepts the field and when
the kubelet acts on it (a field the API server keeps but an old kubelet ignores is the dangerous case: the Pod
runs, without the behaviour), what maturity it had in which release, and where that was read.

``KUBELET_FIXES`` lists patch releases whose fixes change what seq-fn's output does on a node: a kubelet below the
fixed patch of its minor runs the output, with the bug.
"""

from __future__ import annotations

from typing import NamedTuple

Version = tuple[int, int]
Patch = tuple[int, int, int]


class Feature(NamedTuple):
    """One field (or behaviour) seq-fn writes, and the Kubernetes it needs."""

    key: str
    #: What users call it: ``native sidecars``.
    label: str
    field: str
    #: The first release whose API server accepts the field and whose kubelet acts on it, gate on by default.
    since: Version
    #: ``[(release, "alpha" | "beta" | "GA")]``, oldest first: the maturity each release gave it.
    stages: tuple[tuple[Version, str], ...]
    gate: str
    source: str
    #: Whether the kubelet must know the field too (False: only the control plane acts on it).
    on_kubelet: bool = True

    @property
    def since_text(self) -> str:
        """``1.29``."""
        return version_text(self.since)

    def stage_at(self, version: Version) -> str | None:
        """The maturity at ``version`` (``None`` before the first stage)."""
        found = None
        for release, stage in self.stages:
            if release <= version:
                found = stage
        return found

    def maturity(self) -> str:
        """``alpha 1.28, beta 1.29 (on by default), GA 1.33``: the history as people write it."""
        words = {"alpha": "alpha {}", "beta": "beta {} (on by default)", "GA": "GA {}"}
        return ", ".join(words[stage].format(version_text(release)) for release, stage in self.stages)


def version_text(version: tuple[int, ...]) -> str:
    """``(1, 29)`` -> ``1.29``."""
    return ".".join(map(str, version))


NATIVE_SIDECARS = Feature(
    "native-sidecars",
    "native sidecars",
    "initContainers[].restartPolicy: Always",
    (1, 29),
    (((1, 28), "alpha"), ((1, 29), "beta"), ((1, 33), "GA")),
    "SidecarContainers",
    "https://github.com/kubernetes/enhancements/tree/master/keps/sig-node/753-sidecar-containers",
)
SLEEP_ACTION = Feature(
    "sleep-action",
    "sleep action",
    "lifecycle.preStop.sleep",
    (1, 30),
    (((1, 29), "alpha"), ((1, 30), "beta"), ((1, 34), "GA")),
    "PodLifecycleSleepAction",
    "https://github.com/kubernetes/enhancements/tree/master/keps/sig-node/3960-pod-lifecycle-sleep-action",
)
NAMED_PORT_ON_SIDECAR = Feature(
    "named-port-on-sidecar",
    "named ports to sidecars",
    "a Service targetPort naming a native sidecar's port",
    (1, 32),
    (((1, 32), "GA"),),
    "",
    "https://github.com/kubernetes/kubernetes/issues/127958 (fix: kubernetes/kubernetes#127976)",
    on_kubelet=False,  # the EndpointSlice controller resolves the port name
)
SIDECAR_RESIZE_POLICY = Feature(
    "sidecar-resize-policy",
    "resize of sidecars",
    "resizePolicy on a native sidecar",
    (1, 33),
    (((1, 33), "beta"),),
    "InPlacePodVerticalScaling",
    "https://github.com/kubernetes/enhancements/tree/master/keps/sig-node/1287-in-place-update-pod-resources",
)
INIT_RESIZE_POLICY = Feature(
    "init-resize-policy",
    "resize of init containers",
    "resizePolicy on a plain init container (NotRequired only)",
    (1, 33),
    (((1, 33), "beta"),),
    "InPlacePodVerticalScaling",
    "https://github.com/kubernetes/enhancements/tree/master/keps/sig-node/1287-in-place-update-pod-resources",
)
#: Gate history from kube_features.go (1.35): alpha 1.34, beta and on by default 1.35.
RESTART_RULES = Feature(
    "restart-rules",
    "restart rules",
    "a container's restartPolicy, restartPolicyRules action Restart",
    (1, 35),
    (((1, 34), "alpha"), ((1, 35), "beta")),
    "ContainerRestartRules",
    "https://github.com/kubernetes/enhancements/tree/master/keps/sig-node/5307-container-restart-policy",
)
#: kube_features.go of 1.35 has the gate alpha and off in 1.35; beta and on by default in 1.36 is the KEP's milestone
#: (kep.yaml) and the 1.36 release. Both the API server and every kubelet need it; with NodeDeclaredFeatures on, the
#: scheduler places such a Pod only on nodes that declare it (component-helpers nodedeclaredfeatures,
#: restartallcontainers). Kubernetes' node e2e tests put the rule on a regular container, an init container and a
#: native sidecar (test/e2e_node, "Pod Extended (RestartAllContainers)").
RESTART_ALL = Feature(
    "restart-all",
    "restart all containers",
    "restartPolicyRules action RestartAllContainers",
    (1, 36),
    (((1, 35), "alpha"), ((1, 36), "beta")),
    "RestartAllContainersOnContainerExits",
    "https://github.com/kubernetes/enhancements/tree/master/keps/sig-node/5532-restart-pod-on-container-exits",
)
STOP_SIGNALS = Feature(
    "stop-signals",
    "stop signals",
    "lifecycle.stopSignal",
    (1, 33),
    (((1, 33), "alpha"),),
    "ContainerStopSignals",
    "https://github.com/kubernetes/enhancements/tree/master/keps/sig-node/4960-container-stop-signals",
)

#: Every row, in the order ``seq-fn plan`` lists them.
FEATURES: tuple[Feature, ...] = (
    NATIVE_SIDECARS,
    SLEEP_ACTION,
    NAMED_PORT_ON_SIDECAR,
    SIDECAR_RESIZE_POLICY,
    INIT_RESIZE_POLICY,
    RESTART_RULES,
    RESTART_ALL,
    STOP_SIGNALS,
)


class KubeletFix(NamedTuple):
    """A kubelet bug that seq-fn's output can hit, and the patch release of each minor that fixed it."""

    key: str
    what: str
    #: Which output hits it: a feature key of :data:`FEATURES` plus a note on the shape.
    applies_to: str
    fixed_in: tuple[Patch, ...]
    #: Minors from this one on were released with the fix.
    fixed_from_minor: Version
    #: Minors with the bug that never got a fix (after their last patch).
    first_affected: Version
    source: str

    def fixed_at(self, version: Version | Patch) -> bool | None:
        """Whether a kubelet at ``version`` has the fix; None when a minor alone cannot tell (a patch would)."""
        minor = version[:2]
        if minor >= self.fixed_from_minor or minor < self.first_affected:
            return True
        for patch in self.fixed_in:
            if patch[:2] == minor:
                return None if len(version) < 3 else version >= patch
        return False

    @property
    def ref(self) -> str:
        """``kubernetes/kubernetes#132826``: the issue, as GitHub writes it."""
        url = self.source.split(" ", 1)[0].removeprefix("https://github.com/")
        return url.replace("/issues/", "#")

    def advice(self) -> str:
        """``1.33.6 or newer on 1.33, 1.34.2 on 1.34, any 1.35``."""
        parts = [f"{version_text(p)} on {version_text(p[:2])}" for p in self.fixed_in]
        return ", ".join(parts) + f", any {version_text(self.fixed_from_minor)} or newer"


#: kubernetes/kubernetes#132826: with the Pod's restartPolicy Never, a native sidecar whose startupProbe failed once
#: and whose restart then succeeded never had its startup probe run again, so the kubelet never saw it started and
#: the next container stayed in Init forever. Fixed by #133072 (1.35.0), cherry-picked to 1.34 (#134800, released
#: in 1.34.2) and 1.33 (#134801, 1.33.6); the 1.32 cherry-pick (#134802) was closed unmerged.
SIDECAR_STARTUP_PROBE_RACE = KubeletFix(
    "sidecar-startup-probe-race",
    "a native sidecar whose startupProbe fails once leaves the next container stuck in Init (restartPolicy Never)",
    "native-sidecars with a startupProbe in a Pod with restartPolicy Never",
    ((1, 33, 6), (1, 34, 2)),
    (1, 35),
    (1, 29),
    "https://github.com/kubernetes/kubernetes/issues/132826 (fix: kubernetes/kubernetes#133072, #134800, #134801)",
)

KUBELET_FIXES: tuple[KubeletFix, ...] = (SIDECAR_STARTUP_PROBE_RACE,)
