"""How containers stop and restart: a stop delay, a stop signal, and in-place retries on chosen exit codes.

Applied after the strategy, because where a container ended up decides what Kubernetes lets it carry: a plain
init container may have no ``lifecycle`` at all (and a step that has exited has nothing left to stop), a native
sidecar restarts on every exit and takes no ``restartPolicyRules``. Each field exists only from some Kubernetes
version on, so each is checked against ``kubernetesVersion``:

- ``stop-delay.<c>`` writes ``lifecycle.preStop.sleep.seconds`` (PodLifecycleSleepAction, on from 1.30) and raises
  ``terminationGracePeriodSeconds`` by the delay, so the time the container had to stop after SIGTERM is kept;
- ``stop-signal.<c>`` writes ``lifecycle.stopSignal`` (ContainerStopSignals, alpha since 1.33: only when the
  functionConfig lists it in ``alphaFeatures``), which also needs ``spec.os.name``;
- ``retry-on-exit-codes.<c>`` writes ``restartPolicy: Never`` plus a ``restartPolicyRules`` entry restarting the
  container in place on those codes (ContainerRestartRules, KEP-5307, on from 1.35);
- ``restart-all-on-exit-codes.<c>`` writes a ``restartPolicyRules`` entry with the action ``RestartAllContainers``
  (KEP-5532, beta and on from 1.36): the kubelet stops every container and runs the Pod again from its first init
  container, in the same Pod (same UID, IP and volumes), so the steps rerun in order. Kubernetes accepts it on a
  step that is an init container, on the main container, and on a native sidecar (the one rule a sidecar may
  carry); the container's ``restartPolicy`` is written out as it already behaves, since rules require one. Under
  the entrypoint strategy it is refused: the steps' post files live on emptyDirs that survive the restart.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from enum import StrEnum
from typing import Any, NamedTuple

from krm_fn.sdk import objects
from krm_fn.sequencing import constants as c
from krm_fn.sequencing import podspec
from krm_fn.sequencing.config import SequenceConfig
from krm_fn.sequencing.constants import Intent, Strategy
from krm_fn.sequencing.directives import Stopping
from krm_fn.sequencing.planning import Plan
from krm_fn.sequencing.report import Report
from krm_fn.sequencing.workloads import PodTemplate

#: The only signals a Windows container can be stopped with.
_WINDOWS_SIGNALS = ("SIGTERM", "SIGKILL")


class Place(StrEnum):
    """Where a container stands once the strategy has run."""

    PLAIN_INIT = "a plain init container"
    SIDECAR = "a native sidecar"
    CONTAINER = "a container"


class Placed(NamedTuple):
    """One container of the pod spec, where it stands, and its field path."""

    container: MutableMapping[str, Any]
    place: Place
    path: str


def placed(template: PodTemplate) -> dict[str, Placed]:
    """Every container of the pod spec by name, with where it stands now."""
    found: dict[str, Placed] = {}
    for key in ("initContainers", "containers"):
        for index, item in enumerate(template.spec.get(key) or ()):
            if not isinstance(item, MutableMapping) or not isinstance(item.get("name"), str):
                continue
            if key == "containers":
                place = Place.CONTAINER
            else:
                place = Place.SIDECAR if item.get("restartPolicy") == "Always" else Place.PLAIN_INIT
            found[item["name"]] = Placed(item, place, f"{template.path}.{key}[{index}]")
    return found


def apply(
    obj: Mapping[str, Any],
    template: PodTemplate,
    plan: Plan,
    *,
    config: SequenceConfig,
    report: Report,
) -> None:
    """Write the stop delays, stop signals and exit-code retries the plan asks for; report what cannot be."""
    if not plan.stopping:
        return
    where = placed(template)
    _stop_delays(template, plan, where, config=config, report=report)
    _stop_signals(template, plan, where, config=config, report=report)
    _restart_rules(obj, template, plan, where, config=config, report=report)


def describe(plan: Plan) -> list[str]:
    """A few words per container for the info result and ``seq-fn plan``."""
    stopping = plan.stopping
    out = [f"{name} stops {seconds}s after it is told to" for name, seconds in stopping.stop_delays.items()]
    out += [f"{name} is stopped with {signal}" for name, signal in stopping.stop_signals.items()]
    out += [
        f"{name} restarts in place on exit code{'s' if len(codes) > 1 else ''} {', '.join(map(str, codes))}"
        for name, codes in stopping.retry_exit_codes.items()
    ]
    out += [
        f"{name} exiting with {', '.join(map(str, codes))} restarts every container in place (the sequence "
        "reruns from its first step)"
        for name, codes in stopping.restart_all_exit_codes.items()
    ]
    if stopping.stop_delays:
        out.append(f"terminationGracePeriodSeconds raised by {grace_added(plan)}s to cover the stop delays")
    return out


def _too_old(
    what: str, since: tuple[int, int], *, key: str, stopping: Stopping, config: SequenceConfig, report: Report
) -> bool:
    """Report (and return True) when ``kubernetesVersion`` is older than the version that has ``what``."""
    if config.kubernetes_version >= since:
        return False
    version = ".".join(map(str, since))
    report.error(
        f"{key} writes {what}, which Kubernetes has from {version}, but kubernetesVersion is "
        f"{config.kubernetes_version_text}: raise kubernetesVersion in the functionConfig if every cluster runs "
        f"{version} or newer, or remove the annotation",
        stopping.path(key),
        topic="kubernetes-version",
    )
    return True


def _no_lifecycle_on_plain_init(name: str, spot: Placed, *, key: str, stopping: Stopping, report: Report) -> bool:
    """A step that became a plain init container may carry no ``lifecycle``, and has exited before anything stops."""
    if spot.place is not Place.PLAIN_INIT:
        return False
    report.error(
        f"{key}: {name!r} runs as a plain init container, where Kubernetes forbids lifecycle, and a step that "
        "has exited has nothing left to stop: put the annotation on the main container or a sidecar, or use "
        "strategy entrypoint, which keeps steps as containers",
        stopping.path(key),
        topic="incompatible-fields",
    )
    return True


def _stop_delays(
    template: PodTemplate,
    plan: Plan,
    where: Mapping[str, Placed],
    *,
    config: SequenceConfig,
    report: Report,
) -> None:
    delays = plan.stopping.stop_delays
    written: dict[str, int] = {}
    for name, seconds in delays.items():
        key = c.STOP_DELAY_PREFIX + name
        spot = where[name]
        if _too_old(
            "lifecycle.preStop.sleep",
            c.PRESTOP_SLEEP_SINCE,
            key=key,
            stopping=plan.stopping,
            config=config,
            report=report,
        ):
            return
        if _no_lifecycle_on_plain_init(name, spot, key=key, stopping=plan.stopping, report=report):
            continue
        lifecycle = spot.container.get("lifecycle")
        if isinstance(lifecycle, Mapping) and lifecycle.get("preStop") is not None:
            report.error(
                f"{key}: {name!r} already has a lifecycle.preStop handler, and a container has only one: remove "
                "the handler or the annotation (or make the handler sleep first)",
                f"{spot.path}.lifecycle.preStop",
                topic="annotations",
            )
            continue
        hooks = objects.ensure_mapping(spot.container, "lifecycle")
        hooks["preStop"] = {"sleep": {"seconds": seconds}}
        written[name] = seconds
    if written and not report.has_errors:
        _raise_grace(template, plan)


def _raise_grace(template: PodTemplate, plan: Plan) -> None:
    """Add the delays to the grace period: the sleep runs inside it, before the container is sent SIGTERM."""
    current = template.spec.get("terminationGracePeriodSeconds")
    base = current if isinstance(current, int) and not isinstance(current, bool) else c.DEFAULT_GRACE_SECONDS
    before = "initContainers" if "initContainers" in template.spec else "containers"
    objects.set_key(template.spec, "terminationGracePeriodSeconds", base + grace_added(plan), before=before)


def grace_added(plan: Plan) -> int:
    """How much longer the Pod may take to stop with the plan's delays.

    Regular containers stop together, then native sidecars one after another (in reverse order): the longest
    delay of a regular container plus every sidecar's delay is the most the Pod can spend sleeping.
    """
    sidecars = {*plan.sidecars, *(plan.steps[:-1] if plan.strategy is Strategy.NATIVE_SIDECARS else ())}
    delays = plan.stopping.stop_delays
    regular = max((s for n, s in delays.items() if n not in sidecars), default=0)
    return regular + sum(s for n, s in delays.items() if n in sidecars)


def _stop_signals(
    template: PodTemplate,
    plan: Plan,
    where: Mapping[str, Placed],
    *,
    config: SequenceConfig,
    report: Report,
) -> None:
    for name, signal in plan.stopping.stop_signals.items():
        key = c.STOP_SIGNAL_PREFIX + name
        spot = where[name]
        if c.STOP_SIGNAL_FEATURE not in config.alpha_features:
            report.error(
                f"{key} writes lifecycle.stopSignal, which is behind the alpha feature gate "
                f"{c.STOP_SIGNAL_FEATURE} (off by default): if every cluster enables it, add {c.STOP_SIGNAL_FEATURE} "
                "to alphaFeatures in the functionConfig; otherwise make the container stop on SIGTERM",
                plan.stopping.path(key),
                topic="alpha-features",
            )
            return
        if _too_old(
            "lifecycle.stopSignal", c.STOP_SIGNAL_SINCE, key=key, stopping=plan.stopping, config=config, report=report
        ):
            return
        if _no_lifecycle_on_plain_init(name, spot, key=key, stopping=plan.stopping, report=report):
            continue
        os_name = objects.get(template.spec, "os", "name")
        if os_name not in ("linux", "windows"):
            report.error(
                f"{key}: Kubernetes accepts lifecycle.stopSignal only in a pod spec that names its os: set "
                f"{template.path}.os.name to linux (or windows)",
                f"{template.path}.os.name",
                topic="annotations",
            )
            return
        if os_name == "windows" and signal not in _WINDOWS_SIGNALS:
            report.error(
                f"{key}: a Windows container can only be stopped with {' or '.join(_WINDOWS_SIGNALS)}, not {signal}",
                plan.stopping.path(key),
                topic="annotations",
            )
            continue
        lifecycle = spot.container.get("lifecycle")
        existing = lifecycle.get("stopSignal") if isinstance(lifecycle, Mapping) else None
        if existing is not None and existing != signal:
            report.error(
                f"{key} asks for {signal}, but {name!r} already sets lifecycle.stopSignal to {existing}: keep one",
                f"{spot.path}.lifecycle.stopSignal",
                topic="annotations",
            )
            continue
        objects.ensure_mapping(spot.container, "lifecycle")["stopSignal"] = signal


class _Rules(NamedTuple):
    """The restart rules one container gets, and the restartPolicy that must stand beside them."""

    spot: Placed
    policy: str
    rules: list[dict[str, Any]]
    keys: list[str]


def _restart_rules(
    obj: Mapping[str, Any],
    template: PodTemplate,
    plan: Plan,
    where: Mapping[str, Placed],
    *,
    config: SequenceConfig,
    report: Report,
) -> None:
    """``retry-on-exit-codes`` (action Restart) and ``restart-all-on-exit-codes`` (RestartAllContainers).

    Both become ``restartPolicyRules`` entries of the same container, which Kubernetes evaluates in order, so they
    are gathered per container and written once, with the ``restartPolicy`` the API server requires beside them.
    """
    wanted: dict[str, _Rules] = {}
    for name, codes in plan.stopping.retry_exit_codes.items():
        key = c.RETRY_PREFIX + name
        if _too_old(
            "a container restartPolicy with restartPolicyRules",
            c.RESTART_RULES_SINCE,
            key=key,
            stopping=plan.stopping,
            config=config,
            report=report,
        ):
            break
        spot = where[name]
        reason = _why_no_retry(plan, spot)
        if reason:
            report.error(f"{key}: {reason}", plan.stopping.path(key), topic="retries")
            continue
        if template.restart_policy == "OnFailure":
            report.warn(
                f"{key} is ignored: with restartPolicy OnFailure, Kubernetes already restarts {name!r} in place on "
                "every non-zero exit code (set restartPolicy Never to restart on those codes only)",
                plan.stopping.path(key),
            )
            continue
        _add_rule(wanted, spot, "Never", key, _rule("Restart", codes))
    for name, codes in plan.stopping.restart_all_exit_codes.items():
        key = c.RESTART_ALL_PREFIX + name
        if _too_old(
            "the restartPolicyRules action RestartAllContainers",
            c.RESTART_ALL_SINCE,
            key=key,
            stopping=plan.stopping,
            config=config,
            report=report,
        ):
            break
        if plan.strategy is Strategy.ENTRYPOINT:
            report.error(
                f"{key}: under strategy entrypoint every step's post file stays on its emptyDir when Kubernetes "
                "restarts the Pod's containers in place, so the rerun steps would not wait for each other: use "
                "strategy init-containers, where Kubernetes itself reruns the init containers in order",
                plan.stopping.path(key),
                topic="retries",
            )
            continue
        spot = where[name]
        _add_rule(wanted, spot, _restart_all_policy(spot, template), key, _rule("RestartAllContainers", codes))
    for name, found in wanted.items():
        _write_rules(obj, name, found, plan=plan, report=report)


def _rule(action: str, codes: tuple[int, ...]) -> dict[str, Any]:
    return {"action": action, "exitCodes": {"operator": "In", "values": list(codes)}}


def _add_rule(wanted: dict[str, _Rules], spot: Placed, policy: str, key: str, rule: dict[str, Any]) -> None:
    name = str(spot.container["name"])
    found = wanted.setdefault(name, _Rules(spot, policy, [], []))
    found.rules.append(rule)
    found.keys.append(key)


def _restart_all_policy(spot: Placed, template: PodTemplate) -> str:
    """The restartPolicy a container keeps beside a RestartAllContainers rule: what it has now, made explicit.

    A native sidecar stays ``Always``; a plain init container in a Pod that restarts containers acts as
    ``OnFailure``; a container follows the Pod. Codes no rule names keep behaving as they did.
    """
    if spot.place is Place.SIDECAR:
        return "Always"
    pod = template.restart_policy or "Always"
    if spot.place is Place.PLAIN_INIT:
        return "Never" if pod == "Never" else "OnFailure"
    return pod


def _write_rules(obj: Mapping[str, Any], name: str, found: _Rules, *, plan: Plan, report: Report) -> None:
    """Write one container's rules; refuse codes two rules share, and rules the user already set."""
    stopping, spot = plan.stopping, found.spot
    codes = [code for rule in found.rules for code in rule["exitCodes"]["values"]]
    shared = sorted({code for code in codes if codes.count(code) > 1})
    if shared:
        report.error(
            f"{' and '.join(found.keys)} both name exit code {', '.join(map(str, shared))} for {name!r}: "
            "Kubernetes acts on the first rule that matches, so say which one you mean",
            stopping.path(found.keys[-1]),
            topic="retries",
        )
        return
    container = spot.container
    own_policy = "restartPolicy" in container and spot.place is not Place.SIDECAR
    if own_policy or "restartPolicyRules" in container:
        report.error(
            f"{found.keys[0]}: {name!r} already sets restartPolicy or restartPolicyRules: keep those or the annotation",
            f"{spot.path}.restartPolicy",
            topic="retries",
        )
        return
    if spot.place is not Place.SIDECAR:
        objects.set_key(container, "restartPolicy", found.policy, before=podspec.key_after(container, "image"))
    objects.set_key(container, "restartPolicyRules", found.rules, before=podspec.key_after(container, "restartPolicy"))
    _warn_pod_failure_policy(obj, name, tuple(codes), report)


