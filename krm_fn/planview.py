"""``seq-fn plan``: what would happen to each workload, and why, without changing anything.

For every pod-bearing workload: its intent, the strategy, the order or DAG, sidecars, the main container, the
warnings and errors, and the Pod's effective requests and limits before and after (see
:mod:`krm_fn.sequencing.resources`). Rendered as text for people, JSON for machines, or mermaid for PRs and docs.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from krm_fn.sdk import objects
from krm_fn.sdk.results import Result
from krm_fn.sequencing import constants as c
from krm_fn.sequencing import (
    lifecycle,
    meshes,
    planning,
    preflight,
    resources,
    strategies,
    transformer,
    undo,
    waits_rbac,
    workloads,
)
from krm_fn.sequencing import waits as wait_for
from krm_fn.sequencing.config import SequenceConfig
from krm_fn.sequencing.features import Patch, Version
from krm_fn.sequencing.resources import PodResources


@dataclass
class WorkloadView:
    """One workload's plan, findings and resources, ready to render."""

    ref: Mapping[str, str]
    file: Mapping[str, Any] | None
    plans: list[tuple[str, planning.Plan]]
    findings: list[Mapping[str, Any]]
    before: dict[str, PodResources] = field(default_factory=dict)
    after: dict[str, PodResources] = field(default_factory=dict)
    skipped: str | None = None
    #: The Role and RoleBinding objects the workload's API waits need (written after it), and what they grant.
    rbac: list[Mapping[str, Any]] = field(default_factory=list)
    rbac_lines: list[str] = field(default_factory=list)
    rbac_grants: list[waits_rbac.Grant] = field(default_factory=list)
    rbac_there: bool = False  # the input has that Role and RoleBinding already, as seq-fn would write them
    #: The startup gate each sidecar or start-order container got.
    gates: list[str] = field(default_factory=list)
    #: What each pod template can expect of a mesh that injects its proxy (see :mod:`krm_fn.sequencing.meshes`).
    meshes: list[tuple[str, str]] = field(default_factory=list)
    #: What each written pod spec needs from the cluster (see :mod:`krm_fn.sequencing.preflight`).
    needs: dict[str, preflight.Preflight] = field(default_factory=dict)
    #: The version ``plan --kubernetes-version`` asks about, with its patch release when given.
    asked: Version | Patch | None = None
    #: What ``seq-fn undo`` would do to a sequenced workload, a line per change (or why it cannot).
    undo: list[str] = field(default_factory=list)

    @property
    def title(self) -> str:
        """``Job data/etl``."""
        name = "/".join(p for p in (self.ref.get("namespace"), self.ref.get("name")) if p)
        return f"{self.ref.get('kind')} {name}"


def build(
    items: Sequence[Any],
    config: SequenceConfig,
    files: Sequence[Mapping[str, Any] | None] | None = None,
    asked: Version | Patch | None = None,
) -> list[WorkloadView]:
    """A view of every pod-bearing workload in ``items``, those inside a ``List`` too (others are not shown).

    ``files`` gives, per item, the file it was read from (``{"path", "index"}``, and ``line``: the lines before its
    document), for objects that carry no path annotation (plain YAML read from files, rather than a ResourceList
    from kpt or kustomize).
    """
    views: list[WorkloadView] = []
    across = transformer.Across(config)
    first_lines: dict[int, int] = {}  # the lines before each view's document, by id of the view
    namespaces = meshes.Namespaces.of(items)
    for position, obj in enumerate(items):
        if isinstance(obj, Mapping):
            outcome = transformer.sequence_object(obj, config, namespaces)
            across.add(obj, outcome)
            new = _views(obj, outcome, config, files[position] if files else None)
            first_lines.update((id(v), int((files[position] or {}).get("line", 0)) if files else 0) for v in new)
            views += new
    for result in across.results():
        for view in views:
            if result.severity != "info" and result.resource_ref == view.ref:
                view.findings.append(_finding(result, first_lines.get(id(view), 0)))
    present = across.rbac.present()
    for view in views:
        view.asked = asked
        clash = any(f["severity"] == "error" for f in view.findings)
        view.rbac_there = bool(view.rbac) and not clash and all(id(obj) in present for obj in view.rbac)
    return views


def _finding(result: Result, first_line: int = 0) -> dict[str, Any]:
    """A result as the plan shows it; ``line`` counts in the file (``first_line``: lines before the document)."""
    found = {k: v for k, v in result.to_dict().items() if k in ("severity", "message", "field")}
    if result.line:
        found["line"] = result.line + first_line
    return found


