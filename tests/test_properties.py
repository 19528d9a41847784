"""Properties over generated valid workloads of every kind, and over byte-level mutations of valid input.

For every generated workload and config: every item comes out; no container, env var, volume or mount is lost;
images and effective argv are unchanged (for the entrypoint strategy, recovered from ``-entrypoint`` and what
follows ``--``); the output validates strictly at 1.29 and the newest schema and passes the semantic rules; a
second run changes nothing; and the model in ``support/model.py`` runs the requested order or DAG.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import krm_fn
from krm_fn.sdk import runner, sourced
from krm_fn.sequencing import transformer, workloads
from krm_fn.sequencing.config import SequenceConfig
from krm_fn.sequencing.strategies import entrypoint
from tests.support import kube
from tests.support.entrypoint_args import parse, steps_of
from tests.support.model import FOREVER, schedule
from tests.support.run import resource_list

KINDS = {
    "Pod": ("v1", ("spec",)),
    "PodTemplate": ("v1", ("template", "spec")),
    "Deployment": ("apps/v1", ("spec", "template", "spec")),
    "StatefulSet": ("apps/v1", ("spec", "template", "spec")),
    "DaemonSet": ("apps/v1", ("spec", "template", "spec")),
    "ReplicaSet": ("apps/v1", ("spec", "template", "spec")),
    "ReplicationController": ("v1", ("spec", "template", "spec")),
    "Job": ("batch/v1", ("spec", "template", "spec")),
    "CronJob": ("batch/v1", ("spec", "jobTemplate", "spec", "template", "spec")),
}
NAME = st.from_regex(r"[a-z][a-z0-9-]{0,8}[a-z0-9]", fullmatch=True)
WORD = st.text(alphabet="abcxyz019 -$()=:/'\"", min_size=1, max_size=6)


@st.composite
def containers(draw, *, with_command: bool):
    names = draw(st.lists(NAME, min_size=1, max_size=5, unique=True))
    volumes = [f"vol-{i}" for i in range(draw(st.integers(0, 2)))]
    out = []
    for name in names:
        ctr: dict[str, Any] = {"name": name, "image": draw(st.sampled_from(["busybox:1.36", "registry.example/a:1"]))}
        if with_command or draw(st.booleans()):
            ctr["command"] = draw(st.lists(WORD, min_size=1, max_size=3))
        if draw(st.booleans()):
            ctr["args"] = draw(st.lists(WORD, max_size=3))
        if draw(st.booleans()):
            ctr["env"] = [{"name": f"E{i}", "value": draw(WORD)} for i in range(draw(st.integers(1, 3)))]
        if volumes and draw(st.booleans()):
            ctr["volumeMounts"] = [{"name": v, "mountPath": f"/mnt/{v}"} for v in volumes]
        if draw(st.booleans()):
            ctr["readinessProbe"] = {"exec": {"command": ["true"]}}
        if draw(st.booleans()):
            ctr["ports"] = [
                {"containerPort": 8000 + len(out), **({"name": f"p{len(out)}"} if draw(st.booleans()) else {})}
            ]
        out.append(ctr)
    return out, volumes


@st.composite
def cases(draw):  # noqa: PLR0912
    kind = draw(st.sampled_from(sorted(KINDS)))
    restart = {"Job": "Never", "CronJob": "OnFailure"}.get(kind)
    if kind in ("Pod", "PodTemplate"):
        restart = draw(st.sampled_from(["Never", "OnFailure", "Always", None]))
    steps_intent = restart in ("Never", "OnFailure")
    strategy = draw(st.sampled_from(["auto", "entrypoint"])) if steps_intent else "auto"
    ctrs, volumes = draw(containers(with_command=strategy == "entrypoint"))
    names = [c["name"] for c in ctrs]
    sidecars = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names) - 1)) if len(names) > 1 else []
    steps = [n for n in names if n not in sidecars]
    annotations: dict[str, str] = {}
    shape = draw(st.sampled_from(["chain", "order", "dag", "order-and-dag"]))
    if shape == "order":
        annotations["seq-fn.dev/order"] = ",".join(draw(st.permutations(steps)))
    elif shape == "order-and-dag":  # order is the order; the after edges agree with it (they point backwards,
        annotations["seq-fn.dev/order"] = ",".join(steps)  # past the step just before: order alone gives that one)
        for i, name in enumerate(steps):
            deps = [m for m in steps[: max(i - 1, 0)] if draw(st.booleans())]
            if deps:
                annotations[f"seq-fn.dev/after.{name}"] = ",".join(deps)
    elif shape == "dag":
        for i, name in enumerate(steps):
            deps = [m for m in steps[:i] if draw(st.booleans())]
            if deps:
                annotations[f"seq-fn.dev/after.{name}"] = ",".join(deps)
    if sidecars:
        annotations["seq-fn.dev/sidecars"] = ",".join(sidecars)
    spec: dict[str, Any] = {"containers": ctrs}
    if restart:
        spec["restartPolicy"] = restart
    if volumes:
        spec["volumes"] = [{"name": v, "emptyDir": {}} for v in volumes]
    api_version, path = KINDS[kind]
    obj: dict[str, Any] = {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"name": "w", "annotations": annotations},
    }
    holder = obj
    for key in path[:-1]:
        holder = holder.setdefault(key, {})
    holder[path[-1]] = spec
    if kind in ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"):
        obj["spec"]["selector"] = {"matchLabels": {"app": "w"}}
        obj["spec"]["template"]["metadata"] = {"labels": {"app": "w"}}
    if kind == "StatefulSet":
        obj["spec"]["serviceName"] = "w"
    if kind == "CronJob":
        obj["spec"]["schedule"] = "@daily"
    config: dict[str, Any] = {"strategy": strategy, "onIncompatibleFields": "drop"}
    if draw(st.booleans()):
        config["selectAll"] = True  # selected by the functionConfig
    else:
        annotations["seq-fn.dev/enabled"] = "true"  # or by declaring intent
    return obj, config, steps, sidecars, annotations


def requested_edges(steps: list[str], annotations: dict[str, str]) -> dict[str, set[str]]:
    after = {k.removeprefix("seq-fn.dev/after."): set(v.split(",")) for k, v in annotations.items()
             if k.startswith("seq-fn.dev/after.")}  # fmt: skip
    if after and "seq-fn.dev/order" not in annotations:
        return {n: after.get(n, set()) for n in steps}
    order = annotations.get("seq-fn.dev/order", ",".join(steps)).split(",")
    return {n: ({order[i - 1]} if i else set()) | after.get(n, set()) for i, n in enumerate(order)}


def all_containers(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in [*(spec.get("initContainers") or ()), *spec["containers"]]}


def argv(ctr: dict[str, Any]) -> list[str]:
    if list(ctr.get("command") or ()) == [entrypoint.BINARY]:
        return parse(ctr).argv
    return [*(ctr.get("command") or ()), *(ctr.get("args") or ())]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_sequencing_keeps_everything_and_runs_the_requested_order(case):
    obj, config, steps, sidecars, annotations = case
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}}
    before = copy.deepcopy(obj)
    items, results = krm_fn.sequence_resources([service, obj], config)
    assert not results.has_errors, [r.message for r in results]
    assert obj == before
    assert len(items) == 2 and items[0] == service
    out = items[1]
    info = workloads.kind_info(out, SequenceConfig())
    spec_in = workloads.pod_templates(before, info)[0].spec
    spec_out = workloads.pod_templates(out, info)[0].spec
    ins, outs = all_containers(spec_in), all_containers(spec_out)
    assert set(ins) <= set(outs) and set(outs) - set(ins) <= {entrypoint.COPY_CONTAINER}
    for name, ctr in ins.items():
        got = outs[name]
        assert got["image"] == ctr["image"]
        assert got.get("env") == ctr.get("env")
        assert all(m in (got.get("volumeMounts") or []) for m in ctr.get("volumeMounts") or [])
        if "command" in ctr:
            assert argv(got) == [*ctr["command"], *(ctr.get("args") or ())]
    assert all(v in (spec_out.get("volumes") or []) for v in spec_in.get("volumes") or [])
    kube.check_workload(out)
    again, again_results = krm_fn.sequence_resources(items, config)
    changes = [r for r in again_results if r.severity == "info" and not r.message.startswith("nothing to do")]
    assert again == items and not changes, "a second run changes nothing (saying so again for nothing to do)"
    _assert_model_runs_the_order(spec_out, steps, sidecars, annotations, long_running=spec_in.get("restartPolicy")
                                 not in ("Never", "OnFailure"))  # fmt: skip


def _assert_model_runs_the_order(spec, steps, sidecars, annotations, *, long_running: bool) -> None:
    times = schedule(spec, binary=entrypoint.BINARY, long_running=long_running)
    edges = requested_edges(steps, annotations)
    first_step = min((times[s][0] for s in steps), default=0)
    for sidecar in sidecars:
        assert times[sidecar][0] <= first_step and times[sidecar][1] == FOREVER, "sidecars start first, keep running"
    if len(steps) < 2:
        return
    for step, preds in edges.items():
        for pred in preds:
            if long_running:
                assert times[pred][0] <= times[step][0], f"{pred} starts before {step}"
                assert _init_index(spec, pred) < _init_index(spec, step), f"{pred} is gated before {step}"
            else:
                assert times[pred][1] <= times[step][0], f"{step} starts after {pred} finished"
    wrapped = steps_of(spec, entrypoint.BINARY)
    if wrapped:  # no extra serialisation: each step starts as soon as its requested predecessors are done
        for step, preds in edges.items():
            assert times[step][0] == max([times[p][1] for p in preds], default=times[step][0])


def _init_index(spec, name) -> int:
    names = [c["name"] for c in spec.get("initContainers") or ()] + [c["name"] for c in spec["containers"]]
    return names.index(name)


GOLDEN = Path(__file__).parent / "golden"
GOLDEN_INPUTS = [
    resource_list((GOLDEN / case / "input.yaml").read_text()).encode()
    for case in ("job-chain", "deployment-start-order", "entrypoint-dag", "selectors-and-passthrough")
]


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(GOLDEN_INPUTS),
    st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 255), st.sampled_from(["flip", "insert", "delete"])), max_size=4
    ),
)
def test_byte_mutations_never_escape_as_a_traceback(data: bytes, mutations):
    buf = bytearray(data)
    for pos, value, how in mutations:
        i = pos % max(len(buf), 1)
        if how == "flip" and buf:
            buf[i] = value
        elif how == "insert":
            buf.insert(i, value)
        elif buf:
            del buf[i]
    outcome = runner.run(bytes(buf), transformer.process, name="seq-fn", splice=True)
    assert outcome.exit_code in (0, 1, 2)
    assert "internal error" not in outcome.stderr, outcome.stderr
    if outcome.exit_code == 2:
        assert outcome.stdout == b"" and outcome.stderr.count("\n") == 1
    else:
        assert isinstance(_read_output(outcome.stdout)["items"], list)


def _read_output(stdout: bytes) -> Any:
    """A ResourceList as libyaml reads it, go-yaml's parser: a tab before a colon (``kind\t: Job``) is read.

    ruamel.yaml's scanner refuses that tab, so it cannot judge output that keeps an input item's bytes.
    """
    return sourced.construct(sourced.compose(stdout.decode()))


def test_an_item_with_a_tab_before_a_colon_comes_out_readable() -> None:
    """Found by the byte mutations: the item keeps its bytes, which kubectl reads (the check read them with
    ruamel.yaml, which refuses the tab)."""
    given = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind\t: ConfigMap\n"
    outcome = runner.run((given + "  metadata: {name: a}\n").encode(), transformer.process, splice=True)
    assert outcome.exit_code == 0, outcome.stderr
    assert _read_output(outcome.stdout)["items"][0]["kind"] == "ConfigMap"
