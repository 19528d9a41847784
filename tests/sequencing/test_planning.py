"""Planning decides order, sidecars and strategy without touching the workload."""

import copy

import pytest

from krm_fn.sequencing import planning, workloads
from krm_fn.sequencing.config import SequenceConfig
from krm_fn.sequencing.constants import Intent, Strategy
from krm_fn.sequencing.report import Report


def job(*names, annotations=None, restart="Never"):
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "j", "annotations": annotations or {}},
        "spec": {
            "template": {"spec": {"restartPolicy": restart, "containers": [{"name": n, "image": "img"} for n in names]}}
        },
    }


def plan_of(obj, config=None):
    config = config or SequenceConfig()
    info = workloads.kind_info(obj, config)
    template = workloads.pod_templates(obj, info)[0]
    report = Report()
    before = copy.deepcopy(obj)
    plan = planning.plan(obj, template, intent=workloads.intent(info, template), config=config, report=report)
    assert obj == before, "planning must not edit the workload"
    return plan, report


def test_a_chain_keeps_container_order_and_waits_on_the_previous_step():
    plan, report = plan_of(job("a", "b", "c"))
    assert not report.findings
    assert plan.steps == ("a", "b", "c") and plan.main == "c"
    assert plan.waits_for == {"a": (), "b": ("a",), "c": ("b",)}
    assert plan.strategy is Strategy.INIT_CONTAINERS and plan.intent is Intent.STEPS
    assert not plan.is_dag


def test_a_dag_keeps_only_the_declared_edges():
    plan, _ = plan_of(job("r", "m", "x", "y", annotations={"seq-fn.dev/after.m": "x,y", "seq-fn.dev/after.r": "m"}))
    assert plan.is_dag
    assert plan.steps == ("x", "y", "m", "r")
    assert plan.waits_for == {"x": (), "y": (), "m": ("x", "y"), "r": ("m",)}


def test_sidecars_from_config_and_annotation_are_taken_out_of_the_steps():
    obj = job("proxy", "a", "log", "b", annotations={"seq-fn.dev/sidecars": "log"})
    plan, _ = plan_of(obj, SequenceConfig(sidecars=("proxy", "not-here")))
    assert plan.sidecars == ("proxy", "log")
    assert plan.steps == ("a", "b")


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        pytest.param(job("only"), None, id="single-container"),
        pytest.param(job("a", "b", annotations={"seq-fn.dev/order": "b,a"}), ("b", "a"), id="order"),
    ],
)
def test_nothing_to_do_or_an_explicit_order(obj, expected):
    plan, report = plan_of(obj)
    assert not report.has_errors
    assert (plan.steps if plan else None) == expected


@pytest.mark.parametrize(
    ("kind", "restart", "intent", "strategy"),
    [
        ("Job", "Never", Intent.STEPS, Strategy.INIT_CONTAINERS),
        ("Pod", "OnFailure", Intent.STEPS, Strategy.INIT_CONTAINERS),
        ("Pod", None, Intent.START_ORDER, Strategy.NATIVE_SIDECARS),
        ("Deployment", None, Intent.START_ORDER, Strategy.NATIVE_SIDECARS),
    ],
)
def test_auto_picks_the_strategy_by_intent(kind, restart, intent, strategy):
    spec = {"containers": [{"name": "a", "image": "i"}, {"name": "b", "image": "i"}]}
    if restart:
        spec["restartPolicy"] = restart
    obj = (
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}
        if kind == "Pod"
        else {
            "apiVersion": "apps/v1" if kind == "Deployment" else "batch/v1",
            "kind": kind,
            "metadata": {"name": "x"},
            "spec": {"template": {"spec": spec}},
        }
    )
    plan, _ = plan_of(obj)
    assert (plan.intent, plan.strategy) == (intent, strategy)


def test_timeouts_outside_entrypoint_are_ignored_with_a_warning():
    plan, report = plan_of(job("a", "b", annotations={"seq-fn.dev/timeout.a": "10m"}))
    assert plan is not None
    assert [f.severity for f in report.findings] == ["warning"]
    assert "only strategy entrypoint" in report.findings[0].message


@pytest.mark.parametrize("strategy", ["init-containers", "entrypoint"])
def test_order_with_after_is_the_order_plus_the_after_waits_under_every_strategy(strategy):
    annotations = {"seq-fn.dev/order": "a,b,c", "seq-fn.dev/after.c": "a", "seq-fn.dev/strategy": strategy}
    plan, report = plan_of(job("c", "a", "b", annotations=annotations))
    assert not report.has_errors
    assert plan.steps == ("a", "b", "c")
    assert plan.waits_for == {"a": (), "b": ("a",), "c": ("b", "a")}, "b waits for a: it does not run beside it"
    assert not plan.is_dag


def test_an_after_that_contradicts_order_is_still_an_error():
    annotations = {"seq-fn.dev/order": "a,b,c", "seq-fn.dev/after.a": "c"}
    plan, report = plan_of(job("a", "b", "c", annotations=annotations))
    assert plan is None
    assert any(f.severity == "error" and "order puts" in f.message for f in report.findings)


@pytest.mark.parametrize(
    ("where", "bounded"),
    [("job", True), ("pod", True), (None, False)],
)
def test_an_active_deadline_on_the_job_or_its_pod_spec_bounds_the_pod(where, bounded):
    obj = job("a", "b")
    if where == "job":
        obj["spec"]["activeDeadlineSeconds"] = 600
    elif where == "pod":
        obj["spec"]["template"]["spec"]["activeDeadlineSeconds"] = 600
    plan, _ = plan_of(obj)
    assert plan.has_deadline is bounded
    if not bounded:
        assert plan.deadline_path == "spec.activeDeadlineSeconds", "suggested on the Job, where users set it"
