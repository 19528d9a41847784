"""Every name users type or see, defined once (see the contract, ``CONTRACT.md``)."""

from __future__ import annotations

from enum import StrEnum

from krm_fn.sequencing import features

GROUP = "seq-fn.dev"
API_VERSION = f"{GROUP}/v1alpha1"
CONFIG_KIND = "SequenceContainers"

# Per-workload annotations (on the workload's metadata or its pod template's).
ORDER = f"{GROUP}/order"
SIDECARS = f"{GROUP}/sidecars"
AFTER_PREFIX = f"{GROUP}/after."
STRATEGY = f"{GROUP}/strategy"
TIMEOUT_PREFIX = f"{GROUP}/timeout."
#: ``"true"``: sequence this workload (with no selectors in the functionConfig, intent must be declared);
#: ``"false"``: leave it alone, whatever selects it. ``skip: "true"`` is the older alias of ``enabled: "false"``.
ENABLED = f"{GROUP}/enabled"
SKIP = f"{GROUP}/skip"
#: Budget of the startup gate of a sidecar or start-order container (its startupProbe).
START_TIMEOUT_PREFIX = f"{GROUP}/start-timeout."
#: Container stop and restart behaviour, per container (see :mod:`krm_fn.sequencing.lifecycle`).
STOP_DELAY_PREFIX = f"{GROUP}/stop-delay."
STOP_SIGNAL_PREFIX = f"{GROUP}/stop-signal."
RETRY_PREFIX = f"{GROUP}/retry-on-exit-codes."
RESTART_ALL_PREFIX = f"{GROUP}/restart-all-on-exit-codes."
LIFECYCLE_PREFIXES = (STOP_DELAY_PREFIX, STOP_SIGNAL_PREFIX, RETRY_PREFIX, RESTART_ALL_PREFIX)
#: Dependencies outside the Pod, waited for by one init container (see :mod:`krm_fn.sequencing.waits`).
WAIT_FOR = f"{GROUP}/wait-for"
WAIT_TIMEOUT = f"{GROUP}/wait-timeout"
#: The marker a sequenced workload carries; its value names the strategy. A second run leaves it alone.
SEQUENCED = f"{GROUP}/sequenced"
#: What undo needs to bring a sequenced workload back exactly (:mod:`krm_fn.sequencing.undo`; docs/undo.md).
UNDO = f"{GROUP}/undo"
#: On those exit codes, restart every container of the Pod in place (RestartAllContainers, issue 24).
RESTART_ALL_PREFIX = f"{GROUP}/restart-all-on-exit-codes."

#: The one table of ``seq-fn.dev/`` annotation keys: a key that is neither one of these nor a prefix below followed
#: by a container name is a typo (:mod:`krm_fn.sequencing.keys`), never a way of asking to be sequenced.
ANNOTATION_KEYS = (ORDER, SIDECARS, STRATEGY, ENABLED, SKIP, WAIT_FOR, WAIT_TIMEOUT, SEQUENCED, UNDO)
#: Keys that end with the name of the container they are about (``seq-fn.dev/timeout.migrate``).
CONTAINER_KEY_PREFIXES = (
    AFTER_PREFIX,
    TIMEOUT_PREFIX,
    START_TIMEOUT_PREFIX,
    STOP_DELAY_PREFIX,
    STOP_SIGNAL_PREFIX,
    RETRY_PREFIX,
    RESTART_ALL_PREFIX,
)

DEFAULT_CONTAINER = "kubectl.kubernetes.io/default-container"

#: What every error message points to for its explanation and ways out: the command that prints the topic's
#: section of the troubleshooting page shipped in the package (krm_fn/troubleshooting.md).
EXPLAIN = "seq-fn explain"

#: Fields Kubernetes forbids on an init container that is not a native sidecar (``resizePolicy``: see below).
FORBIDDEN_ON_INIT = ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe")
#: Native sidecars accept probes and lifecycle, but ``resizePolicy`` only from this version on (in-place resize
#: beta); plain init containers accept it from then too, except an entry with ``restartPolicy: RestartContainer``.
SIDECAR_RESIZE_POLICY_SINCE = features.SIDECAR_RESIZE_POLICY.since
INIT_RESIZE_POLICY_SINCE = features.INIT_RESIZE_POLICY.since
#: ``lifecycle.preStop.sleep`` (PodLifecycleSleepAction) is beta and on by default from this version.
PRESTOP_SLEEP_SINCE = features.SLEEP_ACTION.since
#: ``lifecycle.stopSignal`` (ContainerStopSignals) exists from this version, alpha and off by default.
STOP_SIGNAL_SINCE = features.STOP_SIGNALS.since
STOP_SIGNAL_FEATURE = features.STOP_SIGNALS.gate
#: Per-container ``restartPolicy`` with ``restartPolicyRules`` (ContainerRestartRules, KEP-5307): beta, on by default.
RESTART_RULES_SINCE = features.RESTART_RULES.since
#: ``RestartAllContainers`` as a ``restartPolicyRules`` action (KEP-5532): beta, on by default.
RESTART_ALL_SINCE = features.RESTART_ALL.since
#: What Kubernetes gives a Pod to stop when ``terminationGracePeriodSeconds`` is not set.
DEFAULT_GRACE_SECONDS = 30
#: Native sidecars (init containers with ``restartPolicy: Always``) are on by default from this version.
NATIVE_SIDECARS_SINCE = features.NATIVE_SIDECARS.since
#: The default of ``kubernetesVersion``: the oldest minor upstream supports on the release date (the rule and its
#: dates are in :mod:`krm_fn.sequencing.kubernetes_support`).
DEFAULT_KUBERNETES_VERSION = "1.35"
#: Alpha Kubernetes features the functionConfig can declare enabled on every cluster (``alphaFeatures``).
ALPHA_FEATURES = (STOP_SIGNAL_FEATURE,)


class Strategy(StrEnum):
    """How the order is enforced; ``auto`` picks one by the workload's intent."""

    AUTO = "auto"
    INIT_CONTAINERS = "init-containers"
    ENTRYPOINT = "entrypoint"
    NATIVE_SIDECARS = "native-sidecars"


class Intent(StrEnum):
    """What ordering means for a workload: run to completion one by one, or start one by one and keep running."""

    STEPS = "steps"
    START_ORDER = "start order"


class OnIncompatible(StrEnum):
    """What to do with probes/lifecycle/resizePolicy on a container that must become a plain init container."""

    ERROR = "error"
    DROP = "drop"


class OnError(StrEnum):
    """What a failed step does to the next ones (entrypoint strategy)."""

    STOP = "stop"
    CONTINUE = "continue"
