"""A small executable model of how kubelet and the entrypoint binary would run a sequenced pod spec.

Every container that runs to completion takes one time unit. Kubelet runs plain init containers one at a time,
each after the previous one finished; a native sidecar (``restartPolicy: Always``) is started, not finished,
before the next init container; regular containers all start once the init phase is over. A container wrapped by
the entrypoint binary starts its real command only when every file it waits for exists, that is, when the steps
that post those files have finished. The model returns, per container, when its own command starts and ends.

:func:`outcomes` models how each wrapped step *ends* (exit code, post file, termination message) when commands
fail, time out, cannot start or are killed, as Tekton's v1.12.0 entrypoint binary ends them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tests.support.entrypoint_args import steps_of, wait_graph

FOREVER = float("inf")


def schedule(spec: Mapping[str, Any], *, binary: str, long_running: bool) -> dict[str, tuple[float, float]]:
    """(start, end) of each container's own command; long-running containers and sidecars never end."""
    times: dict[str, tuple[float, float]] = {}
    clock = 0.0
    for ctr in spec.get("initContainers") or ():
        if ctr.get("restartPolicy") == "Always":
            times[ctr["name"]] = (clock, FOREVER)
        else:
            times[ctr["name"]] = (clock, clock + 1)
            clock += 1
    wrapped = steps_of(spec, binary)
    graph = wait_graph(wrapped) if wrapped else {}
    pending = [c["name"] for c in spec["containers"]]
    while pending:
        for name in list(pending):
            if name in wrapped:
                waits = graph[name]
                if all(w in times for w in waits):
                    start = max([clock, *(times[w][1] for w in waits)])
                    times[name] = (start, start + 1)
                    pending.remove(name)
            else:
                times[name] = (clock, FOREVER if long_running else clock + 1)
                pending.remove(name)
    return times


#: How a step's own command ends: an exit code, or what the binary cannot turn into one.
Exit = int | str  # "timeout" (-timeout expired), "missing" (the command cannot start), "killed" (SIGKILL, OOM)


@dataclass(frozen=True)
class Outcome:
    """How one wrapped step ended, as Tekton's v1.12.0 entrypoint binary ends it.

    ``exit_code`` is the container's (None: it never ends), ``posted`` the file it wrote (``out``, ``err``, or None
    for nothing), ``skipped`` whether it skipped because a step it waits for failed, ``message`` the termination
    JSON (None: not written).
    """

    exit_code: int | None
    posted: str | None
    skipped: bool
    message: list[dict[str, Any]] | None


def _entry(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "value": value, "type": 3}


STARTED = _entry("StartedAt", "2026-12-01T00:00:00.000Z")
#: Ends that are no exit code of the command, and what the binary makes of each, whatever ``-on_error`` says.
NOT_AN_EXIT = {
    "killed": Outcome(137, None, False, None),
    "timeout": Outcome(1, "err", False, [STARTED, _entry("Reason", "TimeoutExceeded")]),
    "missing": Outcome(1, "err", False, [STARTED]),
}


def outcomes(spec: Mapping[str, Any], *, binary: str, exits: Mapping[str, Exit]) -> dict[str, Outcome]:
    """Each wrapped step's end when its command ends as ``exits`` says (default 0), read from the wiring alone.

    The binary waits for its wait files one at a time, in the order given: a missing one (its writer was killed,
    or waits forever itself) blocks it for good; an ``.err`` one makes it skip (post ``.err``, exit 1). A step
    that runs posts ``out`` on success and, under ``-on_error continue``, after a non-zero exit (exiting 0, the code
    only in its message); a timeout or a command that cannot start posts ``.err`` and exits 1 whatever
    ``-on_error`` says; a SIGKILLed wrapper writes nothing.
    """
    wrapped = steps_of(spec, binary)
    by_post = {s.flags["-post_file"]: name for name, s in wrapped.items()}
    done: dict[str, Outcome] = {}
    while len(done) < len(wrapped):
        for name, step in wrapped.items():
            preds = [by_post[p] for p in step.waits]
            if name in done or any(p not in done for p in preds):
                continue
            done[name] = _one(step.flags.get("-on_error"), [done[p].posted for p in preds], exits.get(name, 0))
    return done


def _one(on_error: str | None, posted: list[str | None], ends: Exit) -> Outcome:
    for found in posted:
        if found is None:
            return Outcome(None, None, False, None)
        if found == "err":
            return Outcome(1, "err", True, [STARTED])
    if isinstance(ends, str):
        return NOT_AN_EXIT[ends]
    if ends == 0:
        return Outcome(0, "out", False, [STARTED])
    if on_error == "continue":
        return Outcome(0, "out", False, [STARTED, _entry("ExitCode", str(ends))])
    return Outcome(ends, "err", False, [STARTED])
