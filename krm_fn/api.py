"""The library API: sequence parsed objects from Python, as kueueleuleu's ``ConvertPod`` does from Go.

The functions take plain mappings (``dict``, or ruamel's ``CommentedMap`` to keep comments), never modify
them, and return new objects where something changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from krm_fn.sdk import objects
from krm_fn.sdk.results import Result, Results
from krm_fn.sequencing import transformer
from krm_fn.sequencing.config import SequenceConfig, config_from_mapping

ConfigLike = SequenceConfig | Mapping[str, Any] | None


class SequencingError(ValueError):
    """A workload cannot be sequenced as asked; ``results`` holds every error (and warning) about it."""

    def __init__(self, results: list[Result]) -> None:
        super().__init__("; ".join(r.one_line() for r in results if r.severity == "error"))
        self.results = results


def sequence(workload: Mapping[str, Any], config: ConfigLike = None) -> Any:
    """Return ``workload`` with its containers sequenced (or ``workload`` itself when there is nothing to do).

    Passing the workload is asking for it: it is sequenced whether it declares intent or not, unless the config
    has ``selectors`` it does not match, an ``exclude`` it matches, or it opts out (``seq-fn.dev/enabled:
    "false"``). :func:`sequence_resources` selects as the KRM function does.

    ``config`` is a :class:`SequenceConfig`, a functionConfig object (``SequenceContainers`` or ``ConfigMap``),
    or just the fields (``{"strategy": "entrypoint"}``). Raises :class:`SequencingError` when the workload
    cannot be sequenced, and :class:`~krm_fn.sdk.errors.ConfigError` for a bad config.

    >>> job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "etl"},
    ...        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [
    ...            {"name": "extract", "image": "busybox"}, {"name": "load", "image": "busybox"}]}}}}
    >>> [c["name"] for c in sequence(job)["spec"]["template"]["spec"]["initContainers"]]
    ['extract']
    """
    return sequence_with_results(workload, config)[0]


def sequence_with_results(workload: Mapping[str, Any], config: ConfigLike = None) -> tuple[Any, Results]:
    """:func:`sequence`, and what it has to say: the workload and its warnings and info results.

    :func:`sequence` returns only the workload, for backward compatibility; its warnings (a step without a
    readinessProbe gating nothing, dropped fields, moved named ports) are here. Errors still raise
    :class:`SequencingError`, whose ``results`` hold them.

    >>> deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
    ...               "spec": {"template": {"spec": {"containers": [
    ...                   {"name": "agent", "image": "agent"}, {"name": "app", "image": "app"}]}}}}
    >>> out, results = sequence_with_results(deployment)
    >>> [r.severity for r in results]
    ['warning', 'info']
    """
    chosen = config_from_mapping(config)
    if not chosen.selectors:
        chosen = chosen._replace(select_all=True)
    outcome = transformer.sequence_object(workload, chosen)
    results = Results(transformer.results_of(workload, outcome))
    if results.has_errors:
        raise SequencingError(results)
    if outcome.added:  # one object in, one out: the Role and RoleBinding would be lost without a word
        names = ", ".join(objects.describe(o) for o in outcome.added)
        message = (f"the API waits of this workload need {names}, which sequence() does not return: "
                   "use sequence_resources(), which returns them after the workload")  # fmt: skip
        results.append(Result(message, "warning", objects.resource_ref(workload), None, objects.file_ref(workload)))
    return (workload if outcome.changed is None else outcome.changed), results


def sequence_resources(resources: Iterable[Mapping[str, Any]], config: ConfigLike = None) -> tuple[list[Any], Results]:
    """Sequence every selected workload of ``resources``; returns all resources, in order, and the results.

    When any result is an error, the returned resources are the input ones, unchanged (as in KRM mode).
    """
    items = list(resources)
    out, results = transformer.sequence_items(items, config_from_mapping(config))
    return (items if results.has_errors else out), results


def undo(workload: Mapping[str, Any]) -> Any:
    """Return ``workload`` as it was before seq-fn sequenced it (``workload`` itself when it is not sequenced).

    It comes back exactly, from the ``seq-fn.dev/undo`` record seq-fn keeps on it; the annotations that asked for
    sequencing stay, so :func:`sequence` does the same again. Raises :class:`SequencingError` when it cannot be
    undone exactly: a field seq-fn wrote was edited since, or it was sequenced by a seq-fn older than undo. The
    Role and RoleBinding seq-fn added for its waits are separate objects: :func:`undo_resources` removes them.

    >>> job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "etl"},
    ...        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [
    ...            {"name": "extract", "image": "busybox"}, {"name": "load", "image": "busybox"}]}}}}
    >>> undo(sequence(job)) == job
    True
    """
    changed, results = transformer.undo_object(workload)
    if any(r.severity == "error" for r in results):
        raise SequencingError(results)
    return workload if changed is None else changed


def undo_resources(resources: Iterable[Mapping[str, Any]]) -> tuple[list[Any], Results]:
    """:func:`undo` over every resource, without the RBAC objects seq-fn added for the workloads it undid.

    When any result is an error, the returned resources are the input ones, unchanged.
    """
    items = list(resources)
    out, removed, results = transformer.undo_all(items)
    if results.has_errors:
        return items, results
    return [item for index, item in enumerate(out) if index not in removed], results
