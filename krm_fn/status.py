"""``seq-fn status``: where a live, sequenced Pod is, step by step, for every strategy.

Reads a Pod as ``kubectl get pod NAME -o json`` prints it (or a ``List`` holding one Pod, as ``kubectl get pods
-o json`` prints it). Init containers and native sidecars report their own state; once a plain init step failed
under ``restartPolicy: Never`` the steps after it never run, and show as *skipped*.

A container wrapped by the entrypoint strategy shows as running while it still waits for its predecessors, so
the wait graph is read back from its arguments: it is *waiting* until every step it waits for has posted, and
*skipped* when one of them failed. Its container's exit code is not the step's: under ``onError: continue`` the
binary exits 0 whatever the step did. The step's own code is in the JSON the binary writes to its termination
file, which seq-fn makes the container's ``terminationMessagePath``, so the kubelet copies it into
``state.terminated.message``: a list of ``{"key", "value", "type"}`` entries (Tekton's ``RunResult``), with key
``ExitCode`` when a continued step failed and ``Reason: TimeoutExceeded`` when ``-timeout`` killed it. A wrapper
killed by SIGKILL (an OOM kill) writes neither message nor post file: the steps after it wait forever.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from krm_fn.sequencing import waits
from krm_fn.sequencing.strategies import entrypoint

#: The exit code of a container killed by SIGKILL (128 + 9), what an OOM kill gives.
KILLED = 137


class StepStatus(NamedTuple):
    """One container of the Pod, in run order."""

    name: str
    role: str
    state: str
    exit_code: int | None = None
    detail: str = ""


def pod_of(doc: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The Pod in ``doc``: the document itself, or the only item of a ``List`` (``kubectl get pods -o json``)."""
    if doc.get("kind") == "Pod":
        return doc
    items = doc.get("items")
    if doc.get("kind") == "List" and isinstance(items, list) and len(items) == 1 and isinstance(items[0], Mapping):
        return items[0] if items[0].get("kind", "Pod") == "Pod" else None
    return None


def _raw_state(status: Mapping[str, Any] | None) -> tuple[str, int | None, str]:
    state = (status or {}).get("state") or {}
    if "terminated" in state:
        code = int(state["terminated"].get("exitCode", 0))
        return ("succeeded" if code == 0 else "failed"), code, str(state["terminated"].get("reason") or "")
    if "running" in state:
        return "running", None, ""
    return "waiting", None, str((state.get("waiting") or {}).get("reason") or "")


def steps(pod: Mapping[str, Any]) -> list[StepStatus]:
    """Every container of the Pod with its sequencing role and state, in run order."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    by_name = {
        s.get("name"): s for key in ("initContainerStatuses", "containerStatuses") for s in status.get(key) or ()
    }
    never = (spec.get("restartPolicy") or "Always") == "Never"
    out: list[StepStatus] = []
    failed_init: str | None = None
    for ctr in spec.get("initContainers") or ():
        state, code, reason = _raw_state(by_name.get(ctr["name"]))
        if ctr.get("restartPolicy") == "Always":
            out.append(StepStatus(ctr["name"], "sidecar", state, code, reason))
            continue
        role = "setup" if ctr["name"] in (entrypoint.COPY_CONTAINER, waits.CONTAINER) else "step"
        if failed_init and state == "waiting":
            out.append(StepStatus(ctr["name"], role, "skipped", None, f"after {failed_init} failed"))
            continue
        out.append(StepStatus(ctr["name"], role, state, code, reason))
        if state == "failed" and never and failed_init is None:
            failed_init = ctr["name"]
    wrapped = {
        c["name"]: c for c in spec.get("containers") or () if list(c.get("command") or ()) == [entrypoint.BINARY]
    }
    if wrapped and failed_init is None:
        out.extend(_entrypoint_steps(spec, wrapped, by_name))
        return out
    for ctr in spec.get("containers") or ():
        state, code, reason = _raw_state(by_name.get(ctr["name"]))
        role = "step" if ctr["name"] in wrapped else "main"
        if failed_init and state == "waiting":
            out.append(StepStatus(ctr["name"], role, "skipped", None, f"after {failed_init} failed"))
        else:
            out.append(StepStatus(ctr["name"], role, state, code, reason))
    return out


def termination_message(status: Mapping[str, Any] | None) -> dict[str, str] | None:
    """The entrypoint's JSON in ``state.terminated.message`` as ``{key: value}``; None when absent or not its JSON."""
    terminated = ((status or {}).get("state") or {}).get("terminated") or {}
    text = terminated.get("message")
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        entries = json.loads(text)
    except ValueError:
        return None
    if not isinstance(entries, list):
        return None
    return {str(e["key"]): str(e.get("value", "")) for e in entries if isinstance(e, Mapping) and "key" in e}


class _Wrapped(NamedTuple):
    """What one wrapped step did, as far as the Pod's status tells: its own state and what it posted."""

    state: str
    code: int | None
    reason: str
    posted: str | None  # "out", "err", "never" (ended without posting) or None (not yet)
    detail: str = ""


