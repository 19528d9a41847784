"""The processor: sequence every selected workload of a ResourceList, and say what was done.

Each workload is edited on a copy and swapped in only when it has no error, so a failed workload comes out
exactly as it went in; the SDK runner then returns the whole input unchanged if any result is an error.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import Any, NamedTuple, cast

from krm_fn.sdk import lines, objects, yamlio
from krm_fn.sdk.errors import ConfigError
from krm_fn.sdk.resourcelist import ResourceList
from krm_fn.sdk.results import Result, Results
from krm_fn.sequencing import constants as c
from krm_fn.sequencing import (
    lifecycle,
    meshes,
    planning,
    podspec,
    selection,
    services,
    sidecars,
    strategies,
    undo,
    waits,
    waits_rbac,
    workloads,
)
from krm_fn.sequencing.config import SequenceConfig, load_config
from krm_fn.sequencing.report import Finding, Report


class ObjectOutcome(NamedTuple):
    """What happened to one object: the new object (None when unchanged), findings, and the summary line.

    ``decision`` says why a pod-bearing workload was or was not sequenced (None for other objects); ``inner``
    holds the outcomes of the objects inside a ``kind: List``. ``added`` holds new objects that go right after the
    changed one (the Role and RoleBinding that API waits need), ``grants`` what they grant.
    """

    changed: Any = None
    findings: Sequence[Finding] = ()
    summary: str | None = None
    plans: Sequence[tuple[str, planning.Plan]] = ()
    decision: selection.Decision | None = None
    inner: Sequence[tuple[Mapping[str, Any], ObjectOutcome]] = ()
    added: Sequence[dict[str, Any]] = ()
    grants: Sequence[waits_rbac.Grant] = ()
    #: The startup gate each sidecar or start-order container got (``redis: startupProbe from its readinessProbe``).
    gates: Sequence[str] = ()
    #: What each pod template can expect of a mesh that injects its proxy: (pod spec path, description).
    meshes: Sequence[tuple[str, str]] = ()


def process(rl: ResourceList) -> None:
    """The KRM processor: load the functionConfig, then sequence the items."""
    try:
        config = load_config(rl.function_config)
    except ConfigError as err:
        rl.results.extend(_config_result(each, rl.function_config) for each in err.every())
        return
    if config.undo:
        items, removed, results = undo_all(rl.items)
        rl.items[:] = items
        rl.removed = removed
        rl.results.extend(r._replace(line=None) if r.file and r.line else r for r in results)
        return
    items, added, results = _sequence_all(rl.items, config)
    rl.items[:] = items  # in place: a CommentedSeq keeps the comments it holds for each index
    rl.added = added
    # A line counts in the ResourceList: useful where the items name no file (kustomize, a ResourceList piped in),
    # wrong beside the file kpt names (kpt reformats each file into the list: its lines are not the file's).
    rl.results.extend(r._replace(line=None) if r.file and r.line else r for r in results)


def sequence_items(items: Sequence[Any], config: SequenceConfig) -> tuple[list[Any], Results]:
    """Every item, in order, sequenced where selected; with an info result per changed workload.

    Each item is followed by the objects it needs (the RBAC of its API waits).
    """
    out, added, results = _sequence_all(items, config)
    return [obj for index, item in enumerate(out) for obj in (item, *added.get(index, ()))], results


def _sequence_all(items: Sequence[Any], config: SequenceConfig) -> tuple[list[Any], dict[int, list[Any]], Results]:
    """Each item or its replacement, the new objects to write after item ``i``, and the results."""
    out: list[Any] = []
    added: dict[int, list[Any]] = {}
    results = Results()
    across = Across(config)
    namespaces = meshes.Namespaces.of(items)
    for index, item in enumerate(items):
        outcome = sequence_object(item, config, namespaces)
        results.extend(results_of(item, outcome))
        across.add(item, outcome)
        out.append(item if outcome.changed is None else outcome.changed)
        if outcome.added:
            added[index] = list(outcome.added)
    results.extend(across.results())
    present = across.rbac.present()
    for index, new in list(added.items()):
        added[index] = [obj for obj in new if id(obj) not in present]
    added = {i: new for i, new in added.items() if new}
    if added:
        objects.place_in_files(items, [obj for new in added.values() for obj in new])
    return out, added, results


def sequence_object(
    obj: Mapping[str, Any], config: SequenceConfig, namespaces: meshes.Namespaces | None = None
) -> ObjectOutcome:
    """Sequence one object on a copy; ``obj`` itself is never modified.

    ``namespaces``: the Namespaces of the input, whose labels may ask a mesh to inject its proxy.
    """
    namespaces = namespaces if namespaces is not None else meshes.Namespaces()
    info = workloads.kind_info(obj, config)
    if objects.is_local_config(obj):
        return ObjectOutcome()
    if info is None:
        return _sequence_list(obj, config, namespaces) if objects.is_list(obj) else ObjectOutcome()
    # The copy is made before anything is read: an object read lazily from its text (the SDK's LazyObject) is
    # then built once, not once for reading and again for the copy. It is dropped when nothing is selected.
    work = cast(MutableMapping[str, Any], copy.deepcopy(obj))
    report = Report(obj)  # the object as read: its nodes (or ruamel.yaml line records) give the lines
    templates = workloads.pod_templates(work, info)
    decision = selection.decide(work, templates, config=config, report=report)
    if decision.reason is selection.Reason.ALREADY_SEQUENCED and not report.has_errors:
        return _resequence(obj, config, decision, namespaces)
    if not decision.selected or report.has_errors:
        return ObjectOutcome(findings=report.findings, decision=decision)
    report.track(work)  # findings about moved containers name them where they are in the input
    if not templates:  # a scaffold that an overlay fills in: nothing to do yet, and no reason to fail a whole run
        where = " or ".join(".".join(p) for p in info.paths)
        report.info(f"nothing to do: no pod spec at {where} yet")
    done: list[tuple[str, planning.Plan]] = []
    meshed: list[tuple[str, str]] = []
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
            namespace=objects.get(work, "metadata", "namespace"),
            config=config,
            report=report,
        )
        workloads.warn_new_init_containers(info, template, init_before, report=report)
        podspec.set_default_container(template, plan.main, report=report)
        expected = meshes.apply(work, template, plan, namespaces, config=config, report=report)
        meshed += [(template.path, e.describe()) for e in expected]
        done.append((template.path, plan))
    if done:  # "nothing to do" about one pod template of a workload that was sequenced says nothing of use
        report.findings[:] = [f for f in report.findings if f.severity != "info"]
    grants, added = _rbac(obj, templates, done, report)
    if report.has_errors or not done:
        return ObjectOutcome(findings=report.findings, decision=decision)
    marker = ",".join(dict.fromkeys(plan.strategy.value for _, plan in done))
    notes = objects.ensure_mapping(objects.ensure_mapping(work, "metadata"), "annotations")
    notes[c.SEQUENCED] = marker
    notes[c.UNDO] = undo.record(obj, work)  # computed with the marker in: undo takes it off too
    objects.drop_comment_copy_ids(work)
    summary = _summary(done, report.notes)
    if meshed:
        summary += "; " + "; ".join(f"{path}: {text}" if len(done) > 1 else text for path, text in meshed)
    if grants:
        summary += "; reads the API with " + "; ".join(waits_rbac.describe(grants, obj))
    return ObjectOutcome(
        changed=work,
        findings=report.findings,
        summary=summary,
        plans=done,
        decision=decision,
        added=added,
        grants=grants,
        gates=tuple(report.notes),
        meshes=meshed,
    )


def _rbac(
    obj: Mapping[str, Any],
    templates: Sequence[workloads.PodTemplate],
    done: Sequence[tuple[str, planning.Plan]],
    report: Report,
) -> tuple[list[waits_rbac.Grant], list[dict[str, Any]]]:
    """What the API waits of the workload need (:mod:`~krm_fn.sequencing.waits_rbac`), and the objects that grant it."""
    namespace = objects.get(obj, "metadata", "namespace")
    dependencies = [d for _, plan in done for d in plan.waits.dependencies if d.reads_api]
    if not dependencies or not namespace or report.has_errors:
        return [], []
    long = waits_rbac.too_long(obj)
    if long:
        report.error(f"the Role {long!r} that {waits.CONTAINER} needs is longer than 253 characters: shorten "
                     "metadata.name", "metadata.name", topic="waits")  # fmt: skip
        return [], []
    with_api = {path for path, plan in done if waits.reads_api(plan.waits.dependencies)}
    accounts = waits_rbac.service_accounts([t.spec for t in templates if t.path in with_api])
    grants = waits_rbac.grants(dependencies, str(namespace))
    return grants, waits_rbac.objects_for(obj, grants, accounts)


def _sequence_list(obj: Mapping[str, Any], config: SequenceConfig, namespaces: meshes.Namespaces) -> ObjectOutcome:
    """A ``kind: List`` (what ``kubectl get -o yaml`` writes): each object inside it is sequenced on its own."""
    inner = [(i, _in_list(sequence_object(i, config, namespaces))) for i in obj["items"] if isinstance(i, Mapping)]
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


def _in_list(outcome: ObjectOutcome) -> ObjectOutcome:
    """Inside a ``List``, a workload whose waits read the API is refused: its RBAC would need a place of its own."""
    if not outcome.added:
        return outcome
    finding = Finding(
        "error",
        f"{waits.CONTAINER} would read the Kubernetes API, whose Role and RoleBinding seq-fn does not add inside a "
        "kind: List: take the workload out of the List (plain multi-document YAML), or wait with tcp:// instead",
        "metadata.annotations",
        "waits",
    )
    return ObjectOutcome(findings=[*outcome.findings, finding], decision=outcome.decision)


class Across:
    """What only the whole input can tell, judged after every object has been sequenced on its own.

    Added at the end, an error still fails the whole run: KRM mode then returns the input items, standalone mode
    prints nothing.
    """

    def __init__(self, config: SequenceConfig, *, streaming: bool = False) -> None:
        """``streaming``: the objects come one at a time and are let go (standalone mode): keep little of them."""
        self.hints = OptInHints()
        self.ports = services.NamedPortCheck(config, streaming=streaming)
        self.rbac = waits_rbac.RbacCheck()

    def add(self, obj: Mapping[str, Any], outcome: ObjectOutcome) -> None:
        """Take note of one object and its outcome (a ``List``'s objects one by one)."""
        for inner, inner_outcome in outcome.inner:
            self.add(inner, inner_outcome)
        self.hints.add(obj, outcome)
        self.ports.add(obj, outcome.changed)
        self.rbac.add(obj, outcome.added)

    def results(self, located: Located | None = None) -> list[Result]:
        """Named ports that moved onto native sidecars, RBAC that clashes with the input's, then the opt-in hints.

        ``located`` gives the results about an object the file and line it was read from (standalone mode).
        """
        place = located or (lambda obj, results: results)
        found = [r for obj, f in [*self.ports.findings(), *self.rbac.findings()] for r in place(obj, [_result(obj, f)])]
        return [*found, *(r for obj, hint in self.hints.results() for r in place(obj, [hint]))]


#: Results about an object, given the file and line it was read from (see :meth:`Across.results`).
Located = Callable[[Mapping[str, Any], list[Result]], list[Result]]


class OptInHints:
    """Hints for a first run, which must never be a silent no-op.

    When no workload is selected, say which were left alone and how to opt in, for every workload with more than
    one container (one container has nothing to order).
    """

    def __init__(self) -> None:
        self.any_selected = False
        self.left: list[tuple[Mapping[str, Any], Result]] = []

    def add(self, obj: Mapping[str, Any], outcome: ObjectOutcome) -> None:
        """Take note of one object."""
        decision = outcome.decision
        if decision is None:
            return
        if decision.selected or decision.reason is selection.Reason.ALREADY_SEQUENCED:
            self.any_selected = True
            return
        ways = {
            selection.Reason.NO_INTENT: f'annotate it with {c.ENABLED}: "true" or another seq-fn.dev annotation, '
            "or select it in the functionConfig (selectors, or selectAll: true; seq-fn --all)",
            selection.Reason.NOT_SELECTED: "make the functionConfig's selectors match it (annotations do not "
            "count while selectors are given), or set selectAll: true",
        }
        names = _container_names(obj) if decision.reason in ways else []
        if len(names) > 1:
            message = f"{objects.describe(obj)} ({', '.join(names)}) is {decision.describe()}; to sequence it, "
            message += ways[decision.reason]
            self.left.append((obj, Result(message, "info", objects.resource_ref(obj), None, objects.file_ref(obj))))

    def results(self) -> list[tuple[Mapping[str, Any], Result]]:
        """One info result per multi-container workload left alone (with the workload), when none was selected."""
        return [] if self.any_selected else self.left


def _container_names(obj: Mapping[str, Any]) -> list[str]:
    info = workloads.kind_info(obj, SequenceConfig())
    names = []
    for template in workloads.pod_templates(obj, info) if info else []:
        containers = template.spec.get("containers")
        if isinstance(containers, list):
            names += [str(i.get("name")) for i in containers if isinstance(i, Mapping)]
    return names


def _resequence(
    obj: Mapping[str, Any], config: SequenceConfig, decision: selection.Decision, namespaces: meshes.Namespaces
) -> ObjectOutcome:
    """An already sequenced workload: undone and sequenced again when what it asks for now differs (issue 25).

    The same ask gives the same output, so nothing changes. A workload undo cannot bring back (no record, or a
    later edit of what seq-fn wrote) is left alone, and is an error only when another strategy is asked of it.
    """
    try:
        original = undo.reverse(obj)
    except undo.Irreversible as err:
        asked = _asked_strategy(obj, config)
        if asked is None:
            return ObjectOutcome(decision=decision)
        marker = objects.annotations_of(obj).get(c.SEQUENCED)
        message = f"already sequenced ({c.SEQUENCED}: {marker}) and strategy {asked} is asked, but {err.message}"
        return ObjectOutcome(findings=[Finding("error", message, err.path, "undo")], decision=decision)
    again = sequence_object(original, config, namespaces)
    if again.changed is None or _has_errors(again):
        return again._replace(decision=decision) if _has_errors(again) else ObjectOutcome(decision=decision)
    if yamlio.to_plain(again.changed) == yamlio.to_plain(obj):
        return ObjectOutcome(decision=decision)
    before = objects.annotations_of(obj).get(c.SEQUENCED)
    now = objects.annotations_of(again.changed).get(c.SEQUENCED)
    why = f"strategy {before} -> {now}" if before != now else "what it asks for changed (order, steps or settings)"
    return again._replace(summary=f"re-sequenced in place ({why}): {again.summary}", decision=decision)


def _has_errors(outcome: ObjectOutcome) -> bool:
    return any(f.severity == "error" for f in outcome.findings)


def _asked_strategy(obj: Mapping[str, Any], config: SequenceConfig) -> str | None:
    """The strategy asked of a sequenced workload when it is not the one its marker names; else None."""
    marker = str(objects.annotations_of(obj).get(c.SEQUENCED))
    asked = str(objects.annotations_of(obj).get(c.STRATEGY) or config.strategy)
    return None if asked == c.Strategy.AUTO or asked in marker.split(",") else asked


def _summary(done: list[tuple[str, planning.Plan]], gates: list[str]) -> str:
    parts = []
    for path, plan in done:
        text = "; ".join(
            filter(
                None,
                [
                    strategies.describe(plan),
                    waits.describe(plan.waits.dependencies, plan.waits.timeout),
                    *lifecycle.describe(plan),
                ],
            )
        )
        if plan.recognised:
            text += f" ({', '.join(plan.recognised)}: well-known long-running, so started first)"
        parts.append(f"{path}: {text}" if len(done) > 1 else text)
    gate_text = f"; startup gates: {'; '.join(gates)}" if gates else ""
    return "; ".join(parts) + gate_text


def results_of(obj: Mapping[str, Any], outcome: ObjectOutcome) -> list[Result]:
    """The results about one object: its findings, then the info summary when it changed.

    The objects inside a ``List`` are named in their own results, and share the file of the ``List``.
    """
    ref, where = objects.resource_ref(obj), objects.file_ref(obj)
    out = [r for inner, done in outcome.inner for r in _in_file(results_of(inner, done), where)]
    out += [_result(obj, f) for f in outcome.findings]
    if outcome.summary:
        out.append(Result(f"{objects.describe(obj)}: {outcome.summary}", "info", ref, None, where))
    return out


def _result(obj: Mapping[str, Any], finding: Finding) -> Result:
    """A finding about ``obj`` as an SDK result, an error pointing to its section of the docs."""
    message = _pointing(finding.message, finding.topic)
    ref, where = objects.resource_ref(obj), objects.file_ref(obj)
    line = finding.line if finding.line or not finding.path else lines.line_of(obj, finding.path)
    return Result(message, finding.severity, ref, finding.path, where, line=line)


def _in_file(results: list[Result], where: Mapping[str, Any] | None) -> list[Result]:
    return [r if r.file or not where else r._replace(file=where) for r in results]


def _config_result(err: ConfigError, fn_config: Mapping[str, Any] | None) -> Result:
    ref = objects.resource_ref(fn_config) if fn_config else None
    where = objects.file_ref(fn_config) if fn_config else None
    return Result(_pointing(f"functionConfig: {err.message}", "functionconfig"), "error", ref, err.field, where)


def _pointing(message: str, topic: str | None) -> str:
    """Append how to read what the error means and its ways out: ``... (see: seq-fn explain order-and-dag)``."""
    return f"{message} (see: {c.EXPLAIN} {topic})" if topic else message


def undo_all(items: Sequence[Any]) -> tuple[list[Any], set[int], Results]:
    """``seq-fn undo``: every sequenced workload back as it was, and the RBAC seq-fn added for it removed.

    Returns the items (each or its replacement), the indexes of the items to remove, and the results.
    """
    out: list[Any] = []
    results = Results()
    undone: set[str] = set()
    for item in items:
        changed, found = undo_object(item)
        out.append(item if changed is None else changed)
        results.extend(found)
        if changed is not None:
            undone.update(_undone_names(item))
    removed = {i for i, item in enumerate(items) if waits_rbac.added_for(item) in undone}
    for index in sorted(removed):
        message = (
            f"{objects.describe(items[index])}: removed (seq-fn added it for {waits_rbac.added_for(items[index])})"
        )
        results.append(
            Result(message, "info", objects.resource_ref(items[index]), None, objects.file_ref(items[index]))
        )
    return out, removed, results


def undo_object(obj: Mapping[str, Any]) -> tuple[Any, list[Result]]:
    """One object undone (None: nothing to undo) and the results about it; a ``List``'s items one by one."""
    if isinstance(obj, Mapping) and objects.is_list(obj) and isinstance(obj.get("items"), list):
        inner = [undo_object(i) for i in obj["items"]]
        if all(changed is None for changed, _ in inner):
            return None, [r for _, found in inner for r in found]
        work = cast(MutableMapping[str, Any], copy.deepcopy(obj))
        work["items"] = [
            i if changed is None else changed for i, (changed, _) in zip(work["items"], inner, strict=True)
        ]
        return work, [r for _, found in inner for r in found]
    if not isinstance(obj, Mapping) or c.SEQUENCED not in objects.annotations_of(obj):
        return None, []
    marker = objects.annotations_of(obj)[c.SEQUENCED]
    try:
        back = undo.reverse(obj)
    except undo.Irreversible as err:
        return None, [_result(obj, Finding("error", f"cannot undo: {err.message}", err.path, "undo"))]
    summary = f"{objects.describe(obj)}: undone (was {c.SEQUENCED}: {marker})"
    return back, [Result(summary, "info", objects.resource_ref(obj), None, objects.file_ref(obj))]


def _undone_names(obj: Mapping[str, Any]) -> list[str]:
    """``Kind/name`` of each workload undone in ``obj``: what the RBAC seq-fn added for it names."""
    inner = obj.get("items") if objects.is_list(obj) else None
    if isinstance(inner, list):
        return [n for i in inner if isinstance(i, Mapping) for n in _undone_names(i)]
    return [f"{obj.get('kind')}/{objects.get(obj, 'metadata', 'name')}"]
