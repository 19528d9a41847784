"""The entrypoint strategy's wiring, read back by an independent parser, over golden and generated workloads.

For every produced Pod: each step waits (directly or through others) for exactly the steps the order or DAG asks
for, no more (independent branches stay parallel); every wait file is another step's post file; each step can
write only its own run volume; the original argv comes back exactly from ``-entrypoint`` and what follows ``--``.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import krm_fn
from krm_fn import status
from krm_fn.sdk import yamlio
from krm_fn.sequencing.strategies import entrypoint
from tests.support import kube, model
from tests.support.entrypoint_args import closure, steps_of, wait_graph

GOLDEN = Path(__file__).parent.parent / "golden"


def job(containers, annotations=None):
    return {
        "apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j", "annotations": annotations or {}},
        "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": containers}}},
    }  # fmt: skip


def assert_wiring(out, requested: dict[str, set[str]], argvs: dict[str, list[str]]) -> None:
    spec = out["spec"]["template"]["spec"]
    steps = steps_of(spec, entrypoint.BINARY)
    assert set(steps) == set(requested)
    assert closure(wait_graph(steps)) == closure(requested)
    for name, step in steps.items():
        assert step.argv == argvs[name], "argv is recoverable exactly"
        container = next(c for c in spec["containers"] if c["name"] == name)
        writable = [m["name"] for m in container["volumeMounts"] if not m.get("readOnly")]
        own = [m for m in writable if m.startswith(entrypoint.RUN_VOLUME_PREFIX)]
        assert len(own) == 1, "a step writes only its own run volume"
        own_dir = next(m["mountPath"] for m in container["volumeMounts"] if m["name"] == own[0])
        for flag in ("-post_file", "-termination_path", "-step_metadata_dir"):
            assert step.flags[flag].startswith(own_dir + "/"), f"{flag} must be on the step's own writable volume"
    copier = next(c for c in spec["initContainers"] if c["name"] == entrypoint.COPY_CONTAINER)
    assert copier["command"][1] == "cp" and copier["command"][-1] == entrypoint.BINARY
    assert copier["securityContext"]["allowPrivilegeEscalation"] is False


def test_a_chain_waits_on_the_previous_step_only():
    containers = [{"name": n, "image": "busybox", "command": ["sh", "-c", f"echo {n}"]} for n in "abc"]
    out = krm_fn.sequence(job(containers), {"strategy": "entrypoint"})
    assert_wiring(out, {"a": set(), "b": {"a"}, "c": {"b"}}, {n: ["sh", "-c", f"echo {n}"] for n in "abc"})


def test_golden_entrypoint_outputs_are_wired_as_asked():
    dag = yamlio.load_all((GOLDEN / "entrypoint-dag" / "expected.yaml").read_text())[0]
    assert_wiring(
        dag,
        {"fetch-a": set(), "fetch-b": set(), "merge": {"fetch-a", "fetch-b"}, "report": {"merge"}},
        {
            "report": ["sh", "-c", "cat /data/merged"],
            "merge": ["sh", "-c", "cat /data/a /data/b > /data/merged"],
            "fetch-a": ["sh", "-c", "echo a > /data/a"],
            "fetch-b": ["sh", "-c", "echo b > /data/b"],
        },
    )


NAMES = st.lists(st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True), min_size=2, max_size=6, unique=True)
ARG = st.text(alphabet=st.sampled_from("ab -$()=:,'\"/\\\n"), max_size=8)


@st.composite
def dags(draw):
    names = draw(NAMES)
    edges = {n: {m for m in names[:i] if draw(st.booleans())} for i, n in enumerate(names)}
    order = draw(st.permutations(names))  # the containers list need not follow the DAG
    argvs = {n: [draw(ARG.filter(bool)), *draw(st.lists(ARG, max_size=3))] for n in names}
    split = {n: draw(st.integers(min_value=1, max_value=len(argvs[n]))) for n in names}
    return names, edges, order, argvs, split


@settings(max_examples=60, deadline=None)
@given(dags(), st.booleans())
def test_any_dag_is_wired_exactly_and_argv_survives(case, with_order):
    """With ``order`` as well, order is the order: a chain in that order, which the after edges only repeat."""
    names, edges, order, argvs, split = case
    containers = [
        {
            "name": n,
            "image": "busybox",
            "command": argvs[n][: split[n]],
            **({"args": argvs[n][split[n] :]} if argvs[n][split[n] :] else {}),
        }
        for n in order
    ]
    annotations = {f"seq-fn.dev/after.{n}": ",".join(sorted(deps)) for n, deps in edges.items() if deps}
    if not annotations:
        annotations = {"seq-fn.dev/order": ",".join(order)}
    elif with_order:
        annotations["seq-fn.dev/order"] = ",".join(names)  # the after edges point backwards in names
    obj = job(containers, annotations)
    before = copy.deepcopy(obj)
    out = krm_fn.sequence(obj, {"strategy": "entrypoint"})
    assert obj == before
    chain_of = annotations["seq-fn.dev/order"].split(",") if "seq-fn.dev/order" in annotations else None
    if chain_of is None:
        requested = edges
    else:
        requested = {n: ({chain_of[i - 1]} if i else set()) | edges[n] for i, n in enumerate(chain_of)}
    assert_wiring(out, requested, argvs)
    kube.check_workload(out)
    assert krm_fn.sequence(out, {"strategy": "entrypoint"}) is out, "a second run changes nothing"


ENDS = st.one_of(st.just(0), st.integers(1, 3), st.sampled_from(["timeout", "missing", "killed"]))


@settings(max_examples=40, deadline=None)
@given(dags(), st.data(), st.sampled_from(["stop", "continue"]))
def test_status_tells_each_steps_real_end_as_the_binary_would_leave_it(case, data, on_error):
    """The Pod status the kubelet would show after the binary (the model) ran the wiring: status reads it right."""
    names, edges, order, argvs, _split = case
    containers = [{"name": n, "image": "busybox", "command": argvs[n]} for n in order]
    annotations = {f"seq-fn.dev/after.{n}": ",".join(sorted(deps)) for n, deps in edges.items() if deps}
    out = krm_fn.sequence(job(containers, annotations or {"seq-fn.dev/enabled": "true"}),
                          {"strategy": "entrypoint", "onError": on_error})  # fmt: skip
    spec = yamlio.to_plain(out["spec"]["template"]["spec"])
    exits = {n: data.draw(ENDS, label=f"end of {n}") for n in names}
    ended = model.outcomes(spec, binary=entrypoint.BINARY, exits=exits)
    statuses = []
    for name, end in ended.items():
        if end.exit_code is None:
            state = {"running": {"startedAt": "2026-12-01T00:00:00Z"}}
        else:
            message = json.dumps(end.message) if end.message is not None else ""
            state = {"terminated": {"exitCode": end.exit_code, "message": message}}
        statuses.append({"name": name, "state": state})
    pod = {"kind": "Pod", "metadata": {"name": "p"}, "spec": spec, "status": {"containerStatuses": statuses}}
    found = {s.name: s for s in status.steps(pod)}
    for name, end in ended.items():
        ends = exits[name]
        if end.exit_code is None:
            assert found[name].state == "waiting" and found[name].detail.startswith("forever"), name
        elif end.skipped:
            assert found[name].state == "skipped", name
        elif ends == 0:
            assert found[name].state == "succeeded", name
        else:
            assert found[name].state == "failed", (name, ends, found[name])
            if isinstance(ends, int):
                assert found[name].exit_code == ends, "the step's own code, also when continued past"
    assert status.failed(list(found.values())) == any(e != 0 for e in exits.values())