def _views(
    obj: Mapping[str, Any], outcome: transformer.ObjectOutcome, config: SequenceConfig, file: Mapping[str, Any] | None
) -> list[WorkloadView]:
    views = [view for inner, done in outcome.inner for view in _views(inner, done, config, file)]
    info = workloads.kind_info(obj, config)
    if info is not None:
        results = transformer.results_of(obj, outcome)
        first_line = int((file or {}).get("line", 0))
        view = WorkloadView(
            ref=objects.resource_ref(obj),
            file=objects.file_ref(obj) or ({k: v for k, v in file.items() if k != "line"} if file else None),
            plans=list(outcome.plans),
            findings=[_finding(r, first_line) for r in results if r.severity != "info"],
        )
        view.before = {t.path: resources.effective(t.spec) for t in workloads.pod_templates(obj, info)}
        view.rbac = list(outcome.added)
        view.rbac_lines = waits_rbac.describe(outcome.grants, obj)
        view.rbac_grants = list(outcome.grants)
        view.gates = list(outcome.gates)
        view.meshes = list(outcome.meshes)
        if c.SEQUENCED in objects.annotations_of(obj):
            view.undo = undo.describe(obj)
        if outcome.changed is not None:
            view.after = {t.path: resources.effective(t.spec) for t in workloads.pod_templates(outcome.changed, info)}
            view.needs = {
                t.path: preflight.check(t.spec, t.path) for t in workloads.pod_templates(outcome.changed, info)
            }
        elif outcome.decision is not None and not outcome.decision.selected:
            view.skipped = outcome.decision.describe()
        elif not outcome.plans and not any(f["severity"] == "error" for f in view.findings):
            why = [r.message for r in results if r.severity == "info" and r.message.startswith("nothing to do")]
            view.skipped = why[0] if why else "nothing to do: a single container and no sidecars"
        views.append(view)
    return views


def as_json(views: Sequence[WorkloadView]) -> str:
    """Machine-readable: one object per workload."""
    out = []
    for view in views:
        out.append(
            {
                "resourceRef": dict(view.ref),
                "file": dict(view.file) if view.file else None,
                "skipped": view.skipped,
                "podTemplates": [
                    {
                        "path": path,
                        "intent": str(plan.intent),
                        "strategy": str(plan.strategy),
                        "steps": list(plan.steps),
                        "waitsFor": {k: list(v) for k, v in plan.waits_for.items()},
                        "dag": plan.is_dag,
                        "sidecars": list(plan.sidecars),
                        "main": plan.main,
                        "stopDelaySeconds": dict(plan.stopping.stop_delays),
                        "stopSignals": dict(plan.stopping.stop_signals),
                        "retryOnExitCodes": {k: list(v) for k, v in plan.stopping.retry_exit_codes.items()},
                        "restartAllOnExitCodes": {k: list(v) for k, v in plan.stopping.restart_all_exit_codes.items()},
                        "waitFor": [d.text for d in plan.waits.dependencies],
                        "waitTimeout": plan.waits.timeout if plan.waits else None,
                        "resources": {
                            "before": _resources_json(view.before.get(path)),
                            "after": _resources_json(view.after.get(path)),
                        },
                        "needs": preflight.as_json(view.needs[path], view.asked) if path in view.needs else None,
                    }
                    for path, plan in view.plans
                ],
                "startupGates": view.gates,
                "meshes": [{"podSpec": path, "expects": text} for path, text in view.meshes],
                "undo": view.undo,
                "rbac": [_rbac_json(obj) for obj in view.rbac],
                "rbacAlreadyThere": view.rbac_there,
                "findings": view.findings,
            }
        )
    return json.dumps(out, indent=2) + "\n"


