"""The library API, as a Python caller uses it."""

import copy

import pytest

import krm_fn

JOB = {
    "apiVersion": "batch/v1",
    "kind": "Job",
    "metadata": {"name": "etl"},
    "spec": {
        "template": {
            "spec": {
                "restartPolicy": "Never",
                "containers": [{"name": "extract", "image": "busybox"}, {"name": "load", "image": "busybox"}],
            }
        }
    },
}


def test_sequence_returns_a_new_workload_and_leaves_the_input_alone():
    before = copy.deepcopy(JOB)
    out = krm_fn.sequence(JOB)
    assert before == JOB
    spec = out["spec"]["template"]["spec"]
    assert [c["name"] for c in spec["initContainers"]] == ["extract"]
    assert [c["name"] for c in spec["containers"]] == ["load"]


@pytest.mark.parametrize(
    "config",
    [
        {"sidecars": ["extract"]},
        krm_fn.SequenceConfig(sidecars=("extract",)),
        {"apiVersion": "seq-fn.dev/v1alpha1", "kind": "SequenceContainers", "sidecars": ["extract"]},
        {"apiVersion": "v1", "kind": "ConfigMap", "data": {"sidecars": "extract"}},
    ],
    ids=["fields", "dataclass", "typed", "configmap"],
)
def test_every_config_form_is_accepted(config):
    out = krm_fn.sequence(JOB, config)
    assert out["spec"]["template"]["spec"]["initContainers"][0]["restartPolicy"] == "Always"


def test_a_bad_config_raises_config_error_naming_the_field():
    with pytest.raises(krm_fn.ConfigError, match=r"^strategy: must be one of"):
        krm_fn.sequence(JOB, {"strategy": "fast"})


def test_an_impossible_workload_raises_with_every_error():
    bad = copy.deepcopy(JOB)
    bad["metadata"]["annotations"] = {"seq-fn.dev/order": "nope"}
    with pytest.raises(krm_fn.SequencingError) as raised:
        krm_fn.sequence(bad)
    messages = [r.message for r in raised.value.results]
    assert any("'nope'" in m for m in messages) and any("missing" in m for m in messages)


def test_sequence_resources_keeps_order_and_returns_results():
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}
    left, hints = krm_fn.sequence_resources([service, JOB])
    assert left[1] is JOB, "a workload that declares no intent is left alone"
    assert [r.severity for r in hints] == ["info"] and "seq-fn.dev/enabled" in hints[0].message
    items, results = krm_fn.sequence_resources([service, JOB], {"selectAll": True})
    assert items[0] is service
    assert items[1]["metadata"]["annotations"]["seq-fn.dev/sequenced"] == "init-containers"
    assert [r.severity for r in results] == ["info"]


def test_a_non_workload_comes_back_as_it_is():
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}
    assert krm_fn.sequence(service) is service


DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web"},
    "spec": {"template": {"spec": {"containers": [{"name": "agent", "image": "a"}, {"name": "app", "image": "b"}]}}},
}


def test_sequence_with_results_returns_the_warnings_sequence_drops():
    out, results = krm_fn.sequence_with_results(DEPLOYMENT)
    assert out == krm_fn.sequence(DEPLOYMENT)
    warnings = [r.message for r in results if r.severity == "warning"]
    assert any("readinessProbe" in w and "agent" in w for w in warnings), warnings
    assert [r.severity for r in results if r.severity == "info"] == ["info"]
    assert all(r.resource_ref and r.resource_ref["name"] == "web" for r in results)


def test_sequence_with_results_raises_on_errors_like_sequence():
    with pytest.raises(krm_fn.SequencingError) as raised:
        krm_fn.sequence_with_results(JOB, {"strategy": "native-sidecars"})
    assert any(r.severity == "error" for r in raised.value.results)


def test_dir_shows_the_api():
    shown = dir(krm_fn)
    assert set(krm_fn.__all__) <= set(shown)
    assert "importlib" not in shown and "TYPE_CHECKING" not in shown
    for name in krm_fn.__all__:
        assert getattr(krm_fn, name) is not None


def test_sequence_warns_that_the_rbac_of_api_waits_comes_only_with_sequence_resources():
    from pathlib import Path

    from krm_fn.sdk import yamlio

    source = (Path(__file__).parent / "golden" / "wait-for-api-service-and-job" / "input.yaml").read_text()
    web = yamlio.load_all(source.split("---\n")[0])[0]
    _, results = krm_fn.sequence_with_results(web)
    warnings = [r.message for r in results if r.severity == "warning"]
    assert warnings == [
        "the API waits of this workload need Role shop/seq-fn-wait-web, RoleBinding shop/seq-fn-wait-web, which "
        "sequence() does not return: use sequence_resources(), which returns them after the workload"
    ]
    out, _ = krm_fn.sequence_resources([web])
    assert [o["kind"] for o in out] == ["Deployment", "Role", "RoleBinding"]
