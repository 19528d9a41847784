"""Which workloads seq-fn touches, and why the others are left alone.

Selection is explicit: a transformer that reorders containers must never rewrite a workload that did not ask
(on real repositories "every workload" turned mesh proxies into main containers and triggered rollouts). A
workload is selected when the functionConfig's ``selectors`` match it, when ``selectAll`` is set, or, with no
selectors, when it declares intent through a ``seq-fn.dev`` annotation. An opt-out and ``exclude`` always win.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Any, NamedTuple

from krm_fn.sdk import objects
from krm_fn.sdk.selector import is_selected
from krm_fn.sequencing import constants as c
from krm_fn.sequencing import directives, keys
from krm_fn.sequencing.config import SequenceConfig
from krm_fn.sequencing.report import Report
from krm_fn.sequencing.workloads import PodTemplate

#: Annotations that say something about a workload without asking for it to be sequenced.
_NOT_INTENT = (c.ENABLED, c.SKIP, c.SEQUENCED, c.UNDO)


class Reason(StrEnum):
    """Why a workload is, or is not, sequenced (``seq-fn plan`` shows it)."""

    ANNOTATED = "declares intent with a seq-fn.dev annotation"
    SELECTED = "matches the functionConfig's selectors"
    SELECT_ALL = "selectAll is set"
    NO_INTENT = "declares no intent"
    NOT_SELECTED = "not selected by the functionConfig's selectors"
    EXCLUDED = "excluded by the functionConfig's exclude"
    OPTED_OUT = "opted out"
    UNKNOWN_KEY = "has an unknown seq-fn.dev annotation"
    NEAR_MISS = "has an annotation that looks like seq-fn's but is not"
    ALREADY_SEQUENCED = "already sequenced"


#: The reasons a workload is sequenced for.
CHOSEN = frozenset((Reason.ANNOTATED, Reason.SELECTED, Reason.SELECT_ALL))


class Decision(NamedTuple):
    """Whether to sequence a workload; ``detail`` adds what the reason alone does not say."""

    reason: Reason
    detail: str = ""

    @property
    def selected(self) -> bool:
        """Whether the workload is to be sequenced now."""
        return self.reason in CHOSEN

    def describe(self) -> str:
        """``not sequenced: opted out (seq-fn.dev/skip: "true")``."""
        text = f"{self.reason}" + (f" ({self.detail})" if self.detail else "")
        return text if self.selected else f"not sequenced: {text}"


def decide(  # noqa: PLR0911 (one return per reason reads best)
    obj: Mapping[str, Any], templates: list[PodTemplate], *, config: SequenceConfig, report: Report
) -> Decision:
    """The decision for one pod-bearing workload; a malformed opt-in or opt-out annotation is an error."""
    if not is_selected(obj, exclude=config.exclude):
        return Decision(Reason.EXCLUDED)
    unknown, near = _check_keys(obj, templates, report)
    if unknown:
        return Decision(Reason.UNKNOWN_KEY, ", ".join(unknown))
    if near:
        return Decision(Reason.NEAR_MISS, ", ".join(near))
    opted_out = _opt_out(obj, templates, report)
    if opted_out:
        return Decision(Reason.OPTED_OUT, opted_out)
    marker = directives.workload_flag(obj, c.SEQUENCED)
    if marker is not None:
        return Decision(Reason.ALREADY_SEQUENCED, f"{c.SEQUENCED}: {marker}")
    if config.select_all:
        return Decision(Reason.SELECT_ALL)
    if config.selectors:
        chosen = is_selected(obj, selectors=config.selectors)
        return Decision(Reason.SELECTED if chosen else Reason.NOT_SELECTED)
    declared = [key for key, _, _ in _seq_fn_annotations(obj, templates) if key not in _NOT_INTENT]
    if declared or True in _flags(obj, templates, c.ENABLED, report):
        return Decision(Reason.ANNOTATED, ", ".join(dict.fromkeys(declared)) or f'{c.ENABLED}: "true"')
    return Decision(Reason.NO_INTENT)


def _opt_out(obj: Mapping[str, Any], templates: list[PodTemplate], report: Report) -> str:
    """The annotation that opts the workload out, as ``key: "value"``, or an empty string."""
    if False in _flags(obj, templates, c.ENABLED, report):
        return f'{c.ENABLED}: "false"'
    if True in _flags(obj, templates, c.SKIP, report):
        return f'{c.SKIP}: "true"'
    return ""


def _flags(obj: Mapping[str, Any], templates: list[PodTemplate], key: str, report: Report) -> set[bool]:
    """The values of a ``"true"``/``"false"`` annotation on the workload and its pod templates (empty: not set)."""
    return {
        directives.is_true(str(value), key=key, report=report, path=path)
        for name, value, path in _seq_fn_annotations(obj, templates)
        if name == key
    }


def _check_keys(obj: Mapping[str, Any], templates: list[PodTemplate], report: Report) -> tuple[list[str], list[str]]:
    """Every annotation key that is a typo of a seq-fn key: the unknown ones (errors), the near misses (warnings).

    Only the keys of the workload's and its pod templates' metadata are read; another tool's key is never judged.
    """
    unknown: list[str] = []
    near: list[str] = []
    for where, holder in _holders(obj, templates):
        for raw in objects.annotations_of(holder):
            key = str(raw)
            verdict = keys.judge(key)
            path = f"{where}.annotations[{key}]"
            if verdict.kind in (keys.Kind.UNKNOWN, keys.Kind.NO_CONTAINER):
                report.error(verdict.message(key), path, topic="annotations")
                unknown.append(key)
            elif verdict.kind is keys.Kind.NEAR_MISS:
                report.warn(verdict.message(key), path)
                near.append(key)
    return unknown, near


def _holders(obj: Mapping[str, Any], templates: list[PodTemplate]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The workload and each pod template holder, with the display path of its ``metadata``."""
    yield "metadata", obj
    for template in templates:
        if template.holder is not obj:
            yield template.metadata_path, template.holder


def _seq_fn_annotations(obj: Mapping[str, Any], templates: list[PodTemplate]) -> Iterator[tuple[str, Any, str]]:
    """Every known ``seq-fn.dev/*`` annotation of the workload and of its pod templates, with its field path."""
    for where, holder in _holders(obj, templates):
        for key, value in objects.annotations_of(holder).items():
            if keys.judge(str(key)).kind is keys.Kind.KNOWN:
                yield str(key), value, f"{where}.annotations[{key}]"