def _rbac_json(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A Role (its rules) or RoleBinding (its role and subjects) that seq-fn would add."""
    metadata = obj.get("metadata") or {}
    out: dict[str, Any] = {"kind": obj.get("kind"), "name": metadata.get("name")}
    out["namespace"] = metadata.get("namespace")
    for key in ("rules", "roleRef", "subjects"):
        if key in obj:
            out[key] = obj[key]
    return out


def _resources_json(found: PodResources | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {
        "qosClass": found.qos,
        "requests": {k: resources.render(k, v) for k, v in found.requests.items()},
        "limits": {k: resources.render(k, v) if v is not None else None for k, v in found.limits.items()},
        "podLevel": sorted(found.pod_level),
        "overhead": sorted(found.overhead),
    }


def as_text(views: Sequence[WorkloadView]) -> str:
    """For people: a block per workload."""
    blocks = []
    for view in views:
        lines = [view.title + (f"  ({view.file['path']})" if view.file else "")]
        if view.skipped:
            lines.append(f"  {view.skipped}")
        for path, plan in view.plans:
            prefix = f"  {path}: " if len(view.plans) > 1 else "  "
            lines.append(f"{prefix}{plan.intent}, strategy {plan.strategy}: "
                         f"{strategies.describe(plan) or 'nothing to order'}")  # fmt: skip
            edges = [f"{s} after {', '.join(w)}" for s, w in plan.waits_for.items() if w]
            if plan.is_dag:
                lines.append(f"    DAG: {'; '.join(edges)}")
            elif any(len(w) > 1 for w in plan.waits_for.values()):  # order and after together: order is the order
                lines.append(f"    waits: {'; '.join(edges)}")
            if plan.sidecars:
                lines.append(f"    sidecars: {', '.join(plan.sidecars)}")
            lines.append(f"    main container: {plan.main}")
            if plan.waits:
                lines.append(f"    {wait_for.describe(plan.waits.dependencies, plan.waits.timeout)}")
            lines.extend(f"    {line}" for line in lifecycle.describe(plan))
            lines.extend(f"    {line}" for line in preflight.describe(view.needs.get(path, preflight.NOTHING)))
            lines.extend(_resource_lines(view.before.get(path), view.after.get(path)))
            lines.extend(f"    mesh: {text}" for where, text in view.meshes if where == path)
        if view.gates:
            lines.append(f"  startup gates: {'; '.join(view.gates)}")
        lines.extend(["  seq-fn undo would:", *(f"    {line}" for line in view.undo)] if view.undo else [])
        if view.rbac_lines:
            there = "already in the input, as seq-fn would write it" if view.rbac_there else "next to it, in its file"
            lines.append(f"  adds RBAC ({there}):" if not view.rbac_there else f"  needs RBAC ({there}):")
            lines.extend(f"    {line}" for line in view.rbac_lines)
            bound = [f"{s['namespace']}/{s['name']}" for s in view.rbac[1].get("subjects") or ()]
            lines.append(f"    bound to ServiceAccount {', '.join(bound)}")
            if note := waits_rbac.list_note(view.rbac_grants):
                lines.append(f"    {note}")
        lines.extend(
            f"  {f['severity']}: {f.get('field', {}).get('path', '') + ': ' if f.get('field') else ''}{f['message']}"
            + (f" (line {f['line']})" if f.get("line") else "")
            for f in view.findings
        )
        blocks.append("\n".join(lines))
    asked = views[0].asked if views else None
    needed, _ = preflight.summary(_needs(views), asked)
    if asked is not None and any(f["severity"] == "error" for view in views for f in view.findings):
        needed.append(
            f"on Kubernetes {'.'.join(map(str, asked))}: no: seq-fn cannot write every workload for it (errors above)"
        )
    if needed:
        blocks.append("\n".join(needed))
    return "\n\n".join(blocks) + "\n" if blocks else "no pod-bearing workloads\n"


def _needs(views: Sequence[WorkloadView]) -> list[tuple[str, preflight.Preflight]]:
    return [(view.title, found) for view in views for found in view.needs.values()]


def runs_on_asked(views: Sequence[WorkloadView]) -> bool:
    """Whether the output runs on the version ``plan --kubernetes-version`` asks about (True when none is asked)."""
    return preflight.summary(_needs(views), views[0].asked if views else None)[1]


def _resource_lines(before: PodResources | None, after: PodResources | None) -> list[str]:
    if before is None or after is None:
        return []
    rows: list[str] = []
    for kind in ("requests", "limits"):
        old, new = getattr(before, kind), getattr(after, kind)
        for name in sorted(set(old) | set(new)):
            a = resources.render(name, old.get(name)) if old.get(name) is not None else "none"
            b = resources.render(name, new.get(name)) if new.get(name) is not None else "none"
            rows.append(f"      {kind}.{name}: {a} -> {b}")
    qos = f"qos class: {before.qos} -> {after.qos}"
    notes = ""
    if after.pod_level:
        notes += f"; pod-level spec.resources sets {', '.join(sorted(after.pod_level))} whatever the order"
    if after.overhead:
        notes += f"; spec.overhead adds {', '.join(sorted(after.overhead))}"
    if not rows:  # no container asks for anything (BestEffort): one line, not a heading over nothing
        return [f"    pod resources (effective{notes}): none; {qos}"]
    return [f"    pod resources (effective{notes}):", *rows, f"      {qos}"]


def as_mermaid(views: Sequence[WorkloadView]) -> str:
    """A ``flowchart`` per workload: sidecars, then the steps with an edge per wait."""
    lines = ["flowchart LR"]
    for view in views:
        for path, plan in view.plans:
            group = _node_id(f"{view.title} {path}")
            label = f"{view.title} ({plan.strategy})" if len(view.plans) == 1 else f"{view.title} {path}"
            lines.append(f'  subgraph {group}["{label}"]')
            for sidecar in plan.sidecars:
                lines.append(f'    {group}_{_node_id(sidecar)}(["{sidecar} (sidecar)"])')
            for step in plan.steps:
                shape = f'[["{step}"]]' if step == plan.main else f'["{step}"]'
                lines.append(f"    {group}_{_node_id(step)}{shape}")
            for step, waits in plan.waits_for.items():
                for wait in waits:
                    lines.append(f"    {group}_{_node_id(wait)} --> {group}_{_node_id(step)}")
            first = [s for s in plan.steps if not plan.waits_for.get(s)]
            for sidecar in plan.sidecars:
                for step in first:
                    lines.append(f"    {group}_{_node_id(sidecar)} -.-> {group}_{_node_id(step)}")
            lines.append("  end")
    return "\n".join(lines) + "\n"


def _node_id(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)