def _why_no_retry(plan: Plan, spot: Placed) -> str:
    """Why a retry cannot be written where the container stands, or an empty string."""
    if plan.intent is Intent.START_ORDER:
        return (
            "this workload is long-running (restartPolicy Always), so Kubernetes already restarts every container "
            "on every exit: remove the annotation"
        )
    if plan.strategy is Strategy.ENTRYPOINT:
        return (
            "under strategy entrypoint the steps after a failed one skip at once (they see its .err file), so a "
            "step restarted in place would run alone: use strategy init-containers, which keeps each step an "
            "init container Kubernetes restarts before the next starts"
        )
    if spot.place is Place.SIDECAR:
        return (
            "a native sidecar restarts on every exit, and Kubernetes accepts no Restart rule on one (to restart "
            "the whole Pod when it exits with a code, use seq-fn.dev/restart-all-on-exit-codes)"
        )
    return ""


def _warn_pod_failure_policy(obj: Mapping[str, Any], name: str, codes: tuple[int, ...], report: Report) -> None:
    """A Job rule on an exit code that now restarts the container in place never sees the Pod fail with it."""
    for prefix in (("spec",), ("spec", "jobTemplate", "spec")):
        rules = objects.get(obj, *prefix, "podFailurePolicy", "rules")
        for index, rule in enumerate(rules if isinstance(rules, list) else ()):
            on_codes = rule.get("onExitCodes") if isinstance(rule, Mapping) else None
            if not isinstance(on_codes, Mapping) or on_codes.get("containerName") not in (None, name):
                continue
            values = {v for v in on_codes.get("values") or () if isinstance(v, int)}
            hit = sorted(values & set(codes)) if on_codes.get("operator") == "In" else sorted(set(codes) - values)
            if hit:
                report.warn(
                    f"{name!r} now restarts in place on exit code {', '.join(map(str, hit))}, so the Pod does not "
                    f"fail with it and this podFailurePolicy rule ({rule.get('action')}) never acts on it",
                    f"{'.'.join(prefix)}.podFailurePolicy.rules[{index}]",
                )
