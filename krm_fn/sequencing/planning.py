"""Decide, for one pod spec, what will run in which order and how: a :class:`Plan`, or the reasons there is none.

Planning reads and never edits, so ``seq-fn plan`` can show it and the strategies can trust it: every name in
a plan exists, is unique, and is a step or a sidecar; the step order respects every ``after`` edge.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import NamedTuple

from krm_fn.sequencing import constants as c
from krm_fn.sequencing import directives, known_sidecars, ordering
from krm_fn.sequencing.config import SequenceConfig
from krm_fn.sequencing.constants import Intent, Strategy
from krm_fn.sequencing.directives import Directives
from krm_fn.sequencing.durations import whole_seconds
from krm_fn.sequencing.podspec import container_names
from krm_fn.sequencing.report import Report
from krm_fn.sequencing.workloads import PodTemplate


class Plan(NamedTuple):
    """What to do with one pod spec.

    ``steps`` is the run (or start) order; its last entry is the main container. ``waits_for`` holds each
    step's direct predecessors: the previous step for a chain, the ``after`` annotation for a DAG, and with both
    ``order`` and ``after`` the previous step in ``order`` plus the step's ``after`` steps (``order`` is the
    order; ``after`` only adds waits it already implies). ``has_deadline``: whether ``activeDeadlineSeconds`` bounds
    the Pod (on it or on the workload that holds it), ``deadline_path`` where it would go.
    """

    intent: Intent
    strategy: Strategy
    steps: tuple[str, ...]
    waits_for: Mapping[str, tuple[str, ...]]
    sidecars: tuple[str, ...] = ()
    is_dag: bool = False
    timeouts: Mapping[str, str] = MappingProxyType({})
    #: Budget in seconds of the startup gate of a sidecar or start-order container, where the user set one.
    start_timeouts: Mapping[str, float] = MappingProxyType({})
    #: Sidecars seq-fn recognised as well-known long-running containers (see :mod:`.known_sidecars`).
    recognised: tuple[str, ...] = ()
    has_deadline: bool = True
    deadline_path: str | None = None
    stopping: directives.Stopping = directives.Stopping()
    waits: directives.Waits = directives.Waits()

    @property
    def main(self) -> str:
        """The container that stays a regular container (and kubectl's default)."""
        return self.steps[-1]


def plan(
    obj: Mapping[str, object], template: PodTemplate, *, intent: Intent, config: SequenceConfig, report: Report
) -> Plan | None:
    """The plan for ``template``, or None when there is nothing to do or an error was reported."""
    asked = directives.read(obj, template, report)
    names = _names(template, report)
    if names is None or report.has_errors:
        return None
    sidecars = _sidecars(names, asked, config, report)
    recognised = _recognised_sidecars(template, sidecars, asked, intent, report)
    sidecars += recognised
    steps = [n for n in names if n not in sidecars]
    if not steps:
        _no_step(template, sidecars, asked, report)
        return None
    order = _order(steps, sidecars, asked, report)
    own_init = [str(i["name"]) for i in template.spec.get("initContainers") or () if isinstance(i, Mapping)]
    _check_stopping_names(asked, names, own_init, report)
    _check_timeout_names(asked, names, report)
    if order is None or report.has_errors:
        return None
    if len(order) == 1 and not sidecars and not asked.stopping and not asked.waits:
        report.info(f"nothing to do: one container ({order[0]}), nothing to order", f"{template.path}.containers")
        return None
    strategy = _strategy(intent, asked, config, report)
    needs_sidecars = bool(sidecars) or (strategy is Strategy.NATIVE_SIDECARS and len(order) > 1)
    if needs_sidecars and config.kubernetes_version < c.NATIVE_SIDECARS_SINCE:
        report.error(
            f"native sidecars need Kubernetes >= 1.29 but kubernetesVersion is {config.kubernetes_version_text}: "
            "raise kubernetesVersion in the functionConfig if every cluster runs 1.29 or newer"
            + (", or drop the sidecars" if sidecars else ", or use strategy entrypoint or init-containers"),
            asked.path(c.SIDECARS) or "kubernetesVersion",
            topic="kubernetes-version",
        )
    for name in asked.timeouts:
        if name not in names:
            continue  # _check_timeout_names
        if name not in steps:
            report.error(
                f"timeout for {name!r}, which is not a step", asked.path(c.TIMEOUT_PREFIX + name), topic="annotations"
            )
        elif strategy is not Strategy.ENTRYPOINT:
            report.warn(
                f"timeout for {name!r} is ignored: only strategy entrypoint enforces step timeouts",
                asked.path(c.TIMEOUT_PREFIX + name),
            )
    if strategy is not None and order:
        gated = [*sidecars, *(order[:-1] if strategy is Strategy.NATIVE_SIDECARS else ())]
        _check_start_timeouts(asked, names, gated, report)
    if report.has_errors or strategy is None:
        return None
    waits_for = _waits_for(order, asked)
    has_deadline, deadline_path = _deadline(obj, template)
    return Plan(
        intent=intent,
        strategy=strategy,
        steps=tuple(order),
        waits_for=waits_for,
        sidecars=tuple(sidecars),
        is_dag=bool(asked.after) and asked.order is None,
        timeouts=dict(asked.timeouts),
        start_timeouts=dict(asked.start_timeouts),
        recognised=tuple(recognised),
        has_deadline=has_deadline,
        deadline_path=deadline_path,
        stopping=asked.stopping,
        waits=_waits(asked.waits, config),
    )


def _names(template: PodTemplate, report: Report) -> list[str] | None:
    """The container names, checked; None when there are none yet (a base an overlay fills in) or on an error."""
    if "containers" not in template.spec:
        report.info(f"nothing to do: no containers at {template.path}.containers yet", template.path)
        return None
    return container_names(template, report)


def _waits_for(order: list[str], asked: Directives) -> dict[str, tuple[str, ...]]:
    """Each step's direct predecessors: one meaning for every strategy (see :class:`Plan`).

    ``after`` alone is a DAG whose independent branches stay parallel; ``order`` (or the container order) alone
    is a chain; with both, the chain of ``order`` plus every ``after`` edge (which ``_order`` checked agree).
    """
    if asked.after and asked.order is None:
        return {n: tuple(asked.after.get(n, ())) for n in order}
    chain = ordering.chain(order)
    return {n: tuple(dict.fromkeys([*chain.get(n, ()), *asked.after.get(n, ())])) for n in order}


def _deadline(obj: Mapping[str, object], template: PodTemplate) -> tuple[bool, str]:
    """Whether ``activeDeadlineSeconds`` bounds the Pod, and where to suggest it when it does not.

    Set on the pod spec or on a ``spec`` that holds it (a Job's) counts; the suggestion is the innermost such
    ``spec`` above the pod spec (a Job's own), else the pod spec.

    A path this cannot follow counts as bounded, so it never warns by mistake.
    """
    node: object = obj
    specs: list[str] = []
    walked: list[str] = []
    for part in template.path.split("."):
        key = part.split("[", 1)[0]
        walked.append(part)
        node = node.get(key) if isinstance(node, Mapping) else None
        for index in re.findall(r"\[(\d+)\]", part):
            node = node[int(index)] if isinstance(node, list) and int(index) < len(node) else None
        if not isinstance(node, Mapping):
            return True, ""
        if key == "spec":
            specs.append(".".join(walked))
            if "activeDeadlineSeconds" in node:
                return True, ""
    where = specs[-2] if len(specs) > 1 else template.path
    return False, f"{where}.activeDeadlineSeconds"


def _waits(asked: directives.Waits, config: SequenceConfig) -> directives.Waits:
    """The workload's waits with the timeout resolved: its annotation, else the config's ``waitFor.timeout``."""
    if asked.timeout is not None:
        return asked
    return asked._replace(timeout=config.wait_timeout, timeout_seconds=whole_seconds(config.wait_timeout))


def _check_timeout_names(asked: Directives, names: Sequence[str], report: Report) -> None:
    """``timeout.<c>`` and ``start-timeout.<c>`` must name a container, even where there is nothing else to do."""
    for prefix, named in ((c.TIMEOUT_PREFIX, asked.timeouts), (c.START_TIMEOUT_PREFIX, asked.start_timeouts)):
        for name in named:
            if name not in names:
                report.error(
                    f"{prefix}{name} names {name!r}, which is not a container (containers: {', '.join(names)})",
                    asked.path(prefix + name),
                    topic="annotations",
                )


def _check_stopping_names(asked: Directives, names: Sequence[str], own_init: Sequence[str], report: Report) -> None:
    """Stop and retry annotations must name a container of this pod spec (a step or a sidecar).

    ``restart-all-on-exit-codes`` may also name one of the workload's own init containers: the init container that
    takes the next item from a queue, or a watcher sidecar the user declared, are what KEP-5532 was made for.
    """
    restart_all = {c.RESTART_ALL_PREFIX + name for name in own_init}
    for name, key in asked.stopping.names().items():
        if name not in names and key not in restart_all:
            report.error(
                f"{key} names {name!r}, which is not a container (containers: {', '.join(names)})",
                asked.path(key),
                topic="annotations",
            )


def _sidecars(names: Sequence[str], asked: Directives, config: SequenceConfig, report: Report) -> list[str]:
    for name in asked.sidecars:
        if name not in names:
            report.error(
                f"sidecar {name!r} is not one of the containers ({', '.join(names)})",
                asked.path(c.SIDECARS),
                topic="sidecars",
            )
    chosen = set(config.sidecars) | set(asked.sidecars)
    return [n for n in names if n in chosen]


def _recognised_sidecars(
    template: PodTemplate, sidecars: list[str], asked: Directives, intent: Intent, report: Report
) -> list[str]:
    """Well-known long-running containers that nobody declared a sidecar: the sidecars they must be.

    Whatever the intent, such a container starts first, as a native sidecar: a mesh proxy is up before the app
    and never becomes the main container of a Deployment, and a database proxy in a Job serves every step and
    stops after the last (as a step it would never exit, and the Pod would hang). Naming it in
    ``seq-fn.dev/order`` says it is a step after all; only the main place of a long-running workload stays
    refused.
    """
    found = []
    ordered = asked.order or ()
    for container in template.spec["containers"]:
        name = container["name"]
        known = known_sidecars.recognise(container)
        if known is None or name in sidecars:
            continue
        if name in ordered:
            if intent is Intent.START_ORDER and ordered[-1] == name:
                report.error(
                    f"{c.ORDER} makes {name!r} ({known.label}) the main container: a long-running sidecar must "
                    f"start first, as a native sidecar; list it in {c.SIDECARS} instead, or put the app last",
                    asked.path(c.ORDER),
                    topic="known-sidecars",
                )
            continue
        found.append(name)
    return found


def _no_step(template: PodTemplate, sidecars: Sequence[str], asked: Directives, report: Report) -> None:
    """Every container is a sidecar: a mistake when the workload's own annotation says so, else nothing to do.

    An Istio ingress gateway or an OpenTelemetry collector Deployment is a proxy and nothing else; ``selectAll``
    over a repository meets many, and must not fail for them.
    """
    if asked.sidecars:
        report.error(
            "every container is a sidecar: at least one must stay a step",
            asked.path(c.SIDECARS) or f"{template.path}.containers",
            topic="sidecars",
        )
    else:
        report.info(f"nothing to do: its only containers are sidecars ({_labelled(template, sidecars)})",
                    f"{template.path}.containers")  # fmt: skip


def _labelled(template: PodTemplate, names: Sequence[str]) -> str:
    """``istio-proxy: Istio proxy``: each container with what seq-fn recognised it as, where it did."""
    known = {str(i.get("name")): known_sidecars.recognise(i) for i in template.spec["containers"]}
    return ", ".join(f"{n}: {k.label}" if (k := known.get(n)) else n for n in names)


def _check_start_timeouts(asked: Directives, names: Sequence[str], gated: Sequence[str], report: Report) -> None:
    """``start-timeout.<c>`` must name a container whose start gates the next one."""
    for name in asked.start_timeouts:
        path = asked.path(c.START_TIMEOUT_PREFIX + name)
        if name in names and name not in gated:  # a name that is not a container: _check_timeout_names
            report.warn(
                f"start timeout for {name!r} is ignored: only a sidecar or a start-order container before the "
                "main one has a startup gate",
                path,
            )


def _order(steps: list[str], sidecars: list[str], asked: Directives, report: Report) -> list[str] | None:
    """The step order: the order annotation (or container order), then made to respect every ``after`` edge."""
    base = steps
    if asked.order is not None:
        path = asked.path(c.ORDER)
        _check_names(asked.order, label="order", steps=steps, sidecars=sidecars, path=path, report=report)
        missing = [n for n in steps if n not in asked.order]
        if missing:
            report.error(
                f"order must name every step; missing: {', '.join(missing)} (or list them in {c.SIDECARS})",
                path,
                topic="order-and-dag",
            )
        base = list(asked.order)
    for name, deps in asked.after.items():
        path = asked.path(c.AFTER_PREFIX + name)
        label = f"after.{name}"
        _check_names((name, *deps), label=label, steps=steps, sidecars=sidecars, path=path, report=report)
        if name in deps:
            report.error(f"{name!r} cannot wait for itself", path, topic="order-and-dag")
    if report.has_errors:
        return None
    try:
        order = ordering.linearise(base, asked.after)
    except ordering.CycleError as err:
        report.error(
            f"the after annotations form a cycle: {err}",
            asked.path(c.AFTER_PREFIX + err.cycle[0]),
            topic="order-and-dag",
        )
        return None
    if asked.order is not None and order != base:
        first = next(i for i, (a, b) in enumerate(zip(order, base, strict=True)) if a != b)
        report.error(
            f"order puts {base[first]!r} before {order[first]!r}, but the after annotations make "
            f"{base[first]!r} wait for it",
            asked.path(c.ORDER),
            topic="order-and-dag",
        )
        return None
    return order


def _check_names(
    names: Sequence[str], *, label: str, steps: list[str], sidecars: list[str], path: str | None, report: Report
) -> None:
    """Every name must be a step: a sidecar starts before all steps, and an unknown name is a typo."""
    for name in names:
        if name in sidecars:
            report.error(
                f"{label} names {name!r}, a sidecar: sidecars start before every step and are not ordered",
                path,
                topic="order-and-dag",
            )
        elif name not in steps:
            report.error(
                f"{label} names {name!r}, which is not a container (containers: {', '.join(steps)})",
                path,
                topic="order-and-dag",
            )


def _strategy(intent: Intent, asked: Directives, config: SequenceConfig, report: Report) -> Strategy | None:
    """The strategy for this workload: its annotation, else the config's; ``auto`` goes by intent."""
    chosen = asked.strategy or config.strategy
    # A strategy from the config has no field in the workload: the message says where it came from instead of a
    # field path (``strategy`` would read as the Deployment's own spec.strategy, and one_line would repeat it).
    where = asked.path(c.STRATEGY)
    said = f"strategy {chosen.value}" if asked.strategy else f"the functionConfig's strategy {chosen.value}"
    if chosen is Strategy.AUTO:
        return Strategy.INIT_CONTAINERS if intent is Intent.STEPS else Strategy.NATIVE_SIDECARS
    if intent is Intent.STEPS and chosen is Strategy.NATIVE_SIDECARS:
        report.error(
            f"{said} gives a start order, but these containers are steps that run to "
            "completion (a sidecar that exits is restarted): use init-containers or entrypoint",
            where,
            topic="strategy-mismatch",
        )
        return None
    if intent is Intent.START_ORDER and chosen is Strategy.ENTRYPOINT:
        report.error(
            f"{said} runs each step once, but this Pod restarts its containers "
            "(restartPolicy Always), so a finished step would run again and the order holds only for the "
            "first pass: use native-sidecars",
            where,
            topic="strategy-mismatch",
        )
        return None
    if intent is Intent.START_ORDER and chosen is Strategy.INIT_CONTAINERS:
        if asked.strategy is None:
            report.error(
                f"{said} would make long-running containers (restartPolicy Always) "
                "run-to-completion init containers, and the Pod would never start: use native-sidecars, "
                f"or annotate the workload with {c.STRATEGY}: init-containers if those containers exit",
                where,
                topic="strategy-mismatch",
            )
            return None
        report.warn(
            "init-containers on a long-running workload: every container but the last must exit 0 "
            "before the next starts, on every Pod start",
            where,
        )
    return chosen
