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

The Pod as a whole is judged as its user would put it (:func:`verdict`): once the steps (or the main container)
have completed, Kubernetes stops the native sidecars with SIGTERM, then SIGKILL after the grace period, so a sidecar
that ends with 143 or 137 (or any code) then was *stopped*, and the Pod succeeded; the kubelet leaves sidecars out
of the Pod's phase. A step killed for memory says so (``OOMKilled``), a sidecar that restarted says how often and
why it last ended, and an evicted Pod (``status.reason: Evicted``, or a ``DisruptionTarget`` condition) names the
eviction instead of calling the steps it killed failed. Tests feed Pod statuses written by hand from the API types
(``ContainerStatus``, ``PodStatus``), since no kubelet runs here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, NamedTuple

from krm_fn.sequencing import waits
from krm_fn.sequencing.strategies import entrypoint

#: The exit code of a container killed by SIGKILL (128 + 9), what an OOM kill gives.
KILLED = 137
#: The exit code of a process that ends on SIGTERM's default action (128 + 15).
TERMINATED = 143
#: How Kubernetes ends a native sidecar once the regular containers are done: SIGTERM, then SIGKILL.
_STOP_CODES = {TERMINATED: "SIGTERM", KILLED: "SIGKILL"}


class StepStatus(NamedTuple):
    """One container of the Pod, in run order."""

    name: str
    role: str
    state: str
    exit_code: int | None = None
    detail: str = ""
    restarts: int = 0


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
        own = by_name.get(ctr["name"])
        state, code, reason = _raw_state(own)
        restarts = _restarts(own)
        if ctr.get("restartPolicy") == "Always":
            out.append(StepStatus(ctr["name"], "sidecar", state, code, _restart_detail(own, reason), restarts))
            continue
        role = "setup" if ctr["name"] in (entrypoint.COPY_CONTAINER, waits.CONTAINER) else "step"
        if failed_init and state == "waiting":
            out.append(StepStatus(ctr["name"], role, "skipped", None, f"never started: {failed_init} failed"))
            continue
        detail = _rule_detail(ctr, own) or _step_detail(own, state, reason)
        out.append(StepStatus(ctr["name"], role, state, code, detail, restarts))
        if state == "failed" and never and failed_init is None:
            failed_init = ctr["name"]
    wrapped = {
        c["name"]: c for c in spec.get("containers") or () if list(c.get("command") or ()) == [entrypoint.BINARY]
    }
    if wrapped and failed_init is None:
        out.extend(_entrypoint_steps(spec, wrapped, by_name))
        return _settle(pod, out)
    for ctr in spec.get("containers") or ():
        own = by_name.get(ctr["name"])
        state, code, reason = _raw_state(own)
        role = "step" if ctr["name"] in wrapped else "main"
        if failed_init and state == "waiting":
            out.append(StepStatus(ctr["name"], role, "skipped", None, f"never started: {failed_init} failed"))
        else:
            detail = _rule_detail(ctr, own) or _step_detail(own, state, reason)
            out.append(StepStatus(ctr["name"], role, state, code, detail, _restarts(own)))
    return _settle(pod, out)


def _restarts(status: Mapping[str, Any] | None) -> int:
    count = (status or {}).get("restartCount")
    return count if isinstance(count, int) and not isinstance(count, bool) else 0


def _last_end(status: Mapping[str, Any] | None) -> str:
    """``exit 1, Error``: how the container's previous run ended (``lastState.terminated``), or an empty string."""
    last = ((status or {}).get("lastState") or {}).get("terminated") or {}
    if "exitCode" not in last:
        return ""
    reason = str(last.get("reason") or "")
    return f"exit {last['exitCode']}" + (f", {reason}" if reason else "")


def _restart_detail(status: Mapping[str, Any] | None, reason: str) -> str:
    """A sidecar's state reason, with how often it restarted and how it last ended."""
    count = _restarts(status)
    if not count:
        return reason
    last = _last_end(status)
    text = f"restarted {count} time{'s' if count > 1 else ''}" + (f" (last ended: {last})" if last else "")
    return f"{reason}; {text}" if reason else text


def _rule_detail(container: Mapping[str, Any], status: Mapping[str, Any] | None) -> str:
    """When the step's last run ended on a code one of its ``restartPolicyRules`` names: what that rule did.

    ``Restart`` (``retry-on-exit-codes``) restarted the step alone; ``RestartAllContainers``
    (``restart-all-on-exit-codes``) reran every container of the Pod from the first, which also counts a restart
    on each of them.
    """
    last = ((status or {}).get("lastState") or {}).get("terminated") or {}
    code = last.get("exitCode")
    if not isinstance(code, int) or not _restarts(status):
        return ""
    for rule in container.get("restartPolicyRules") or ():
        codes = (rule.get("exitCodes") or {}) if isinstance(rule, Mapping) else {}
        listed = code in (codes.get("values") or ())
        if listed != (codes.get("operator", "In") == "In"):
            continue  # Kubernetes goes on to the next rule
        if rule.get("action") == "RestartAllContainers":
            return f"exit {code} reran every step in place (RestartAllContainers), {_times(status)} so far"
        if rule.get("action") == "Restart":
            return f"restarted in place after exit {code} (its restart rule), {_times(status)} so far"
        return ""
    return ""


