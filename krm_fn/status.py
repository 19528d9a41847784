"""``seq-fn status``: where a live, sequenced Pod is, step by step, for every strategy.

Reads a Pod as ``kubectl get pod NAME -o json`` prints it. Init containers and native sidecars report their own
state. A container wrapped by the entrypoint strategy shows as running while it still waits for its
predecessors, so the wait graph is read back from its arguments: it is *waiting* until every step it waits for
has succeeded, *skipped* when one of them failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from krm_fn.sequencing.strategies import entrypoint


@dataclass(frozen=True)
class StepStatus:
    """One container of the Pod, in run order."""

    name: str
    role: str
    state: str
    exit_code: int | None = None
    detail: str = ""


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
    out: list[StepStatus] = []
    for ctr in spec.get("initContainers") or ():
        state, code, reason = _raw_state(by_name.get(ctr["name"]))
        if ctr.get("restartPolicy") == "Always":
            out.append(StepStatus(ctr["name"], "sidecar", state, code, reason))
        elif ctr["name"] == entrypoint.COPY_CONTAINER:
            out.append(StepStatus(ctr["name"], "setup", state, code, reason))
        else:
            out.append(StepStatus(ctr["name"], "step", state, code, reason))
    wrapped = {
        c["name"]: c for c in spec.get("containers") or () if list(c.get("command") or ()) == [entrypoint.BINARY]
    }
    if wrapped:
        out.extend(_entrypoint_steps(spec, wrapped, by_name))
    else:
        for ctr in spec.get("containers") or ():
            state, code, reason = _raw_state(by_name.get(ctr["name"]))
            out.append(StepStatus(ctr["name"], "main", state, code, reason))
    return out


def _entrypoint_steps(
    spec: Mapping[str, Any], wrapped: Mapping[str, Mapping[str, Any]], by_name: Mapping[str, Any]
) -> list[StepStatus]:
    flags = {name: entrypoint.read_args(c.get("args") or ())[0] for name, c in wrapped.items()}
    post_of = {f.get("-post_file"): name for name, f in flags.items()}
    waits = {
        name: [post_of[p] for p in f.get("-wait_file", "").split(",") if p in post_of] for name, f in flags.items()
    }
    raw = {name: _raw_state(by_name.get(name)) for name in wrapped}
    resolved: dict[str, StepStatus] = {}

    def resolve(name: str) -> StepStatus:
        if name in resolved:
            return resolved[name]
        state, code, reason = raw[name]
        preds = [resolve(p) for p in waits[name]]
        failed = [p.name for p in preds if p.state in ("failed", "skipped")]
        pending = [p.name for p in preds if p.state != "succeeded"]
        if failed and state in ("failed", "succeeded") and code == 1:
            found = StepStatus(name, "step", "skipped", code, f"after {', '.join(failed)} failed")
        elif pending and state in ("running", "waiting"):
            found = StepStatus(name, "step", "waiting", None, f"for {', '.join(pending)}")
        else:
            found = StepStatus(name, "step", state, code, reason)
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
    """Whether a step failed (or was skipped because one did): ``seq-fn status`` then exits 1."""
    return any(s.state in ("failed", "skipped") and s.role in ("step", "main") for s in found)


def as_text(pod: Mapping[str, Any], found: list[StepStatus]) -> str:
    """A line per container: name, role, state, exit code, detail."""
    name = (pod.get("metadata") or {}).get("name", "?")
    done = sum(1 for s in found if s.role in ("step", "main") and s.state == "succeeded")
    total = sum(1 for s in found if s.role in ("step", "main"))
    width = max((len(s.name) for s in found), default=4)
    lines = [f"Pod {name}: {done} of {total} steps succeeded, phase {(pod.get('status') or {}).get('phase', '?')}"]
    for s in found:
        code = f"exit {s.exit_code}" if s.exit_code is not None else ""
        lines.append(f"  {s.name:<{width}}  {s.role:<7}  {s.state:<9}  {code:<8}  {s.detail}".rstrip())
    return "\n".join(lines) + "\n"
