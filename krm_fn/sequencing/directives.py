"""What a workload asks for through ``seq-fn.dev/*`` annotations, read from its metadata and its pod template's."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from krm_fn.sdk import objects
from krm_fn.sequencing import constants as c
from krm_fn.sequencing import keys, waits
from krm_fn.sequencing.durations import GO_DURATION, whole_seconds
from krm_fn.sequencing.report import Report
from krm_fn.sequencing.workloads import PodTemplate


class Stopping(NamedTuple):
    """How named containers stop and restart: stop delays and signals, retries, restarts of the whole Pod.

    The annotations are ``stop-delay.<c>``, ``stop-signal.<c>``, ``retry-on-exit-codes.<c>`` and
    ``restart-all-on-exit-codes.<c>``.

    Each asks for something of its own (a one-container workload can ask for it too), so planning lets a
    workload through when any is set. Values are parsed and checked here; where each may go is the
    :mod:`~krm_fn.sequencing.lifecycle` module's to decide, once the strategy has placed the containers.
    """

    stop_delays: Mapping[str, int] = MappingProxyType({})
    stop_signals: Mapping[str, str] = MappingProxyType({})
    retry_exit_codes: Mapping[str, tuple[int, ...]] = MappingProxyType({})
    #: Containers whose exit with one of these codes restarts every container of the Pod (RestartAllContainers).
    restart_all_exit_codes: Mapping[str, tuple[int, ...]] = MappingProxyType({})
    paths: Mapping[str, str] = MappingProxyType({})

    def path(self, key: str) -> str | None:
        """Where annotation ``key`` was set, for ``field.path``."""
        return self.paths.get(key)

    def __bool__(self) -> bool:
        return bool(self.stop_delays or self.stop_signals or self.retry_exit_codes or self.restart_all_exit_codes)

    def names(self) -> dict[str, str]:
        """Every container named, with the annotation key that names it (the first, by key order)."""
        found: dict[str, str] = {}
        for prefix, values in (
            (c.STOP_DELAY_PREFIX, self.stop_delays),
            (c.STOP_SIGNAL_PREFIX, self.stop_signals),
            (c.RETRY_PREFIX, self.retry_exit_codes),
            (c.RESTART_ALL_PREFIX, self.restart_all_exit_codes),
        ):
            for name in values:
                found.setdefault(name, prefix + name)
        return found


class Waits(NamedTuple):
    """``wait-for`` and ``wait-timeout``: what to wait for outside the Pod, and for how long (None: the config's)."""

    dependencies: tuple[waits.Dependency, ...] = ()
    timeout: str | None = None
    timeout_seconds: int | None = None

    def __bool__(self) -> bool:
        return bool(self.dependencies)


class Directives(NamedTuple):
    """The parsed annotations; ``paths`` maps each annotation key to the field path it was read from."""

    order: tuple[str, ...] | None = None
    sidecars: tuple[str, ...] = ()
    after: Mapping[str, tuple[str, ...]] = MappingProxyType({})
    strategy: c.Strategy | None = None
    timeouts: Mapping[str, str] = MappingProxyType({})
    start_timeouts: Mapping[str, float] = MappingProxyType({})
    paths: Mapping[str, str] = MappingProxyType({})
    stopping: Stopping = Stopping()
    waits: Waits = Waits()

    def path(self, key: str) -> str | None:
        """Where annotation ``key`` was set, for ``field.path``."""
        return self.paths.get(key)


def _parse_waits(merged: Mapping[str, str], paths: Mapping[str, str], report: Report) -> Waits:
    dependencies: tuple[waits.Dependency, ...] = ()
    if c.WAIT_FOR in merged:
        dependencies = waits.parse(merged[c.WAIT_FOR], key=c.WAIT_FOR, path=paths[c.WAIT_FOR], report=report)
    timeout = merged.get(c.WAIT_TIMEOUT)
    seconds = None
    if timeout is not None:
        seconds = whole_seconds(timeout)
        if seconds is None or seconds < 1:
            report.error(
                f"annotation {c.WAIT_TIMEOUT} must be a duration of at least 1s such as 90s or 10m, not {timeout!r}",
                paths[c.WAIT_TIMEOUT],
                topic="annotations",
            )
        elif not dependencies:
            report.warn(f"{c.WAIT_TIMEOUT} is ignored: there is no {c.WAIT_FOR}", paths[c.WAIT_TIMEOUT])
    return Waits(dependencies, timeout.strip() if timeout else None, seconds)


#: Signal names Kubernetes accepts in ``lifecycle.stopSignal`` on Linux (Windows accepts SIGTERM and SIGKILL).
_SIGNALS = frozenset(
    (
        "SIGABRT",
        "SIGALRM",
        "SIGBUS",
        "SIGCHLD",
        "SIGCLD",
        "SIGCONT",
        "SIGFPE",
        "SIGHUP",
        "SIGILL",
        "SIGINT",
        "SIGIO",
        "SIGIOT",
        "SIGKILL",
        "SIGPIPE",
        "SIGPOLL",
        "SIGPROF",
        "SIGPWR",
        "SIGQUIT",
        "SIGSEGV",
        "SIGSTKFLT",
        "SIGSTOP",
        "SIGSYS",
        "SIGTERM",
        "SIGTRAP",
        "SIGTSTP",
        "SIGTTIN",
        "SIGTTOU",
        "SIGURG",
        "SIGUSR1",
        "SIGUSR2",
        "SIGVTALRM",
        "SIGWINCH",
        "SIGXCPU",
        "SIGXFSZ",
        "SIGRTMIN",
        "SIGRTMAX",
        *(f"SIGRTMIN+{i}" for i in range(1, 16)),
        *(f"SIGRTMAX-{i}" for i in range(1, 15)),
    )
)
#: Kubernetes takes at most 255 values in one ``restartPolicyRules[].exitCodes``.
_MAX_EXIT_CODES = 255


def _parse_stopping(merged: Mapping[str, str], paths: Mapping[str, str], report: Report) -> Stopping:
    """The stop-delay, stop-signal, retry-on-exit-codes and restart-all-on-exit-codes annotations, each checked."""
    delays: dict[str, int] = {}
    signals: dict[str, str] = {}
    retries: dict[str, tuple[int, ...]] = {}
    restart_all: dict[str, tuple[int, ...]] = {}
    for key, value in merged.items():
        if key.startswith(c.STOP_DELAY_PREFIX):
            seconds = whole_seconds(value)
            if seconds is None or seconds < 1:
                report.error(
                    f"annotation {key} must be a duration of at least 1s such as 10s or 1m30s, not {value!r}",
                    paths[key],
                    topic="annotations",
                )
            else:
                delays[key.removeprefix(c.STOP_DELAY_PREFIX)] = seconds
        elif key.startswith(c.STOP_SIGNAL_PREFIX):
            signal = value.strip().upper()
            signal = signal if signal.startswith("SIG") else f"SIG{signal}"
            if signal not in _SIGNALS:
                report.error(
                    f"annotation {key} must name a signal such as SIGINT, SIGQUIT or SIGUSR1, not {value!r}",
                    paths[key],
                    topic="annotations",
                )
            else:
                signals[key.removeprefix(c.STOP_SIGNAL_PREFIX)] = signal
        elif key.startswith((c.RETRY_PREFIX, c.RESTART_ALL_PREFIX)):
            codes = _exit_codes(value)
            if codes is None:
                report.error(
                    f"annotation {key} must list exit codes from 1 to 255 separated by commas, such as "
                    f'"42,75", not {value!r}',
                    paths[key],
                    topic="annotations",
                )
            elif key.startswith(c.RETRY_PREFIX):
                retries[key.removeprefix(c.RETRY_PREFIX)] = codes
            else:
                restart_all[key.removeprefix(c.RESTART_ALL_PREFIX)] = codes
    mine = {k: v for k, v in paths.items() if k.startswith(c.LIFECYCLE_PREFIXES)}
    return Stopping(
        stop_delays=delays,
        stop_signals=signals,
        retry_exit_codes=retries,
        restart_all_exit_codes=restart_all,
        paths=mine,
    )


def _exit_codes(value: str) -> tuple[int, ...] | None:
    """``"42, 75"`` -> ``(42, 75)``; None unless every part is an exit code 1..255 (0 is success) and not repeated."""
    parts = [p.strip() for p in value.split(",")]
    if not all(p.isdigit() for p in parts):
        return None
    codes = tuple(int(p) for p in parts)
    if any(not 1 <= code <= _MAX_EXIT_CODES for code in codes) or len(set(codes)) != len(codes):
        return None
    return codes


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
            if keys.judge(key).kind is not keys.Kind.KNOWN:
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
            if not GO_DURATION.match(value.strip()):
                report.error(
                    f"annotation {key} must be a duration such as 90s, 10m or 1h30m, not {value!r}",
                    paths[key],
                    topic="annotations",
                )
            timeouts[key.removeprefix(c.TIMEOUT_PREFIX)] = value.strip()
        # Every other key is read below, by _parse_stopping and _parse_waits, or elsewhere; a key that is not in
        # the table of keys never gets this far (selection refuses it, see krm_fn.sequencing.keys).
    return Directives(
        order=order,
        sidecars=sidecars,
        after=after,
        strategy=strategy,
        timeouts=timeouts,
        start_timeouts=start_timeouts,
        paths=paths,
        stopping=_parse_stopping(merged, paths, report),
        waits=_parse_waits(merged, paths, report),
    )


def _seconds(value: str, key: str, path: str, report: Report) -> float | None:
    """A positive Go duration (``90s``, ``5m``, ``1h30m``) in whole seconds; else an error naming the annotation."""
    seconds = whole_seconds(value)
    if not seconds:
        report.error(
            f"annotation {key} must be a positive duration such as 90s, 5m or 1h30m, not {value!r}",
            path,
            topic="annotations",
        )
        return None
    return float(seconds)


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


def is_true(value: str | None, *, key: str, report: Report, path: str | None = None) -> bool:
    """``"true"``/``"false"`` (any case); anything else is an error naming the annotation (at ``path``)."""
    if value is None:
        return False
    if value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    report.error(
        f'annotation {key} must be "true" or "false", not {value!r}',
        path or f"metadata.annotations[{key}]",
        topic="annotations",
    )
    return False
