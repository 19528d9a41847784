"""The processor: sequence every selected workload of a ResourceList, and say what was done.

Each workload is edited on a copy and swapped in only when it has no error, so a failed workload comes out
exactly as it went in; the SDK runner then returns the whole input unchanged if any result is an error.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from krm_fn.sdk import objects
from krm_fn.sdk.errors import ConfigError
from krm_fn.sdk.resourcelist import ResourceList
from krm_fn.sdk.results import Result, Results
from krm_fn.sdk.selector import is_selected
from krm_fn.sequencing import constants as c
from krm_fn.sequencing import directives, planning, podspec, sidecars, strategies, workloads
from krm_fn.sequencing.config import SequenceConfig, load_config
from krm_fn.sequencing.report import Finding, Report


@dataclass
class ObjectOutcome:
    """What happened to one object: the new object (None when unchanged), findings, and the summary line."""

    changed: Any = None
    findings: list[Finding] = field(default_factory=list)
    summary: str | None = None
    plans: list[tuple[str, planning.Plan]] = field(default_factory=list)


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
    for item in items:
        outcome = sequence_object(item, config)
        results.extend(results_of(item, outcome))
        out.append(item if outcome.changed is None else outcome.changed)
    return out, results


def sequence_object(obj: Mapping[str, Any], config: SequenceConfig) -> ObjectOutcome:
    """Sequence one object on a copy; ``obj`` itself is never modified."""
    info = workloads.kind_info(obj, config)
    if info is None or objects.is_local_config(obj):
        return ObjectOutcome()
    if not is_selected(obj, selectors=config.selectors, exclude=config.exclude):
        return ObjectOutcome()
    report = Report()
    skip = directives.is_true(directives.workload_flag(obj, c.SKIP), key=c.SKIP, report=report)
    if skip or report.has_errors or directives.workload_flag(obj, c.SEQUENCED) is not None:
        return ObjectOutcome(findings=report.findings)
    work = cast(MutableMapping[str, Any], copy.deepcopy(obj))
    templates = workloads.pod_templates(work, info)
    if not templates:
        report.error(f"{obj.get('kind')} has no pod spec at {'.'.join(info.pod_spec_path)}", topic="containers")
    done: list[tuple[str, planning.Plan]] = []
    for template in templates:
        intent = workloads.intent(info, template)
        plan = planning.plan(work, template, intent=intent, config=config, report=report)
        if plan is None:
            continue
        sidecars.apply(template, plan, config=config, report=report)
        strategies.module(plan.strategy).apply(template, plan, config=config, report=report)
        podspec.set_default_container(template, plan.main, report=report)
        done.append((template.path, plan))
    if report.has_errors or not done:
        return ObjectOutcome(findings=report.findings)
    marker = ",".join(dict.fromkeys(plan.strategy.value for _, plan in done))
    objects.ensure_mapping(objects.ensure_mapping(work, "metadata"), "annotations")[c.SEQUENCED] = marker
    objects.drop_comment_copy_ids(work)
    return ObjectOutcome(changed=work, findings=report.findings, summary=_summary(done), plans=done)


def _summary(done: list[tuple[str, planning.Plan]]) -> str:
    parts = []
    for path, plan in done:
        sidecar_text = f"sidecars {', '.join(plan.sidecars)} as native sidecars"
        if len(plan.steps) == 1:
            text = f"{sidecar_text} around {plan.main}"
        else:
            text = strategies.module(plan.strategy).describe(plan)
            text += f"; {sidecar_text}" if plan.sidecars else ""
        parts.append(f"{path}: {text}" if len(done) > 1 else text)
    return "; ".join(parts)


def results_of(obj: Mapping[str, Any], outcome: ObjectOutcome) -> list[Result]:
    """The results about one object: its findings, then the info summary when it changed."""
    ref, where = objects.resource_ref(obj), objects.file_ref(obj)
    out = [Result(_pointing(f.message, f.topic), f.severity, ref, f.path, where) for f in outcome.findings]
    if outcome.summary:
        out.append(Result(f"{objects.describe(obj)}: {outcome.summary}", "info", ref, None, where))
    return out


def _config_result(err: ConfigError, fn_config: Mapping[str, Any] | None) -> Result:
    ref = objects.resource_ref(fn_config) if fn_config else None
    where = objects.file_ref(fn_config) if fn_config else None
    return Result(_pointing(f"functionConfig: {err.message}", "functionconfig"), "error", ref, err.field, where)


def _pointing(message: str, topic: str | None) -> str:
    """Append where the docs explain this error: ``... (see docs/troubleshooting.md#cycle)``."""
    return f"{message} (see {c.TROUBLESHOOTING}#{topic})" if topic else message