def _read_wrapped(container: Mapping[str, Any], flags: Mapping[str, str], status: Mapping[str, Any] | None) -> _Wrapped:
    state, code, reason = _raw_state(status)
    if state not in ("succeeded", "failed"):
        return _Wrapped(state, code, reason, None)
    ours = container.get("terminationMessagePath") == flags.get("-termination_path")
    message = termination_message(status) if ours else None
    if code == KILLED or reason == "OOMKilled" or (ours and message is None):
        why = reason or f"exit {code}"
        return _Wrapped("failed", code, why, "never", f"ended without posting ({why}), later steps will wait forever")
    if state == "succeeded":
        real = int((message or {}).get("ExitCode", "0") or 0)
        if real != 0:
            return _Wrapped("failed", real, reason, "out", "continued past (onError: continue)")
        return _Wrapped(state, code, reason, "out")
    detail = "timed out" if (message or {}).get("Reason") == "TimeoutExceeded" else reason
    return _Wrapped(state, code, reason, "err", detail)


def _entrypoint_steps(
    spec: Mapping[str, Any], wrapped: Mapping[str, Mapping[str, Any]], by_name: Mapping[str, Any]
) -> list[StepStatus]:
    flags = {name: entrypoint.read_args(c.get("args") or ())[0] for name, c in wrapped.items()}
    post_of = {f.get("-post_file"): name for name, f in flags.items()}
    waits = {
        name: [post_of[p] for p in f.get("-wait_file", "").split(",") if p in post_of] for name, f in flags.items()
    }
    raw = {name: _read_wrapped(c, flags[name], by_name.get(name)) for name, c in wrapped.items()}
    resolved: dict[str, StepStatus] = {}
    posted: dict[str, str | None] = {}
    killed: dict[str, list[str]] = {}  # step -> the steps that ended without posting, which it waits for forever

    def resolve(name: str) -> StepStatus:
        if name in resolved:
            return resolved[name]
        own = raw[name]
        for pred in waits[name]:
            resolve(pred)
        failed = [p for p in waits[name] if posted[p] == "err"]
        stuck = list(dict.fromkeys(k for p in waits[name] if posted[p] == "never" for k in killed[p]))
        pending = [p for p in waits[name] if posted[p] != "out"]
        posted[name], killed[name] = own.posted, [name] if own.posted == "never" else []
        if failed and own.state in ("failed", "succeeded") and own.code == 1:
            found = StepStatus(name, "step", "skipped", own.code, f"after {', '.join(failed)} failed")
            posted[name] = "err"
        elif stuck and own.state in ("running", "waiting"):
            found = StepStatus(name, "step", "waiting", None, f"forever: {', '.join(stuck)} ended without posting")
            posted[name], killed[name] = "never", stuck
        elif pending and own.state in ("running", "waiting"):
            found = StepStatus(name, "step", "waiting", None, f"for {', '.join(pending)}")
        else:
            found = StepStatus(name, "step", own.state, own.code, own.detail or own.reason)
        resolved[name] = found
        return found

    order = [c["name"] for c in spec.get("containers") or () if c["name"] in wrapped]
    done: list[str] = []
    while len(done) < len(order):
        for name in order:
            if name not in done and all(p in done for p in waits[name]):
                done.append(name)
    other = [c for c in spec.get("containers") or () if c["name"] not in wrapped]
    return [resolve(n) for n in done] + [StepStatus(c["name"], "container", *_raw_state(by_name.get(c["name"])))
                                          for c in other]  # fmt: skip


def failed(found: list[StepStatus]) -> bool:
    """Whether a step failed, was skipped because one did, or waits forever: ``seq-fn status`` then exits 1."""
    return any(
        (s.state in ("failed", "skipped") or s.detail.startswith("forever")) and s.role in ("step", "main")
        for s in found
    )


def as_text(pod: Mapping[str, Any], found: list[StepStatus]) -> str:
    """A line per container: name, role, state, exit code, detail; then what blocks the Pod, if anything."""
    name = (pod.get("metadata") or {}).get("name", "?")
    done = sum(1 for s in found if s.role in ("step", "main") and s.state == "succeeded")
    total = sum(1 for s in found if s.role in ("step", "main"))
    width = max((len(s.name) for s in found), default=4)
    lines = [f"Pod {name}: {done} of {total} steps succeeded, phase {(pod.get('status') or {}).get('phase', '?')}"]
    for s in found:
        code = f"exit {s.exit_code}" if s.exit_code is not None else ""
        lines.append(f"  {s.name:<{width}}  {s.role:<7}  {s.state:<9}  {code:<8}  {s.detail}".rstrip())
    for s in found:
        if s.detail.startswith("ended without posting"):
            lines.append(
                f"step {s.name} ended without posting, later steps will wait forever: the Pod ends only at its "
                "activeDeadlineSeconds, or when you delete it"
            )
    return "\n".join(lines) + "\n"