def _times(status: Mapping[str, Any] | None) -> str:
    count = _restarts(status)
    return f"{count} time{'s' if count != 1 else ''}"


def _step_detail(status: Mapping[str, Any] | None, state: str, reason: str) -> str:
    """What a step's state means: out of memory, restarting after a failure, or the runtime's reason."""
    if state == "failed" and reason == "OOMKilled":
        return "out of memory (OOMKilled): raise its memory limit"
    last = _last_end(status)
    if state == "waiting" and last:
        count = _restarts(status)
        why = "it ran out of memory (OOMKilled)" if last.endswith("OOMKilled") else f"it ended with {last}"
        back_off = f" ({reason})" if reason else ""
        return f"restarts{back_off} after {why}; restarted {count} time{'s' if count != 1 else ''} so far"
    if state == "running" and _restarts(status):
        return _restart_detail(status, "")
    return reason


def _evicted(pod: Mapping[str, Any]) -> str | None:
    """Why the Pod was evicted or disrupted, as the kubelet or controller wrote it; None when it was not."""
    status = pod.get("status") or {}
    if status.get("reason") == "Evicted":
        return f"evicted by the kubelet: {status.get('message') or 'no message'}".rstrip()
    for condition in status.get("conditions") or ():
        if condition.get("type") == "DisruptionTarget" and condition.get("status") == "True":
            return f"disrupted ({condition.get('reason')}): {condition.get('message') or 'no message'}"
    return None


def _settle(pod: Mapping[str, Any], found: list[StepStatus]) -> list[StepStatus]:
    """Judge what only the whole Pod tells: sidecars Kubernetes stopped, and steps an eviction ended."""
    work = [s for s in found if s.role in ("step", "main")]
    completed = bool(work) and all(s.state == "succeeded" for s in work)
    evicted = _evicted(pod)
    return [_settled(s, completed=completed, evicted=evicted is not None) for s in found]


def _settled(s: StepStatus, *, completed: bool, evicted: bool) -> StepStatus:
    """One container's status once the whole Pod is known (see :func:`_settle`)."""
    if s.role == "sidecar" and s.state in ("succeeded", "failed") and (completed or evicted):
        signal = _STOP_CODES.get(s.exit_code or 0)
        how = f" ({signal})" if signal else ""
        why = f"stopped by Kubernetes after the steps completed{how}" if completed else f"killed by the eviction{how}"
        return s._replace(state="stopped", detail=why)
    if evicted and s.role in ("step", "main") and s.state in ("waiting", "skipped"):
        return s._replace(state="skipped", detail="never started: the Pod was evicted")
    if evicted and s.role in ("step", "main") and s.state == "failed" and s.exit_code in _STOP_CODES:
        return s._replace(detail=f"killed by the eviction ({_STOP_CODES[s.exit_code or 0]})")
    return s


def verdict(pod: Mapping[str, Any], found: list[StepStatus]) -> str:
    """The Pod in one sentence, as its user would put it: succeeded, failed at which step, evicted, or still going."""
    evicted = _evicted(pod)
    if evicted:
        return f"the Pod was {evicted}"
    work = [s for s in found if s.role in ("step", "main")]
    stopped = [s for s in found if s.role == "sidecar" and s.state == "stopped"]
    if work and all(s.state == "succeeded" for s in work):
        codes = sorted({str(s.exit_code) for s in stopped if s.exit_code not in (None, 0)})
        note = f" (sidecar exit {', '.join(codes)} is how Kubernetes stops a sidecar, not a failure)" if codes else ""
        return f"the Pod succeeded: every step completed{note}"
    broken = next((s for s in work if s.state == "failed"), None)
    if broken is not None:
        detail = f", {broken.detail}" if broken.detail and broken.detail not in ("Error",) else ""
        return f"the Pod failed: step {broken.name} exited {broken.exit_code}{detail}"
    if any(s.detail.startswith("forever") for s in work):
        return "the Pod is stuck: a step ended without posting"
    retrying = next((s for s in work if s.state == "waiting" and s.restarts), None)
    if retrying is not None:
        return f"the Pod is still trying: step {retrying.name} {retrying.detail}"
    restarted = [f"{s.name} {s.restarts}" for s in found if s.role == "sidecar" and s.restarts]
    note = f" (sidecar restarts: {', '.join(restarted)})" if restarted else ""
    rerun = next((s for s in found if "reran every step" in s.detail), None)
    if rerun is not None:
        note += f"; {rerun.name}'s {rerun.detail}"
    return f"the Pod is still running{note}"


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
    lines.append(verdict(pod, found))
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
