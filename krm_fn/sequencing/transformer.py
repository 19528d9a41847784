"""The processor: sequence every selected workload of a ResourceList, and say what was done.

Each workload is edited on a copy and swapped in only when it has no error, so a failed workload comes out
exactly as it went in; the SDK runner then returns the whole input unchanged if any result is an error.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from krm_fn.sdk import objects
from krm_fn.sdk.errors import ConfigError
from krm_fn.sdk.resourcelist import ResourceList
from krm_fn.sdk.results import Result, Results
from krm_fn.sequencing import constants as c
from krm_fn.sequencing import lifecycle, planning, podspec, selection, sidecars, strategies, waits, workloads
from krm_fn.sequencing.config import SequenceConfig, load_config
from krm_fn.sequencing.report import Finding, Report


@dataclass
class ObjectOutcome:
    """What happened to one object: the new object (None when unchanged), findings, and the summary line.

    ``decision`` says why a pod-bearing workload was or was not sequenced (None for other objects); ``inner``
    holds the outcomes of the objects inside a ``kind: List``.
    """

    changed: Any = None
    findings: list[Finding] = field(default_factory=list)
    summary: str | None = None
    plans: list[tuple[str, planning.Plan]] = field(default_factory=list)
    decision: selection.Decision | None = None
    inner: list[tuple[Mapping[str, Any], ObjectOutcome]] = field(default_factory=list)


def process(rl: ResourceList) -> None:
    """The KRM processor: load the functionConfig, then sequence the items."""
    try:
        config = load_config(rl.function_config)
    except ConfigError as err:
        rl.results.append(_config_result(err, rl.function_config))
        return
    items, results = sequence_items(rl.items, config)
    rl.items[:] = items  # in place: a CommentedSeq keeps the comments it holds for each index
    rl.results.extend(results)


def sequence_items(items: Sequence[Any], config: SequenceConfig) -> tuple[list[Any], Results]:
    """Every item, in order, sequenced where selected; with an info result per changed workload."""
    out: list[Any] = []
    results = Results()
    hints = OptInHints()
    for item in items:
        outcome = sequence_object(item, config)
        results.extend(results_of(item, outcome))
        hints.add(item, outcome)
        out.append(item if outcome.changed is None else outcome.changed)
    results.extend(hints.results())
    return out, results


def sequence_object(obj: Mapping[str, Any], config: SequenceConfig) -> ObjectOutcome:
    """Sequence one object on a copy; ``obj`` itself is never modified."""
    info = workloads.kind_info(obj, config)
    if objects.is_local_config(obj):
        return ObjectOutcome()
    if info is None:
        return _sequence_list(obj, config) if objects.is_list(obj) else ObjectOutcome()
    report = Report()
    decision = selection.decide(obj, workloads.pod_templates(obj, info), config=config, report=report)
    if not decision.selected or report.has_errors:
        return ObjectOutcome(findings=report.findings, decision=decision)
    work = cast(MutableMapping[str, Any], copy.deepcopy(obj))
    templates = workloads.pod_templates(work, info)
    if not templates:
        where = " or ".join(".".join(p) for p in info.paths)
        report.error(f"{obj.get('kind')} has no pod spec at {where}", topic="containers")
    done: list[tuple[str, planning.Plan]] = []
    for template in templates:
        intent = workloads.intent(info, template)
        plan = planning.plan(work, template, intent=intent, config=config, report=report)
        if plan is None:
            continue
        init_before = len(template.spec.get("initContainers") or ())
        sidecars.apply(template, plan, config=config, report=report)
        strategies.module(plan.strategy).apply(template, plan, config=config, report=report)
        lifecycle.apply(work, template, plan, config=config, report=report)
        waits.apply(
            template,
            plan.waits.dependencies,
            timeout=plan.waits.timeout,
            seconds=plan.waits.timeout_seconds,
            config=config,
            report=report,
        )
        workloads.warn_new_init_containers(info, template, init_before, report=report)
        podspec.set_default_container(template, plan.main, report=report)
        done.append((template.path, plan))
    if report.has_errors or not done:
        return ObjectOutcome(findings=report.findings, decision=decision)
    marker = ",".join(dict.fromkeys(plan.strategy.value for _, plan in done))
    objects.ensure_mapping(objects.ensure_mapping(work, "metadata"), "annotations")[c.SEQUENCED] = marker
    objects.drop_comment_copy_ids(work)
    return ObjectOutcome(changed=work, findings=report.findings, summary=_summary(done), plans=done, decision=decision)


def _sequence_list(obj: Mapping[str, Any], config: SequenceConfig) -> ObjectOutcome:
    """A ``kind: List`` (what ``kubectl get -o yaml`` writes): each object inside it is sequenced on its own."""
    inner = [(item, sequence_object(item, config)) for item in obj["items"] if isinstance(item, Mapping)]
    if not any(outcome.changed is not None for _, outcome in inner):
        return ObjectOutcome(inner=inner)
    work = cast(MutableMapping[str, Any], copy.deepcopy(obj))
    replaced = iter(inner)
    for index, item in enumerate(work["items"]):
        if isinstance(item, Mapping):
            changed = next(replaced)[1].changed
            if changed is not None:
                work["items"][index] = changed
    objects.drop_comment_copy_ids(work)
    return ObjectOutcome(changed=work, inner=inner)


class OptInHints:
    """Hints for a first run, which must never be a silent no-op.

    When no workload is selected, say which were left alone and how to opt in, for every workload with more than
    one container (one container has nothing to order).
    """

    def __init__(self) -> None:
        self.any_selected = False
        self.left: list[Result] = []

    def add(self, obj: Mapping[str, Any], outcome: ObjectOutcome) -> None:
        """Take note of one object (a ``List``'s objects one by one)."""
        for inner, inner_outcome in outcome.inner:
            self.add(inner, inner_outcome)
        decision = outcome.decision
        if decision is None:
            return
        if decision.selected or decision.reason is selection.Reason.ALREADY_SEQUENCED:
            self.any_selected = True
            return
        names = _container_names(obj)
        if decision.reason in (selection.Reason.NO_INTENT, selection.Reason.NOT_SELECTED) and len(names) > 1:
            message = (
                f"{objects.describe(obj)} ({', '.join(names)}) is {decision.describe()}; to sequence it, annotate "
                f'it with {c.ENABLED}: "true" or another seq-fn.dev annotation, or select it in the '
                "functionConfig (selectors, or selectAll: true; seq-fn --all)"
            )
            self.left.append(Result(message, "info", objects.resource_ref(obj), None, objects.file_ref(obj)))

    def results(self) -> list[Result]:
        """One info result per multi-container workload left alone, when none was selected."""
        return [] if self.any_selected else self.left


def _container_names(obj: Mapping[str, Any]) -> list[str]:
    info = workloads.kind_info(obj, SequenceConfig())
    names = []
    for template in workloads.pod_templates(obj, info) if info else []:
        containers = template.spec.get("containers")
        if isinstance(containers, list):
            names += [str(i.get("name")) for i in containers if isinstance(i, Mapping)]
    return names


def _summary(done: list[tuple[str, planning.Plan]]) -> str:
    parts = []
    for path, plan in done:
        sidecar_text = f"sidecars {', '.join(plan.sidecars)} as native sidecars"
        if len(plan.steps) == 1:
            text = f"{sidecar_text} around {plan.main}" if plan.sidecars else ""
        else:
            text = strategies.module(plan.strategy).describe(plan)
            text += f"; {sidecar_text}" if plan.sidecars else ""
        text = "; ".join(
            filter(None, [text, waits.describe(plan.waits.dependencies, plan.waits.timeout), *lifecycle.describe(plan)])
        )
        parts.append(f"{path}: {text}" if len(done) > 1 else text)
    return "; ".join(parts)


def results_of(obj: Mapping[str, Any], outcome: ObjectOutcome) -> list[Result]:
    """The results about one object: its findings, then the info summary when it changed.

    The objects inside a ``List`` are named in their own results, and share the file of the ``List``.
    """
    ref, where = objects.resource_ref(obj), objects.file_ref(obj)
    out = [r for inner, done in outcome.inner for r in _in_file(results_of(inner, done), where)]
    out += [Result(_pointing(f.message, f.topic), f.severity, ref, f.path, where) for f in outcome.findings]
    if outcome.summary:
        out.append(Result(f"{objects.describe(obj)}: {outcome.summary}", "info", ref, None, where))
    return out


def _in_file(results: list[Result], where: Mapping[str, Any] | None) -> list[Result]:
    return [r if r.file or not where else dataclasses.replace(r, file=where) for r in results]


def _config_result(err: ConfigError, fn_config: Mapping[str, Any] | None) -> Result:
    ref = objects.resource_ref(fn_config) if fn_config else None
    where = objects.file_ref(fn_config) if fn_config else None
    return Result(_pointing(f"functionConfig: {err.message}", "functionconfig"), "error", ref, err.field, where)


def _pointing(message: str, topic: str | None) -> str:
    """Append where the docs explain this error: ``... (see docs/troubleshooting.md#cycle)``."""
    return f"{message} (see {c.TROUBLESHOOTING}#{topic})" if topic else message
