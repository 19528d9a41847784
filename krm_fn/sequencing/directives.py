"""What a workload asks for through ``seq-fn.dev/*`` annotations, read from its metadata and its pod template's."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from krm_fn.sdk import objects
from krm_fn.sequencing import constants as c
from krm_fn.sequencing.report import Report
from krm_fn.sequencing.workloads import PodTemplate

_GO_DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_KNOWN = (c.ORDER, c.SIDECARS, c.STRATEGY, c.ENABLED, c.SKIP, c.SEQUENCED)


@dataclass(frozen=True)
class Directives:
    """The parsed annotations; ``paths`` maps each annotation key to the field path it was read from."""

    order: tuple[str, ...] | None = None
    sidecars: tuple[str, ...] = ()
    after: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    strategy: c.Strategy | None = None
    timeouts: Mapping[str, str] = field(default_factory=dict)
    start_timeouts: Mapping[str, float] = field(default_factory=dict)
    paths: Mapping[str, str] = field(default_factory=dict)

    def path(self, key: str) -> str | None:
        """Where annotation ``key`` was set, for ``field.path``."""
        return self.paths.get(key)


def workload_flag(obj: Mapping[str, Any], key: str) -> str | None:
    """A workload-level annotation such as ``seq-fn.dev/skip`` (read from the workload's own metadata)."""
    value = objects.annotations_of(obj).get(key)
    return None if value is None else str(value)


def read(obj: Mapping[str, Any], template: PodTemplate, report: Report) -> Directives:
    """Merge the workload's and the pod template's seq-fn annotations; a key set to two values is an error."""
    merged: dict[str, str] = {}
    paths: dict[str, str] = {}
    sources = [("metadata", objects.annotations_of(obj))]
    if template.holder is not obj:
        sources.append((template.metadata_path, objects.annotations_of(template.holder)))
    for where, notes in sources:
        for raw_key, value in notes.items():
            key = str(raw_key)
            if not key.startswith(f"{c.GROUP}/"):
                continue
            path = f"{where}.annotations[{key}]"
            if not isinstance(value, str):
                report.error(f"annotation {key} must be a string (quote it), not {value!r}", path, topic="annotations")
                continue
            if key in merged and merged[key] != value:
                report.error(
                    f"annotation {key} is set twice, to {merged[key]!r} at {paths[key]} and {value!r}",
                    path,
                    topic="annotations",
                )
                continue
            merged[key] = value
            paths[key] = path
    return _parse(merged, paths, report)


def _parse(merged: Mapping[str, str], paths: Mapping[str, str], report: Report) -> Directives:
    order = _names(merged[c.ORDER], paths[c.ORDER], report) if c.ORDER in merged else None
    sidecars = _names(merged[c.SIDECARS], paths[c.SIDECARS], report) if c.SIDECARS in merged else ()
    strategy = None
    if c.STRATEGY in merged:
        value = merged[c.STRATEGY].strip()
        if value in tuple(c.Strategy):
            strategy = c.Strategy(value)
        else:
            report.error(
                f"annotation {c.STRATEGY} must be one of {', '.join(c.Strategy)}, not {value!r}",
                paths[c.STRATEGY],
                topic="annotations",
            )
    after: dict[str, tuple[str, ...]] = {}
    timeouts: dict[str, str] = {}
    start_timeouts: dict[str, float] = {}
    for key, value in merged.items():
        if key.startswith(c.START_TIMEOUT_PREFIX):
            seconds = _seconds(value, key, paths[key], report)
            if seconds is not None:
                start_timeouts[key.removeprefix(c.START_TIMEOUT_PREFIX)] = seconds
        elif key.startswith(c.AFTER_PREFIX):
            after[key.removeprefix(c.AFTER_PREFIX)] = _names(value, paths[key], report, allow_empty=True)
        elif key.startswith(c.TIMEOUT_PREFIX):
            if not _GO_DURATION.match(value.strip()):
                report.error(
                    f"annotation {key} must be a duration such as 90s, 10m or 1h30m, not {value!r}",
                    paths[key],
                    topic="annotations",
                )
            timeouts[key.removeprefix(c.TIMEOUT_PREFIX)] = value.strip()
        elif key not in _KNOWN:
            report.warn(
                f"unknown annotation {key} is ignored (known: {', '.join(_KNOWN)}, "
                f"{c.AFTER_PREFIX}<container>, {c.TIMEOUT_PREFIX}<container>, {c.START_TIMEOUT_PREFIX}<container>)",
                paths[key],
            )
    return Directives(
        order=order,
        sidecars=sidecars,
        after=after,
        strategy=strategy,
        timeouts=timeouts,
        start_timeouts=start_timeouts,
        paths=paths,
    )


def _seconds(value: str, key: str, path: str, report: Report) -> float | None:
    """A positive Go duration (``90s``, ``5m``, ``1h30m``) in seconds; an error naming the annotation otherwise."""
    text = value.strip()
    seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in _DURATION_PART.findall(text))
    if not _GO_DURATION.match(text) or seconds <= 0:
        report.error(
            f"annotation {key} must be a positive duration such as 90s, 5m or 1h30m, not {value!r}",
            path,
            topic="annotations",
        )
        return None
    return seconds


def _names(value: str, path: str, report: Report, *, allow_empty: bool = False) -> tuple[str, ...]:
    names = [part.strip() for part in value.split(",")]
    if names == [""] and allow_empty:
        return ()
    if any(not n for n in names):
        report.error(
            f"{value!r} has an empty name: write container names separated by commas", path, topic="annotations"
        )
    seen: set[str] = set()
    for name in names:
        if name in seen:
            report.error(f"{value!r} names container {name!r} twice", path, topic="annotations")
        seen.add(name)
    return tuple(n for n in names if n)


def is_true(value: str | None, *, key: str, report: Report) -> bool:
    """``"true"``/``"false"`` (any case); anything else is an error naming the annotation."""
    if value is None:
        return False
    if value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    report.error(
        f'annotation {key} must be "true" or "false", not {value!r}',
        f"metadata.annotations[{key}]",
        topic="annotations",
    )
    return False
