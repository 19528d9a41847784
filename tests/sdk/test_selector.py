import pytest

from krm_fn.sdk.selector import Selector, is_selected

JOB = {
    "apiVersion": "batch/v1",
    "kind": "Job",
    "metadata": {
        "name": "etl",
        "namespace": "data",
        "labels": {"team": "data", "tier": "1"},
        "annotations": {"owner": "ana"},
    },
}


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        pytest.param({}, True, id="empty-matches-everything"),
        pytest.param({"kind": "Job"}, True, id="kind"),
        pytest.param({"kind": "CronJob"}, False, id="other-kind"),
        pytest.param({"apiVersion": "batch/v1", "name": "etl", "namespace": "data"}, True, id="all-scalars"),
        pytest.param({"apiVersion": "batch/v1beta1"}, False, id="apiVersion-is-exact"),
        pytest.param({"labels": {"team": "data"}}, True, id="subset-of-labels"),
        pytest.param({"labels": {"team": "data", "tier": "2"}}, False, id="every-label-must-match"),
        pytest.param({"annotations": {"owner": "ana"}}, True, id="annotation"),
        pytest.param({"kind": "Job", "name": "other"}, False, id="fields-are-anded"),
    ],
)
def test_a_selector_matches_when_every_field_it_sets_matches(selector, expected):
    assert Selector.from_dict(selector).matches(JOB) is expected


def test_selectors_are_ored_and_exclude_wins():
    by_kind, by_name = Selector(kind="CronJob"), Selector(name="etl")
    assert is_selected(JOB, selectors=[by_kind, by_name])
    assert not is_selected(JOB, selectors=[by_kind])
    assert not is_selected(JOB, selectors=[by_name], exclude=[Selector(labels={"tier": "1"})])


def test_no_selectors_selects_everything_but_the_excluded():
    assert is_selected(JOB)
    assert not is_selected(JOB, exclude=[Selector(namespace="data")])


def test_an_object_without_metadata_only_matches_selectors_that_ask_nothing_of_it():
    bare = {"apiVersion": "v1", "kind": "Pod"}
    assert Selector(kind="Pod").matches(bare)
    assert not Selector(name="x").matches(bare)
    assert not Selector(labels={"a": "b"}).matches(bare)
