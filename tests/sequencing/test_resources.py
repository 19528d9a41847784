from decimal import Decimal

import pytest

from krm_fn.sequencing.resources import effective, qos_class, quantity, quiet_container, render


def ctr(name, cpu=None, limit=None, *, sidecar=False, memory=None):
    resources = {}
    if cpu or memory:
        resources["requests"] = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v}
    if limit:
        resources["limits"] = {"cpu": limit}
    out = {"name": name, "resources": resources}
    if sidecar:
        out["restartPolicy"] = "Always"
    return out


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("250m", Decimal("0.25")),
        ("2", Decimal(2)),
        ("1Gi", Decimal(2**30)),
        ("1e3", Decimal(1000)),
        ("1.5Mi", Decimal(1.5 * 2**20)),
        ("500M", Decimal(500 * 10**6)),
        ("bogus", None),
        ("1Zi", None),
    ],
)
def test_quantities_parse_as_kubernetes_writes_them(text, value):
    assert quantity(text) == value


def test_rendering_picks_the_unit_a_person_would():
    assert [render("cpu", Decimal("0.25")), render("cpu", Decimal(3)), render("memory", Decimal(2**29))] == [
        "250m",
        "3",
        "512Mi",
    ]


def test_parallel_containers_sum_and_init_containers_count_as_a_maximum():
    parallel = {"containers": [ctr("a", "1"), ctr("b", "2"), ctr("c", "1")]}
    sequenced = {"initContainers": [ctr("a", "1"), ctr("b", "2")], "containers": [ctr("c", "1")]}
    assert effective(parallel).requests["cpu"] == 4
    assert effective(sequenced).requests["cpu"] == 2


def test_sidecars_add_to_everything_started_after_them():
    spec = {
        "initContainers": [ctr("proxy", "500m", sidecar=True), ctr("a", "1"), ctr("b", "2")],
        "containers": [ctr("c", "1")],
    }
    assert effective(spec).requests["cpu"] == Decimal("2.5")


def test_a_missing_limit_makes_the_pod_limit_unbounded_and_a_missing_request_defaults_to_the_limit():
    spec = {"containers": [ctr("a", limit="1"), ctr("b", "1")]}
    found = effective(spec)
    assert found.limits["cpu"] is None
    assert found.requests["cpu"] == 2


COPY = ({"cpu": "10m", "memory": "16Mi"}, {"cpu": "100m", "memory": "64Mi"})


def test_a_pod_that_asks_for_nothing_stays_best_effort():
    spec = {"containers": [{"name": "a"}, {"name": "b"}]}
    assert qos_class(spec) == "BestEffort"
    assert quiet_container(spec, *COPY) == {}


def test_a_guaranteed_pod_gets_requests_equal_to_limits_no_more_than_the_smallest():
    spec = {"containers": [
        {"name": "a", "resources": {"limits": {"cpu": "50m", "memory": "1Gi"}}},
        {"name": "b", "resources": {"limits": {"cpu": "2", "memory": "8Mi"}}},
    ]}  # fmt: skip
    assert qos_class(spec) == "Guaranteed"
    got = quiet_container(spec, *COPY)
    assert got == {"requests": {"cpu": "50m", "memory": "8Mi"}, "limits": {"cpu": "50m", "memory": "8Mi"}}
    after = {"initContainers": [{"name": "copy", "resources": got}], **spec}
    assert qos_class(after) == "Guaranteed" and effective(after) == effective(spec)


def test_a_burstable_pod_keeps_its_effective_requests_with_sidecars_before_the_copy():
    spec = {
        "initContainers": [ctr("proxy", cpu="1", sidecar=True, memory="1Gi")],
        "containers": [ctr("a", cpu="5m"), ctr("b")],
    }
    got = quiet_container(spec, *COPY)
    assert got == {"requests": {"cpu": "5m"}}, "memory: no regular container asks for it, so the copy asks for none"
    after = {**spec, "initContainers": [*spec["initContainers"], {"name": "copy", "resources": got}]}
    assert effective(after) == effective(spec) and qos_class(after) == "Burstable"


def test_pod_level_resources_replace_the_containers_total_for_the_resources_they_name():
    spec = {
        "resources": {"requests": {"cpu": "3"}, "limits": {"memory": "4Gi"}},
        "initContainers": [ctr("a", "1", memory="1Gi")],
        "containers": [ctr("b", "2", limit="2", memory="512Mi")],
    }
    found = effective(spec)
    assert found.requests["cpu"] == 3, "the pod-level request wins over max(init, app)"
    assert found.requests["memory"] == 2**30, "a pod-level limit alone leaves the containers' request"
    assert found.limits["memory"] == 4 * 2**30 and found.limits["cpu"] is None
    assert found.pod_level == {"cpu", "memory"}


def test_a_pod_level_limit_with_no_request_anywhere_is_also_the_request():
    found = effective({"resources": {"limits": {"cpu": "2"}}, "containers": [ctr("a")]})
    assert found.requests["cpu"] == 2 and found.limits["cpu"] == 2


def test_overhead_adds_to_requests_and_to_bounded_limits_only():
    spec = {"overhead": {"cpu": "250m", "memory": "120Mi"}, "containers": [ctr("a", "1", limit="1", memory="1Gi")]}
    found = effective(spec)
    assert found.requests["cpu"] == Decimal("1.25") and found.limits["cpu"] == Decimal("1.25")
    assert found.requests["memory"] == 2**30 + 120 * 2**20
    assert found.limits["memory"] is None, "no container limits memory: the Pod's limit stays unbounded"
